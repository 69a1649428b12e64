// An epsilon teacher's run takes its x0 clip range (spec_min / spec_max) from the train split's mels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocess } from '../../src/data/preprocess.js';
import { withHparams } from '../../src/model/hparams.js';
import { prodiffConfigFromHparams } from '../../src/model/prodiff.js';
import { CacheDataset } from '../../src/train/data.js';
import { hparamsForData } from '../../src/train/teacher.js';
import { CORPUS_TINY, TINY_TEACHER } from '../tiny.js';

test('epsilon teacher: spec_min/spec_max are the per-bin range of the train mels; x0 models get none; a config range wins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-melrange-'));
  try {
    await preprocess(CORPUS_TINY, join(dir, 'cache'), { workers: 1 });
    const data = new CacheDataset(join(dir, 'cache'));
    const hp = hparamsForData(withHparams(TINY_TEACHER, { diffusion_target: 'epsilon' }), data);
    const M = data.index.audio.nMels;
    const lo = new Array<number>(M).fill(Infinity), hi = new Array<number>(M).fill(-Infinity);
    for (const e of data.entries('train')) {
      const mel = data.get(e).mel;
      for (let t = 0; t < mel.length / M; t++) for (let m = 0; m < M; m++) { lo[m] = Math.min(lo[m]!, mel[t * M + m]!); hi[m] = Math.max(hi[m]!, mel[t * M + m]!); }
    }
    assert.deepEqual([...hp.spec_min!], lo);
    assert.deepEqual([...hp.spec_max!], hi);
    assert.ok(lo.every((v, m) => v < hi[m]!));
    assert.deepEqual(prodiffConfigFromHparams(hp).x0Clip, { min: hp.spec_min, max: hp.spec_max });
    assert.equal(hparamsForData(TINY_TEACHER, data).spec_min, undefined, 'x0 models need no range');
    const given = new Array<number>(M).fill(-5);
    assert.deepEqual([...hparamsForData(withHparams(TINY_TEACHER, { diffusion_target: 'epsilon', spec_min: given, spec_max: new Array<number>(M).fill(2) }), data).spec_min!], given);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
