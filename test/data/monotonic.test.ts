import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/index.js';
import { betaBinomialLogPrior, feasible, forwardSum, logGamma, viterbi, type MonotonicProblem } from '../../src/data/monotonic.js';

/** Every admissible path, as the token of each frame: starts on token 0 (or a later one past skipped optionals), ends on the last mandatory or later, steps 0, 1, or 2 over an optional. */
function allPaths(p: MonotonicProblem): number[][] {
  const { frames: T, tokens: N } = p;
  const opt = (i: number) => !!p.optional?.[i];
  const out: number[][] = [];
  const rec = (path: number[]) => {
    if (path.length === T) {
      // every token after the last visited must be optional; no mandatory token skipped anywhere
      const last = path[T - 1]!;
      for (let j = last + 1; j < N; j++) if (!opt(j)) return;
      out.push([...path]);
      return;
    }
    const cur = path[path.length - 1]!;
    for (const next of [cur, cur + 1, cur + 2]) {
      if (next >= N) continue;
      if (next === cur + 2 && !opt(cur + 1)) continue;
      path.push(next);
      rec(path);
      path.pop();
    }
  };
  for (let s = 0; s < N; s++) {
    let ok = true;
    for (let j = 0; j < s; j++) if (!opt(j)) ok = false;
    if (ok) rec([s]);
  }
  return out;
}

function randomProblem(rng: Rng, T: number, N: number, withOptional: boolean): MonotonicProblem {
  const scores = new Float64Array(T * N);
  for (let i = 0; i < scores.length; i++) scores[i] = 3 * rng.normal();
  const optional = Array.from({ length: N }, (_, i) => withOptional && (i % 2 === 0 || rng.uniform() < 0.2));
  return { scores, frames: T, tokens: N, optional };
}

const pathScore = (p: MonotonicProblem, path: number[]) => path.reduce((s, n, t) => s + p.scores[t * p.tokens + n]!, 0);

test('Viterbi finds the best path of a brute-force search on small random matrices', () => {
  const rng = new Rng(11);
  let checked = 0;
  for (let k = 0; k < 60; k++) {
    const T = 2 + rng.int(6);
    const N = 1 + rng.int(6);
    const p = randomProblem(rng, T, N, k % 2 === 0);
    const paths = allPaths(p);
    assert.equal(paths.length > 0, feasible(p), `feasibility T=${T} N=${N}`);
    if (!feasible(p)) continue;
    const best = Math.max(...paths.map((x) => pathScore(p, x)));
    const v = viterbi(p);
    assert.ok(Math.abs(v.score - best) < 1e-9, `T=${T} N=${N}: viterbi ${v.score}, brute force ${best}`);
    // The returned spans tile the frames in order, and their score is the reported one.
    const frameToken: number[] = [];
    for (let n = 0; n < N; n++) {
      assert.ok(v.end[n]! >= v.start[n]!);
      if (n > 0) assert.equal(v.start[n], v.end[n - 1]);
      if (!p.optional![n]) assert.ok(v.end[n]! > v.start[n]!, 'mandatory token got no frame');
      for (let t = v.start[n]!; t < v.end[n]!; t++) frameToken.push(n);
    }
    assert.equal(frameToken.length, T);
    assert.ok(Math.abs(pathScore(p, frameToken) - v.score) < 1e-9);
    checked++;
  }
  assert.ok(checked > 30);
});

test('the forward-sum equals log-sum-exp over all paths, and its gradient matches finite differences', () => {
  const rng = new Rng(5);
  for (let k = 0; k < 30; k++) {
    const T = 2 + rng.int(5);
    const N = 1 + rng.int(5);
    const p = randomProblem(rng, T, N, k % 2 === 1);
    if (!feasible(p)) continue;
    const paths = allPaths(p);
    const scores = paths.map((x) => pathScore(p, x));
    const m = Math.max(...scores);
    const brute = m + Math.log(scores.reduce((s, x) => s + Math.exp(x - m), 0));
    const fs = forwardSum(p);
    assert.ok(Math.abs(fs.logZ - brute) < 1e-9, `logZ ${fs.logZ} vs ${brute}`);
    // Occupancy of each frame sums to 1.
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += fs.occupancy[t * N + n]!;
      assert.ok(Math.abs(s - 1) < 1e-9);
    }
    const h = 1e-6;
    for (let i = 0; i < T * N; i++) {
      const plus = { ...p, scores: Float64Array.from(p.scores) };
      const minus = { ...p, scores: Float64Array.from(p.scores) };
      plus.scores[i]! += h;
      minus.scores[i]! -= h;
      const fd = (forwardSum(plus).logZ - forwardSum(minus).logZ) / (2 * h);
      assert.ok(Math.abs(fd - fs.occupancy[i]!) < 1e-6, `cell ${i}: finite difference ${fd}, occupancy ${fs.occupancy[i]}`);
    }
  }
});

test('too few frames for the mandatory tokens is infeasible and an error', () => {
  const p: MonotonicProblem = { scores: new Float64Array(2 * 5), frames: 2, tokens: 5, optional: [true, false, false, false, true] };
  assert.equal(feasible(p), false);
  assert.throws(() => viterbi(p), /2 frames cannot hold 5 tokens/);
  assert.throws(() => forwardSum(p), /cannot hold/);
});

test('the beta-binomial prior is a distribution over tokens matching the closed form', () => {
  assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-10);
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-10);
  const T = 13;
  const N = 7;
  const prior = betaBinomialLogPrior(T, N);
  const lb = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const a = t + 1;
      const b = T - t;
      const direct = logGamma(N) - logGamma(n + 1) - logGamma(N - n) + lb(n + a, N - 1 - n + b) - lb(a, b);
      assert.ok(Math.abs(prior[t * N + n]! - direct) < 1e-4, `t ${t} n ${n}`);
      s += Math.exp(prior[t * N + n]!);
    }
    assert.ok(Math.abs(s - 1) < 1e-4);
  }
  // The mode moves along the diagonal.
  const argmax = (t: number) => [...prior.subarray(t * N, t * N + N)].reduce((bi, v, i, a) => (v > a[bi]! ? i : bi), 0);
  assert.equal(argmax(0), 0);
  assert.equal(argmax(T - 1), N - 1);
});
