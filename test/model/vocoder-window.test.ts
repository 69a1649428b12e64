// Windowed vocoding: a frame range vocoded with `contextFrames` of mel each side and trimmed gives
// the whole mel's samples (random-weight Vocos and HiFi-GAN generators); the derived context is
// exactly what one mel frame reaches (a NaN there marks every sample that depends on it, however
// weak the path: a finite perturbation's far effects round away in float32).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParamStore, Rng } from '../../src/engine/index.js';
import { PRODIFF_MEL } from '../../src/audio/mel.js';
import { PRODIFF_STFT } from '../../src/audio/stft.js';
import { synthesizeFrames, type Vocoder } from '../../src/model/vocoder.js';
import { VocosVocoder } from '../../src/model/vocos-vocoder.js';
import { vocosContextFrames, VOCOS_BASE, VOCOS_SMALL, type VocosConfig } from '../../src/model/vocos.js';
import { hifiganContextFrames, hifiganGraph, hifiganHop, HifiganVocoder, HIFIGAN_V1, HIFIGAN_V3, type HifiganConfig } from '../../src/model/hifigan.js';
import { writeRandomVocos } from '../../src/voice/random.js';
import { maxAbsDiff } from '../compare.js';

const M = 80;
let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-vocwin-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A log10-mel-like random input, [T, M]. */
function randomMel(T: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: T * M }, () => -3 + 1.5 * rng.normal());
}

/** Vocodes [0, T) in chunks of `size` with the vocoder's context, concatenated. */
async function chunked(v: Vocoder, mel: Float32Array, T: number, size: number): Promise<Float32Array> {
  const out = new Float32Array(T * v.hop);
  for (let a = 0; a < T; a += size) out.set(await synthesizeFrames(v, mel, T, M, a, Math.min(T, a + size)), a * v.hop);
  return out;
}

/** The first and last frame whose samples depend on mel frame t0 (NaN there). */
async function reach(v: Vocoder, T: number, t0: number): Promise<[number, number]> {
  const mel = randomMel(T, 5);
  mel[t0 * M + 7] = Number.NaN;
  const y = await v.synthesize(mel, T);
  let first = -1, last = -1;
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) {
      const f = Math.floor(i / v.hop);
      if (first < 0) first = f;
      last = f;
    }
  }
  return [first, last];
}

async function checkExact(v: Vocoder, T: number): Promise<void> {
  const c = v.contextFrames!;
  const mel = randomMel(T, 9);
  const whole = await v.synthesize(mel, T);
  const peak = Math.max(...Array.from(whole, Math.abs));
  assert.ok(peak > 0);
  for (const size of [1, 3, 16, 29, T]) {
    const d = maxAbsDiff(await chunked(v, mel, T, size), whole);
    assert.ok(d <= 1e-5 * peak, `chunks of ${size} frames, context ${c}: max |diff| ${d} (peak ${peak})`);
  }
}

test('vocos context: (kernel - 1) / 2 per conv + the iSTFT frames (n_fft 1024, hop 256: 2)', () => {
  assert.equal(vocosContextFrames(VOCOS_SMALL), 3 * 7 + 2);
  assert.equal(vocosContextFrames(VOCOS_BASE), 3 * 9 + 2);
  assert.equal(vocosContextFrames({ ...VOCOS_SMALL, layers: 0, stft: { ...PRODIFF_STFT, nFft: 512, hop: 128 } }), 3 + 2);
  assert.equal(vocosContextFrames({ ...VOCOS_SMALL, layers: 0, stft: { ...PRODIFF_STFT, nFft: 1024, hop: 512 } }), 3 + 1);
});

test('vocos: windowed vocoding with contextFrames = whole-mel samples; the context is what a frame reaches', async () => {
  const cfg: VocosConfig = { ...VOCOS_SMALL, dim: 16, intermediate: 32, layers: 2 };
  const file = join(tmp, 'vocos.safetensors');
  writeRandomVocos(file, cfg, 3);
  const v = await VocosVocoder.load({ mel: PRODIFF_MEL, file, threads: 1 });
  assert.equal(v.contextFrames, 3 * 3 + 2);
  // Mel frame t0 reaches STFT frames t0 +- 9, whose windows cover output frames t0 - 11 .. t0 + 10.
  assert.deepEqual(await reach(v, 60, 30), [30 - 11, 30 + 10]);
  await checkExact(v, 70);
});

test('hifigan context: derived by interval propagation (V1 13 frames, V3 11)', () => {
  assert.equal(hifiganContextFrames(HIFIGAN_V1), 13);
  assert.equal(hifiganContextFrames(HIFIGAN_V3), 11);
});

for (const resblock of [1, 2] as const) {
  test(`hifigan (resblock ${resblock}): windowed vocoding = whole-mel samples; the context is what a frame reaches`, async () => {
    const cfg: HifiganConfig = {
      mels: M, upsampleRates: [4, 2, 2], upsampleKernelSizes: [8, 4, 6], upsampleInitialChannel: 8, resblock,
      resblockKernelSizes: [3, 5], resblockDilationSizes: resblock === 1 ? [[1, 3], [1, 2]] : [[1, 2], [2, 6]], melLog: 'log10',
    };
    const params = new ParamStore().initialize(hifiganGraph(cfg), new Rng(resblock));
    const v = await HifiganVocoder.fromParams(params, cfg, { mel: { ...PRODIFF_MEL, hop: hifiganHop(cfg) }, threads: 1 });
    const [first, last] = await reach(v, 60, 30);
    assert.equal(Math.max(30 - first, last - 30), v.contextFrames, `a frame reaches ${first}..${last}; derived context ${v.contextFrames}`);
    await checkExact(v, 50);
  });
}
