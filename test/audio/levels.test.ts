// Output hygiene measures and the DC blocker against closed forms: level and DC of sines with an
// offset, the Welch spectrum's tone-to-noise ratio for white noise plus tones on the frame-rate
// harmonics, the DC blocker's impulse/step response and frequency response, and chunked = whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTones, dbfs, LevelMeter, LongTermSpectrum } from '../../src/audio/levels.js';
import { DC_BLOCK_R, DcBlocker } from '../../src/audio/dc-block.js';
import { OutputStage, outputGain } from '../../src/api/output.js';
import { Rng } from '../../src/engine/index.js';

const SR = 22050, HOP = 256;
const sine = (n: number, amp: number, period: number, offset = 0) => Float32Array.from({ length: n }, (_, i) => offset + amp * Math.sin((2 * Math.PI * i) / period));

test('levels: DC, peak and RMS of a sine with an offset; the speech gate leaves out silence', () => {
  const m = new LevelMeter();
  const x = sine(100 * 200, 0.3, 200, 0.002); // whole periods; sin reaches 1 at i = 50
  m.add(x);
  const s = m.stats();
  assert.ok(Math.abs(s.dc - 0.002) < 1e-7, `dc ${s.dc}`);
  assert.ok(Math.abs(s.peakDb - dbfs(0.302)) < 1e-5, `peak ${s.peakDb}`);
  assert.ok(Math.abs(s.rmsDb - 10 * Math.log10(0.002 ** 2 + 0.3 ** 2 / 2)) < 1e-4, `rms ${s.rmsDb}`);
  // One second of the tone, nine of silence: the speech RMS stays the tone's, the plain RMS falls by 10 dB.
  const g = new LevelMeter();
  const y = new Float32Array(10 * SR);
  y.set(sine(SR, 0.1, 100));
  g.add(y);
  const t = g.stats();
  const tone = dbfs(0.1 / Math.SQRT2);
  // (frames straddling the tone's end count too, half full: a little under the tone's RMS)
  assert.ok(t.speechRmsDb <= tone && t.speechRmsDb > tone - 0.25, `speech rms ${t.speechRmsDb} vs ${tone}`);
  assert.ok(Math.abs(t.rmsDb - (tone - 10)) < 0.05, `rms ${t.rmsDb}`);
  assert.equal(new LevelMeter().stats().speechRmsDb, -Infinity);
});

test('frame-rate tones: white noise plus tones on chosen harmonics of sr/hop; the tone excess in closed form', () => {
  const n = 30 * SR;
  const rng = new Rng(1);
  const sigma = 0.1, amp = 0.02;
  const x = rng.normalArray(n).map((v) => v * sigma);
  const f0 = SR / HOP;
  const tones = [3, 10, 40];
  for (const k of tones) for (let i = 0; i < n; i++) x[i]! += amp * Math.sin(2 * Math.PI * k * f0 * i / SR + k);
  for (let i = 0; i < n; i++) x[i]! += amp * Math.sin(2 * Math.PI * 20.5 * f0 * i / SR); // between harmonics: not counted
  const lts = new LongTermSpectrum(SR, 4096);
  lts.add(x.subarray(0, n / 2));
  lts.add(x.subarray(n / 2)); // two utterances
  assert.equal(lts.segmentCount, 2 * (Math.floor((n / 2 - 4096) / 2048) + 1));
  const r = countTones(lts.spectrum(), lts.binHz(), { fundamental: f0 });
  assert.equal(r.harmonics, 81, 'harmonics of 86.13 Hz up to 7 kHz');
  assert.deepEqual(r.excessDb.filter((e) => e.db >= 6).map((e) => Math.round(e.hz / f0)), tones);
  assert.equal(r.count, 3);
  // Harmonic k sits on bin 16 k exactly: tone power (A/2)^2 (sum w)^2 over noise sigma^2 sum w^2, plus the noise itself.
  const N = 4096;
  const w = Array.from({ length: N }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
  const sw = w.reduce((a, v) => a + v, 0), sw2 = w.reduce((a, v) => a + v * v, 0);
  const expected = 10 * Math.log10(1 + ((amp / 2) ** 2 * sw * sw) / (sigma ** 2 * sw2));
  for (const k of tones) {
    const e = r.excessDb[k - 1]!;
    assert.ok(Math.abs(e.db - expected) < 0.6, `harmonic ${k}: ${e.db.toFixed(2)} dB vs ${expected.toFixed(2)} dB`);
  }
  assert.ok(Math.max(...r.excessDb.filter((_, i) => !tones.includes(i + 1)).map((e) => e.db)) < 2, 'noise alone stays near 0 dB');
});

test('DC blocker: step response c r^n, the frequency response in closed form, chunks = whole', () => {
  const step = new DcBlocker().process(new Float32Array(2000).fill(0.25));
  step.forEach((y, i) => assert.ok(Math.abs(y - 0.25 * DC_BLOCK_R ** i) < 1e-7, `step[${i}]`));
  for (const f of [50, 441, 4410]) {
    const period = SR / f;
    const y = new DcBlocker().process(sine(SR, 0.5, period, 0.01));
    // Steady state (the last 0.5 s, whole periods): amplitude = 0.5 |H(f)|, no offset left.
    const tail = y.subarray(SR - Math.floor(SR / 2 / period) * period);
    const rms = Math.sqrt(tail.reduce((a, v) => a + v * v, 0) / tail.length);
    const mean = tail.reduce((a, v) => a + v, 0) / tail.length;
    const h = DcBlocker.gainAt(DC_BLOCK_R, f, SR);
    assert.ok(Math.abs(rms * Math.SQRT2 - 0.5 * h) < 2e-3 * 0.5 * h, `${f} Hz: amplitude ${rms * Math.SQRT2} vs ${0.5 * h}`);
    assert.ok(Math.abs(mean) < 1e-4, `${f} Hz: mean ${mean}`);
  }
  assert.ok(Math.abs(DcBlocker.gainAt(DC_BLOCK_R, 0, SR)) < 1e-12);
  const x = new Rng(2).normalArray(5000).map((v) => 0.1 * v + 0.003);
  const whole = new DcBlocker().process(x);
  const d = new DcBlocker();
  const parts = [d.process(x.subarray(0, 1)), d.process(x.subarray(1, 777)), d.process(x.subarray(777, 777)), d.process(x.subarray(777))];
  assert.deepEqual(Float32Array.from(parts.flatMap((p) => [...p])), whole);
  assert.throws(() => new DcBlocker(1), /pole 1 must lie in \(0, 1\)/);
});

test('output stage: DC blocker, gain and clamp; chunked = whole; the gain from dB and volume', () => {
  assert.ok(Math.abs(outputGain(-6, 1) - 10 ** (-6 / 20)) < 1e-15);
  assert.equal(outputGain(6, 0), 0);
  const x = new Rng(3).normalArray(3000).map((v) => 0.4 * v + 0.002);
  const whole = new OutputStage(2).process(x);
  const s = new OutputStage(2);
  const chunked = [s.process(x.subarray(0, 1000)), s.process(x.subarray(1000))];
  assert.deepEqual(Float32Array.from(chunked.flatMap((c) => [...c])), whole);
  const ref = new DcBlocker().process(x);
  whole.forEach((y, i) => assert.ok(Math.abs(y - Math.min(1, Math.max(-1, 2 * ref[i]!))) < 1e-6));
  assert.ok(whole.some((y) => y === 1) && whole.every((y) => Math.abs(y) <= 1), 'clamped to [-1, 1]');
  assert.deepEqual(new OutputStage(1, false).process(Float32Array.of(0.5, 0.25)), Float32Array.of(0.5, 0.25), 'no DC blocker: only the gain');
  assert.throws(() => new OutputStage(Number.NaN), /gain NaN must be a finite number >= 0/);
});
