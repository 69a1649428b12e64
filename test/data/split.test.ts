import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocess, sentenceKey, splitOf } from '../../src/data/preprocess.js';
import { CORPUS_TINY } from '../tiny.js';

test('split: by sentence (speaker prefix dropped), in the asked shares', () => {
  assert.equal(sentenceKey('rms_utt0007', 'rms'), 'utt0007');
  assert.equal(sentenceKey('utt0007', 'corpus'), 'utt0007', 'single-speaker ids carry no prefix');
  assert.equal(sentenceKey('rmsx_utt1', 'rms'), 'rmsx_utt1');
  // Shares over many keys come out near the asked ones.
  const keys = Array.from({ length: 20000 }, (_, i) => `utt${i}`);
  const count = (v: number, t: number) => {
    const c = { train: 0, valid: 0, test: 0 };
    for (const k of keys) c[splitOf(k, v, t)]++;
    return c;
  };
  const d = count(0.02, 0.02);
  assert.ok(Math.abs(d.test / keys.length - 0.02) < 0.005 && Math.abs(d.valid / keys.length - 0.02) < 0.005, JSON.stringify(d));
  // (FNV-1a of similar ids is not perfectly uniform: 27 % for an asked 30 %.)
  const big = count(0.1, 0.3);
  assert.ok(Math.abs(big.test / keys.length - 0.3) < 0.05 && Math.abs(big.valid / keys.length - 0.1) < 0.03, JSON.stringify(big));
  // A larger test share only moves sentences out of train (the hash is the same).
  for (const k of keys.slice(0, 500)) if (splitOf(k, 0.02, 0.02) === 'test') assert.equal(splitOf(k, 0.1, 0.3), 'test');
});

test('preprocess: validFraction / testFraction are checked, and set the held-out shares', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-split-'));
  try {
    await assert.rejects(preprocess(CORPUS_TINY, join(dir, 'a'), { testFraction: 1.2 }), /testFraction must be in \[0, 1\), got 1.2/);
    await assert.rejects(preprocess(CORPUS_TINY, join(dir, 'a'), { validFraction: 0.5, testFraction: 0.5 }), /must be below 1/);
    // The six ids hash to 0.926 .. 0.953 (similar short ids cluster), so these shares split them three ways.
    const idx = await preprocess(CORPUS_TINY, join(dir, 'b'), { workers: 1, validFraction: 0.01, testFraction: 0.93 });
    const expected = idx.utterances.map((u) => splitOf(u.id, 0.01, 0.93));
    assert.deepEqual(idx.utterances.map((u) => u.split), expected);
    assert.ok(expected.includes('test') && expected.includes('valid') && expected.includes('train'), JSON.stringify(expected));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
