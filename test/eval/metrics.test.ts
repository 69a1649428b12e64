// Eval metrics against closed forms, hand-computed cases and the model's own SSIM loss graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, exportOnnx, Graph, ortTensor, Rng } from '../../src/engine/index.js';
import { melSsimLoss } from '../../src/model/losses.js';
import { comparePitch, MCD_SCALE, mcd, melCepstrum, melL1, melSsim, normalizeWords, pitchSummary, addPitchCounts, emptyPitchCounts, wordErrors, type MelImage } from '../../src/eval/metrics.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

interface Mel extends MelImage { data: Float32Array }

function randomMel(rng: Rng, T: number, M: number): Mel {
  const data = Float32Array.from(rng.normalArray(T * M), (v) => -3 + 0.8 * v);
  return { data, frames: T, mels: M };
}

test('mel L1: a constant offset c gives |c|; identical mels give 0', () => {
  const rng = new Rng(1);
  const a = randomMel(rng, 7, 80);
  const b = { ...a, data: a.data.map((v) => v - 0.25) };
  close(melL1(a, b), 0.25, 1e-6);
  assert.equal(melL1(a, a), 0);
  assert.throws(() => melL1(a, randomMel(rng, 6, 80)), /shapes differ/);
});

test('SSIM: 1 for identical mels, symmetric, and equal to 1 - the training loss graph (melSsimLoss)', async () => {
  const rng = new Rng(2);
  const T = 23, M = 80;
  const a = randomMel(rng, T, M);
  const b = { ...a, data: a.data.map((v) => v + 0.3 * rng.normal()) };
  close(melSsim(a, a), 1, 1e-12);
  close(melSsim(a, b), melSsim(b, a), 1e-12);
  const g = new Graph('ssim');
  const x = g.input('x', 'float32', [1, T, M]);
  const y = g.input('y', 'float32', [1, T, M]);
  g.output('loss', melSsimLoss(x, y));
  const s = await createSession(exportOnnx(g));
  const r = await s.run({ x: ortTensor('float32', a.data, [1, T, M]), y: ortTensor('float32', b.data, [1, T, M]) });
  const loss = (r.loss!.data as Float32Array)[0]!;
  const host = melSsim(a, b);
  assert.ok(host > 0 && host < 1);
  close(host, 1 - loss, 2e-5, 'host SSIM vs graph');
});

test('SSIM of constant images: the closed form (2ab + C1) / (a^2 + b^2 + C1) where the window is whole', () => {
  // A 1 x 1 window makes every pixel "interior": SSIM = (2ab + C1)(C2) / ((a^2 + b^2 + C1) C2).
  const a = { data: new Float32Array(12).fill(-2), frames: 3, mels: 4 };
  const b = { data: new Float32Array(12).fill(-3), frames: 3, mels: 4 };
  const A = 4, B = 3, C1 = 1e-4; // + bias 6
  close(melSsim(a, b, { window: 1 }), (2 * A * B + C1) / (A * A + B * B + C1), 1e-12);
});

test('MCD: 0 for a level shift (c0 is left out); a k = 1 cosine of amplitude A (natural log) gives (10/ln10) A sqrt(M); cosines above the order count nothing', () => {
  const T = 3, M = 80, A = 0.1;
  const base = randomMel(new Rng(3), T, M);
  const shifted = { ...base, data: base.data.map((v) => v + 0.7) };
  close(mcd(base, shifted), 0, 1e-4); // float32 rounding of the shifted mel
  const cosine = (k: number) => ({ ...base, data: base.data.map((v, i) => v + (A / Math.LN10) * Math.cos((Math.PI * k * (2 * (i % M) + 1)) / (2 * M))) });
  close(mcd(base, cosine(1)), (10 / Math.LN10) * A * Math.sqrt(M), 1e-5);
  close(mcd(base, cosine(13)), (10 / Math.LN10) * A * Math.sqrt(M), 1e-5);
  close(mcd(base, cosine(14)), 0, 1e-4);
  close(MCD_SCALE, 6.141851463713754, 1e-12);
  // The cepstrum is the orthonormal DCT-II: c_0 = sqrt(M) ln(10) x for a flat frame x.
  const c = melCepstrum(new Float32Array(M).fill(-2));
  close(c[0]!, Math.sqrt(M) * Math.LN10 * -2, 1e-9);
  for (let k = 1; k < c.length; k++) close(c[k]!, 0, 1e-9);
});

test('pitch: log-F0 RMSE in cents over frames voiced in both, V/UV error, GPE and FFE by hand', () => {
  const ref = [100, 100, 0, 200, 0, 0];
  const est = [100 * 2 ** (100 / 1200), 130, 0, 0, 150, 0];
  const c = comparePitch(ref, est);
  assert.deepEqual({ ...c, sqCents: 0 }, { frames: 6, voicingErrors: 2, bothVoiced: 2, grossErrors: 1, sqCents: 0 });
  const s = pitchSummary(c);
  close(s.logF0RmseCents!, Math.sqrt((100 ** 2 + (1200 * Math.log2(1.3)) ** 2) / 2), 1e-9);
  close(s.vde, 2 / 6, 1e-12);
  close(s.gpe!, 1 / 2, 1e-12);
  close(s.ffe, 3 / 6, 1e-12);
  // Pooling adds frames, not utterance means; no frame voiced in both -> no RMSE.
  const none = comparePitch([0, 0], [0, 120]);
  assert.equal(pitchSummary(none).logF0RmseCents, null);
  const pooled = pitchSummary(addPitchCounts(addPitchCounts(emptyPitchCounts(), c), none));
  close(pooled.vde, 3 / 8, 1e-12);
  close(pooled.ffe, 4 / 8, 1e-12);
  // Exactly 20 % off is not a gross error.
  assert.equal(comparePitch([100], [120]).grossErrors, 0);
});

test('word error rate: Levenshtein over normalised words', () => {
  assert.deepEqual(normalizeWords("Don't STOP, it's 42 -- now!"), ["don't", 'stop', "it's", '42', 'now']);
  const ref = normalizeWords('The cat sat on the mat.');
  assert.deepEqual(wordErrors(ref, normalizeWords('the cat sit on mat')), { errors: 2, words: 6 });
  assert.deepEqual(wordErrors(ref, ref), { errors: 0, words: 6 });
  assert.deepEqual(wordErrors(ref, []), { errors: 6, words: 6 });
  assert.deepEqual(wordErrors([], ['a', 'b']), { errors: 2, words: 0 });
  assert.deepEqual(wordErrors(['a', 'b', 'c'], ['x', 'a', 'b', 'c']), { errors: 1, words: 3 });
});
