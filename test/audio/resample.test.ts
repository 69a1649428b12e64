import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { besselI0, loadAudio, resample, sincFilterTable } from '../../src/audio/resample.js';
import { writeWav, writeWavChannels } from '../../src/audio/wav.js';
import { readManifest, loadCase } from './golden.js';

const tone = (f: number, sr: number, n: number, a = 0.5) => Float64Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / sr));

test('Bessel I0: known values', () => {
  assert.ok(Math.abs(besselI0(0) - 1) < 1e-15);
  assert.ok(Math.abs(besselI0(1) - 1.2660658777520082) < 1e-14);
  assert.ok(Math.abs(besselI0(10) / 2815.716628466254 - 1) < 1e-13);
});

test('44.1 kHz -> 22.05 kHz equals the closed-form symmetric FIR of the README', () => {
  // y[t] = sum_{j=-127..127} 0.5 h[256 |j|] x[2t - j], zero outside the signal; length ceil(N/2).
  // For odd N the filter yields floor(N/2) samples and librosa's fix_length appends one zero.
  const h = sincFilterTable();
  const N = 3001;
  let s = 99;
  const x = Float64Array.from({ length: N }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; });
  const y = resample(x, 44100, 22050);
  assert.equal(y.length, Math.ceil(N / 2));
  let err = 0;
  assert.equal(y[y.length - 1], 0);
  for (let t = 0; t < y.length - 1; t++) {
    let acc = 0;
    for (let j = -127; j <= 127; j++) {
      const i = 2 * t - j;
      if (i >= 0 && i < N) acc += 0.5 * h[256 * Math.abs(j)]! * x[i]!;
    }
    err = Math.max(err, Math.abs(acc - y[t]!));
  }
  assert.ok(err < 1e-6, `max err ${err}`); // float32 output rounding
});

test('stop band: a tone above the new Nyquist is attenuated by >= 60 dB', () => {
  for (const [from, to, f] of [[44100, 22050, 12000], [48000, 22050, 11600], [32000, 22050, 14000]] as const) {
    const x = tone(f, from, from); // 1 s
    const y = resample(x, from, to);
    let peak = 0;
    for (let i = 2000; i < y.length - 2000; i++) peak = Math.max(peak, Math.abs(y[i]!));
    const db = 20 * Math.log10(peak / 0.5);
    assert.ok(db <= -60, `${from}->${to}, ${f} Hz: ${db.toFixed(1)} dB`);
  }
});

test('pass band: a 1 kHz tone keeps amplitude and phase (down- and up-sampling)', () => {
  for (const [from, to] of [[44100, 22050], [48000, 22050], [16000, 22050], [8000, 22050]] as const) {
    const x = tone(1000, from, from);
    const y = resample(x, from, to);
    assert.equal(y.length, Math.ceil(from * (to / from)));
    const ref = tone(1000, to, y.length);
    let err = 0;
    for (let i = 1000; i < y.length - 1000; i++) err = Math.max(err, Math.abs(y[i]! - ref[i]!));
    // < 1e-3 of full scale (the table's linear interpolation and the passband ripple; ~0.005 dB).
    assert.ok(err < 5e-4, `${from}->${to}: max err ${err}`);
  }
});

test('two tones, one each side of the new Nyquist: only the lower one comes through, at its amplitude', () => {
  // 0.3 sin(2 pi 1000 t) + 0.3 sin(2 pi 15000 t) at 44.1 kHz -> 22.05 kHz (Nyquist 11025 Hz): the
  // closed form of the result is 0.3 sin(2 pi 1000 t); measured by projection on sin/cos.
  const from = 44100, to = 22050;
  const x = Float64Array.from({ length: from }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 1000 * i) / from) + 0.3 * Math.sin((2 * Math.PI * 15000 * i) / from));
  const y = resample(x, from, to);
  const ref = tone(1000, to, y.length, 0.3);
  let err = 0;
  for (let i = 1000; i < y.length - 1000; i++) err = Math.max(err, Math.abs(y[i]! - ref[i]!));
  assert.ok(err < 1e-3, `max |y - 0.3 sin(2 pi 1000 t)| = ${err}`);
  const project = (f: number) => {
    let s = 0, c = 0;
    const n0 = 1000, n1 = y.length - 1000 - ((y.length - 2000) % (to / 50)); // whole periods of 50 Hz
    for (let i = n0; i < n1; i++) {
      s += y[i]! * Math.sin((2 * Math.PI * f * i) / to);
      c += y[i]! * Math.cos((2 * Math.PI * f * i) / to);
    }
    return (2 * Math.hypot(s, c)) / (n1 - n0);
  };
  assert.ok(Math.abs(project(1000) - 0.3) < 1e-4, `1 kHz amplitude ${project(1000)}`);
  // 15 kHz would alias to 22050 - 15000 = 7050 Hz if it were not filtered out.
  assert.ok(project(7050) < 3e-4, `7050 Hz alias amplitude ${project(7050)}`);
});

test('loadAudio: stereo 44.1 kHz file is averaged then resampled; empty file is an error', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rs-'));
  const l = tone(440, 44100, 4410, 0.5), r = tone(440, 44100, 4410, 0.3);
  writeWavChannels(path.join(dir, 's.wav'), [Float32Array.from(l), Float32Array.from(r)], 44100, 'float32');
  const a = loadAudio(path.join(dir, 's.wav'));
  assert.equal(a.nativeRate, 44100);
  assert.equal(a.channels, 2);
  assert.equal(a.samples.length, 2205);
  const ref = tone(440, 22050, 2205, 0.4);
  for (let i = 300; i < 1900; i++) assert.ok(Math.abs(a.samples[i]! - ref[i]!) < 1e-4);
  writeWav(path.join(dir, 'e.wav'), new Float32Array(0), 22050);
  assert.throws(() => loadAudio(path.join(dir, 'e.wav')), /e\.wav: the WAV file holds no samples/);
});

const resampledCases = readManifest().cases.map((e) => e.case).filter((name) => loadCase(name).tensors.has('input.native'));

test('golden resample cases match input.wav within the manifest tolerance', { skip: resampledCases.length === 0 && 'the golden audio set has no resampled case (all are 22050 Hz mono)' }, () => {
  for (const name of resampledCases) {
    const c = loadCase(name);
    const a = loadAudio(c.wavPath);
    const g = c.tensors.get('input.wav')!.data as Float32Array;
    assert.equal(a.samples.length, g.length);
    let err = 0;
    for (let i = 0; i < g.length; i++) err = Math.max(err, Math.abs(a.samples[i]! - g[i]!));
    assert.ok(err <= 2e-6, `${name}: resample max err ${err}`);
  }
});
