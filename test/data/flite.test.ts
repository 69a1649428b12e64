import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fliteAlignment, matchSequences } from '../../src/data/flite.js';
import { readAlignment, readCorpus } from '../../src/data/corpus.js';
import { repoRoot } from '../golden.js';

const PSDUR = 'pau:0.176 dh:0.329 ax:0.376 sh:0.480 ih:0.554 p:0.619 s:0.730 ey:0.932 l:1.076 d:1.132 ae:1.321 t:1.361 d:1.469 ao:1.687 n:1.785 pau:1.924';
const T2P = 'pau dh ax sh ih1 p s ey1 l d ae1 t d ao1 n pau';

test('flite times, t2p stress and front-end words join into ARPAbet rows', () => {
  const rows = fliteAlignment(PSDUR, T2P, 'The ship sailed at dawn.', 1.93, 0.004);
  assert.deepEqual(rows.map((r) => r.phone).join(' '), 'sil DH AH0 SH IH1 P S EY1 L D AE1 T D AO1 N sil');
  assert.deepEqual([...new Set(rows.map((r) => r.word))], ['', 'the', 'ship', 'sailed', 'at', 'dawn']);
  assert.equal(rows[0]!.start, 0);
  assert.ok(Math.abs(rows[0]!.end - 0.18) < 1e-9, 'inner boundaries move 4 ms later');
  assert.equal(rows[rows.length - 1]!.end, 1.93, 'the last end is the audio duration');
  for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.start, rows[i - 1]!.end);
});

test('flite and t2p disagreeing is an error, not a silent misalignment', () => {
  assert.throws(() => fliteAlignment(PSDUR, 'pau dh ax', 'The ship sailed at dawn.', 1.93), /disagree/);
  assert.throws(() => fliteAlignment('pau:x', 'pau', 'a', 1), /expected phone:end/);
});

test('sequence matching pairs equal symbols in order', () => {
  assert.deepEqual(matchSequences(['a', 'b', 'c'], ['a', 'c']), [0, -1, 1]);
  assert.deepEqual(matchSequences(['x', 'b'], ['a', 'b']), [0, 1]);
  assert.deepEqual(matchSequences([], ['a']), []);
});

const hasFlite = spawnSync('flite', ['-lv'], { stdio: 'ignore' }).error === undefined && spawnSync('t2p', ['a'], { stdio: 'ignore' }).error === undefined;

test('corpus synth --voices writes one LJSpeech folder per speaker, resumably', { skip: hasFlite ? false : 'flite is not installed (apt-get install flite)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-flite-'));
  try {
    const sentences = join(dir, 's.txt');
    writeFileSync(sentences, 'The ship sailed at dawn.\nWe will meet again soon.\n');
    const cli = join(repoRoot, 'dist/src/cli/main.js');
    const run = () => spawnSync(process.execPath, [cli, 'corpus', 'synth', '--sentences', sentences, '--voices', 'rms,awb', '--out', join(dir, 'c')], { encoding: 'utf-8' });
    const r = run();
    assert.equal(r.status, 0, r.stderr);
    const corpus = readCorpus(join(dir, 'c'));
    assert.deepEqual(corpus.speakers, ['awb', 'rms']);
    assert.equal(corpus.utterances.length, 4);
    for (const u of corpus.utterances) {
      const rows = readAlignment(u.alignment!);
      assert.equal(rows[0]!.phone, 'sil');
      assert.ok(rows.some((x) => x.word === 'ship' || x.word === 'meet'));
    }
    const before = readFileSync(corpus.utterances[0]!.wav);
    const again = run();
    assert.match(again.stdout, /0 synthesised, 2 already present/);
    assert.deepEqual(readFileSync(corpus.utterances[0]!.wav), before);
    const bad = spawnSync(process.execPath, [cli, 'corpus', 'synth', '--sentences', sentences, '--voices', 'nobody', '--out', join(dir, 'd')], { encoding: 'utf-8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown flite voice 'nobody'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
