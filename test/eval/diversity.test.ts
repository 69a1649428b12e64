import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { assignToCentroids, jensenShannonBits, kMeans, ndbJsd, seedSpread, twoProportionZ, type FrameSet } from '../../src/eval/diversity.js';

/** n frames around each of the given centres (Gaussian, std sigma). */
function blobs(centres: number[][], n: number, sigma: number, seed: number): FrameSet {
  const rng = new Rng(seed);
  const dim = centres[0]!.length;
  const data = new Float32Array(centres.length * n * dim);
  let o = 0;
  for (const c of centres) for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) data[o++] = c[d]! + sigma * rng.normal();
  return { data, dim };
}

test('k-means finds well separated clusters (each centroid near one true centre)', () => {
  const centres = [[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]];
  const c = kMeans(blobs(centres, 200, 0.5, 1), 4, { seed: 3 });
  for (const t of centres) {
    const best = Math.min(...[0, 1, 2, 3].map((j) => Math.hypot(...t.map((v, d) => v - c.data[j * 3 + d]!))));
    assert.ok(best < 0.2, `centre ${t} is ${best} from the nearest centroid`);
  }
});

test('assignment is to the nearest centroid (brute force)', () => {
  const rng = new Rng(5);
  const frames = { data: rng.normalArray(50 * 4), dim: 4 };
  const cents = { data: rng.normalArray(6 * 4), dim: 4 };
  const a = assignToCentroids(frames, cents);
  for (let i = 0; i < 50; i++) {
    const d = (j: number) => [0, 1, 2, 3].reduce((s, k) => s + (frames.data[i * 4 + k]! - cents.data[j * 4 + k]!) ** 2, 0);
    const dists = [0, 1, 2, 3, 4, 5].map(d);
    assert.equal(a[i], dists.indexOf(Math.min(...dists)));
  }
});

test('JSD in bits: 0 for equal histograms, 1 for disjoint ones, closed form in between', () => {
  assert.equal(jensenShannonBits([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 0);
  assert.ok(Math.abs(jensenShannonBits([1, 0], [0, 1]) - 1) < 1e-12);
  // p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4); JSD = 1/2 log2(4/3) + 1/2 (1/2 log2(2/3) + 1/2 log2(2))
  const want = 0.5 * Math.log2(4 / 3) + 0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(0.5 / 0.25));
  assert.ok(Math.abs(jensenShannonBits([1, 0], [0.5, 0.5]) - want) < 1e-12);
});

test('two-proportion z: closed form', () => {
  // p1 = .5 of 100, p2 = .3 of 100: pooled .4, se = sqrt(.4 * .6 * .02)
  assert.ok(Math.abs(twoProportionZ(0.5, 100, 0.3, 100) - 0.2 / Math.sqrt(0.4 * 0.6 * 0.02)) < 1e-12);
  assert.equal(twoProportionZ(0, 10, 0, 20), 0);
});

test('NDB: samples of the reference distribution differ in few bins; a collapsed model in most', () => {
  const centres = Array.from({ length: 10 }, (_, i) => [i * 5, (i % 3) * 5]);
  const ref = blobs(centres, 300, 1, 11);
  const same = ndbJsd(ref, blobs(centres, 300, 1, 12), { k: 10, seed: 1 });
  assert.ok(same.ndbRatio <= 0.2, `same distribution: NDB/K ${same.ndbRatio}`);
  assert.ok(same.jsdBits < 0.01, `same distribution: JSD ${same.jsdBits}`);
  const collapsed = ndbJsd(ref, blobs([centres[0]!, centres[1]!], 1500, 1, 13), { k: 10, seed: 1 });
  assert.ok(collapsed.ndbRatio >= 0.8, `collapsed: NDB/K ${collapsed.ndbRatio}`);
  assert.ok(collapsed.jsdBits > 0.5, `collapsed: JSD ${collapsed.jsdBits}`);
  assert.ok(Math.abs(collapsed.generatedShares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test('seed spread: 0 for identical samples, the population std otherwise', () => {
  const a = Float32Array.from([1, 2, 3]);
  assert.deepEqual(seedSpread([a, a, a]), { sum: 0, count: 3 });
  // per element values {0, 2}: std 1 everywhere
  const s = seedSpread([Float32Array.from([0, 0]), Float32Array.from([2, 2])]);
  assert.equal(s.sum / s.count, 1);
  assert.throws(() => seedSpread([a]), /at least 2/);
});
