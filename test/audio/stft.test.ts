import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealFFT } from '../../src/audio/fft.js';
import { istft, stftComplex, stftMagnitude, numFrames, PRODIFF_STFT } from '../../src/audio/stft.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
}

test('real FFT matches a direct DFT and inverts', () => {
  const rnd = lcg(1);
  for (const n of [4, 8, 64, 1024]) {
    const x = Float64Array.from({ length: n }, rnd);
    const re = new Float64Array(n / 2 + 1), im = new Float64Array(n / 2 + 1);
    new RealFFT(n).forward(x, re, im);
    let err = 0;
    for (let k = 0; k <= n / 2; k++) {
      let sr = 0, si = 0;
      for (let t = 0; t < n; t++) { sr += x[t]! * Math.cos((2 * Math.PI * k * t) / n); si -= x[t]! * Math.sin((2 * Math.PI * k * t) / n); }
      err = Math.max(err, Math.abs(sr - re[k]!), Math.abs(si - im[k]!));
    }
    assert.ok(err < 1e-12 * n, `n=${n} err ${err}`);
    const back = new Float64Array(n);
    new RealFFT(n).inverse(re, im, back);
    for (let t = 0; t < n; t++) assert.ok(Math.abs(back[t]! - x[t]!) < 1e-14 * n);
  }
  assert.throws(() => new RealFFT(1000), /power of two/);
});

test('STFT of a bin-centred sinusoid: closed-form magnitude', () => {
  // A cosine at bin k0 under a periodic Hann window of length N has |X[k0]| = A*N/4, |X[k0 +- 1]| = A*N/8.
  const N = 1024, k0 = 37, A = 0.7;
  const y = Float64Array.from({ length: 8192 }, (_, i) => A * Math.cos((2 * Math.PI * k0 * i) / N));
  const s = stftMagnitude(y);
  assert.equal(s.frames, numFrames(8192, 256));
  assert.equal(s.frames, 33);
  const t = 10; // an interior frame
  const row = s.data.subarray(t * s.bins, (t + 1) * s.bins);
  assert.ok(Math.abs(row[k0]! - (A * N) / 4) < 1e-3);
  assert.ok(Math.abs(row[k0 + 1]! - (A * N) / 8) < 1e-3);
  assert.ok(row[k0 + 5]! < 1e-3);
});

test('inverse STFT reconstructs the signal (perfect reconstruction away from the edges too)', () => {
  const rnd = lcg(7);
  const y = Float64Array.from({ length: 5000 }, rnd);
  const spec = stftComplex(y, PRODIFF_STFT);
  const back = istft(spec, PRODIFF_STFT, y.length);
  let err = 0;
  for (let i = 0; i < y.length; i++) err = Math.max(err, Math.abs(back[i]! - y[i]!));
  assert.ok(err < 1e-12, `max error ${err}`);
});

test('reflect padding option (librosa default) and configurable sizes', () => {
  const y = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i / 7));
  const cfg = { nFft: 512, hop: 128, winLength: 400, padMode: 'reflect' as const };
  const spec = stftComplex(y, cfg);
  assert.equal(spec.bins, 257);
  assert.equal(spec.frames, 1 + Math.floor(2000 / 128));
  const back = istft(spec, cfg, y.length);
  let err = 0;
  for (let i = 0; i < y.length; i++) err = Math.max(err, Math.abs(back[i]! - y[i]!));
  assert.ok(err < 1e-10, `max error ${err}`);
});
