import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { goldenDir, loadCase, readManifest } from './golden.js';
import { runAudioCase } from '../../src/parity/audio.js';
import { interpolateSinc, minimizeBrent, PitchError, trackPitch } from '../../src/audio/pitch.js';
import { denormF0, f0Stats, f0ToCoarse, normInterpF0, prodiffPitch } from '../../src/audio/f0.js';
import type { GoldenCase } from '../../src/parity/types.js';

const manifest = readManifest();

for (const entry of manifest.cases) {
  test(`golden ${entry.case}: every output within the manifest tolerance (parity runner)`, async () => {
    const c = loadCase(entry.case);
    const gc: GoldenCase = {
      name: entry.case, file: path.join(goldenDir(), entry.golden), entry, manifest,
      tensors: c.tensors, metadata: c.metadata,
    };
    const checks = await runAudioCase(gc);
    const bad = checks.filter((k) => !k.pass);
    assert.deepEqual(bad, [], JSON.stringify(bad));
    const names = checks.map((k) => k.name);
    if (entry.case === 'e1_short100') assert.ok(names.includes('pitch.expect_error'));
    else for (const n of ['output.mel', 'output.f0', 'output.uv', 'output.f0_coarse', 'output.energy']) assert.ok(names.includes(n), n);
  });
}

test('pitch tracker reproduces Praat (port level): identical voicing, voiced f0 within 1e-3 Hz', () => {
  for (const name of ['a_sweep', 'b_glide', 'c_speech', 'e2_zeros']) {
    const c = loadCase(name);
    const y = c.tensors.get('input.wav_padded')!.data as Float32Array;
    for (const [key, veryAccurate] of [['output.f0_praat_raw', true], ['extra.f0_praat_raw_hanning', false]] as const) {
      const g = c.tensors.get(key)!.data as Float64Array;
      const tr = trackPitch(y, 22050, { veryAccurate });
      assert.equal(tr.frequency.length, g.length, `${name} ${key} frames`);
      for (let i = 0; i < g.length; i++) {
        assert.equal(tr.frequency[i]! > 0, g[i]! > 0, `${name} ${key} voicing at frame ${i}`);
        assert.ok(Math.abs(tr.frequency[i]! - g[i]!) <= 1e-3, `${name} ${key} frame ${i}: ${tr.frequency[i]} vs ${g[i]}`);
      }
    }
  }
});

test('b_glide: aligned f0 follows the true contour with the documented half-hop lag', () => {
  const c = loadCase('b_glide');
  const truth = c.tensors.get('reference.f0_true_at_stft_centres')!.data as Float64Array;
  const p = prodiffPitch(c.tensors.get('input.wav')!.data as Float32Array);
  let sum = 0, n = 0;
  for (let t = 0; t < truth.length; t++) {
    // Interior of the tone only (away from the fades and the voicing edges).
    if (truth[t]! > 0 && truth[t - 3]! > 0 && truth[t + 3]! > 0 && p.f0[t]! > 0) { sum += p.f0[t]! - truth[t]!; n++; }
  }
  const bias = sum / n;
  // The glide rises 100 Hz in 1.5 s; half a hop (128 samples) earlier is 100/1.5 * 128/22050 = 0.387 Hz lower.
  assert.ok(n > 100);
  assert.ok(Math.abs(bias + 0.387) < 0.1, `bias ${bias}`);
});

test('a clip shorter than the window (T <= 6) throws a clear PitchError', () => {
  assert.throws(() => prodiffPitch(new Float32Array(1535)), (e: unknown) => e instanceof PitchError && /minimum pitch" must not be less than/.test(e.message));
  assert.ok(prodiffPitch(new Float32Array(1536)).f0.length === 7);
});

test('sinc interpolation is exact on samples and on a band-limited sinusoid; Brent finds a parabola minimum', () => {
  const n = 200;
  const y = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) y[i] = Math.cos(0.3 * i);
  assert.equal(interpolateSinc(y, n, 50, 70), y[50]);
  assert.ok(Math.abs(interpolateSinc(y, n, 100.37, 70) - Math.cos(0.3 * 100.37)) < 2e-3);
  const [x, fx] = minimizeBrent((v) => (v - 0.3) ** 2 + 1, -1, 1, 1e-10);
  assert.ok(Math.abs(x - 0.3) < 1e-7 && Math.abs(fx - 1) < 1e-12);
});

test('coarse pitch bins: closed form', () => {
  // 50 Hz -> 1, 1100 Hz -> 255, unvoiced -> 1, beyond the range clipped; mel midpoint -> 128.
  const mel = (f: number) => 1127 * Math.log(1 + f / 700);
  const mid = 700 * (Math.exp((mel(50) + mel(1100)) / 2 / 1127) - 1);
  assert.deepEqual([...f0ToCoarse([0, 50, 1100, 3000, 20, mid])], [1, 1, 255, 255, 1, 128]);
  // 200 Hz by hand: (mel(200) - mel(50)) * 254 / (mel(1100) - mel(50)) + 1
  assert.equal(f0ToCoarse([200])[0], Math.round((mel(200) - mel(50)) * 254 / (mel(1100) - mel(50)) + 1));
});

test('f0 normalisation with interpolation through unvoiced frames, and its inverse', () => {
  const f0 = [0, 100, 0, 0, 200, 0];
  const st = f0Stats([f0, [150]]);
  assert.equal(st.mean, 150);
  assert.ok(Math.abs(st.std - Math.sqrt((50 * 50 * 2) / 3)) < 1e-12);
  const norm = { kind: 'standard' as const, mean: 150, std: 50, useUv: true };
  const { f0: z, uv } = normInterpF0(f0, norm);
  assert.deepEqual([...uv], [1, 0, 1, 1, 0, 1]);
  const e = [-1, -1, -1 / 3, 1 / 3, 1, 1];
  z.forEach((v, i) => assert.ok(Math.abs(v - e[i]!) < 1e-12, `${i}: ${v}`));
  assert.deepEqual([...denormF0(z, uv, norm)], [0, 100, 0, 0, 200, 0]);
  const lg = normInterpF0([0, 100, 0, 400], { ...norm, kind: 'log' });
  assert.ok(Math.abs(lg.f0[2]! - (Math.log2(100) + 1)) < 1e-12);
  assert.deepEqual([...normInterpF0([0, 0], norm).f0], [0, 0]);
});
