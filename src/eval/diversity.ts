// Sample diversity of a generative acoustic model, as the ProDiff paper reports it:
// - NDB and JSD (Richardson & Weiss 2018, "On GANs and GMMs"): the reference mel frames are
//   clustered into K bins by k-means; generated frames are assigned to the nearest centroid; a bin is
//   "statistically different" when a two-proportion z-test rejects equal shares at the 5 % level
//   (|z| > 1.96). NDB/K is the share of such bins; JSD is the Jensen-Shannon divergence of the two
//   bin histograms, in bits (0 = same histogram, 1 = disjoint).
// - Seed spread: the standard deviation across seeds of the same sentence (same durations), per mel
//   element, averaged; 0 for a deterministic model.
import { Rng } from '../engine/random.js';

/** Frames as rows of `dim` values, one after another. */
export interface FrameSet {
  data: Float32Array;
  dim: number;
}

const frameCount = (s: FrameSet): number => s.data.length / s.dim;

function squaredDistance(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let d = 0;
  for (let k = 0; k < dim; k++) {
    const x = a[ai + k]! - b[bi + k]!;
    d += x * x;
  }
  return d;
}

/** Index of the nearest centroid of each frame. */
export function assignToCentroids(frames: FrameSet, centroids: FrameSet): Int32Array {
  if (frames.dim !== centroids.dim) throw new Error(`frames have ${frames.dim} values each, centroids ${centroids.dim}`);
  const n = frameCount(frames), k = frameCount(centroids), dim = frames.dim;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = squaredDistance(frames.data, i * dim, centroids.data, c * dim, dim);
      if (d < bestD) { bestD = d; best = c; }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Lloyd's k-means with k-means++ seeding (deterministic for a seed). An emptied cluster is
 * re-seeded with the frame farthest from its centroid, so every bin keeps reference frames.
 */
export function kMeans(frames: FrameSet, k: number, o: { seed?: number; iterations?: number } = {}): FrameSet {
  const n = frameCount(frames), dim = frames.dim;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`k ${k} must be a positive integer`);
  if (n < k) throw new Error(`k-means: ${n} frames for ${k} clusters`);
  const rng = new Rng(o.seed ?? 0);
  const c = new Float32Array(k * dim);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let j = 0; j < k; j++) {
    c.set(frames.data.subarray(pick * dim, pick * dim + dim), j * dim);
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, squaredDistance(frames.data, i * dim, c, j * dim, dim));
      total += nearest[i]!;
    }
    if (j === k - 1) break;
    // Next centre with probability proportional to D^2 (any frame not yet a centre when all are 0).
    let r = rng.uniform() * total;
    pick = -1;
    for (let i = 0; i < n && pick < 0; i++) {
      r -= nearest[i]!;
      if (r < 0 && nearest[i]! > 0) pick = i;
    }
    if (pick < 0) pick = nearest.findIndex((d) => d > 0);
    if (pick < 0) pick = rng.int(n);
  }
  const centroids: FrameSet = { data: c, dim };
  let assign = assignToCentroids(frames, centroids);
  for (let it = 0; it < (o.iterations ?? 50); it++) {
    const sums = new Float64Array(k * dim), counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const j = assign[i]!;
      counts[j]!++;
      for (let d = 0; d < dim; d++) sums[j * dim + d]! += frames.data[i * dim + d]!;
    }
    for (let j = 0; j < k; j++) {
      if (counts[j]! > 0) {
        for (let d = 0; d < dim; d++) c[j * dim + d] = sums[j * dim + d]! / counts[j]!;
        continue;
      }
      let far = 0, farD = -1;
      for (let i = 0; i < n; i++) {
        const dd = squaredDistance(frames.data, i * dim, c, assign[i]! * dim, dim);
        if (dd > farD) { farD = dd; far = i; }
      }
      c.set(frames.data.subarray(far * dim, far * dim + dim), j * dim);
    }
    const next = assignToCentroids(frames, centroids);
    const changed = next.some((v, i) => v !== assign[i]);
    assign = next;
    if (!changed) break;
  }
  return centroids;
}

/** Share of frames in each of k bins. */
export function binProportions(assignment: Int32Array, k: number): Float64Array {
  const p = new Float64Array(k);
  for (const j of assignment) p[j]! += 1;
  for (let j = 0; j < k; j++) p[j]! /= Math.max(1, assignment.length);
  return p;
}

/** Jensen-Shannon divergence of two distributions over the same bins, in bits. */
export function jensenShannonBits(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new Error(`JSD: ${p.length} bins vs ${q.length}`);
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!, b = q[i]!, m = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log2(a / m);
    if (b > 0) js += 0.5 * b * Math.log2(b / m);
  }
  return Math.max(0, js);
}

/** Two-sided two-proportion z statistic of shares p1 of n1 and p2 of n2 (0 when both shares are 0 or 1). */
export function twoProportionZ(p1: number, n1: number, p2: number, n2: number): number {
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se > 0 ? (p1 - p2) / se : 0;
}

export interface NdbResult {
  bins: number;
  /** Bins whose shares differ significantly (|z| > zCritical). */
  different: number;
  /** different / bins. */
  ndbRatio: number;
  jsdBits: number;
  referenceShares: number[];
  generatedShares: number[];
}

/**
 * NDB/K and JSD of generated frames against reference frames: k-means bins from the reference
 * (`k` default 50 as in the paper's setting of Richardson & Weiss; seeded), the z-test at 5 %.
 */
export function ndbJsd(reference: FrameSet, generated: FrameSet, o: { k?: number; seed?: number; zCritical?: number; centroids?: FrameSet; referenceShares?: Float64Array } = {}): NdbResult {
  const k = o.centroids ? frameCount(o.centroids) : o.k ?? 50;
  const centroids = o.centroids ?? kMeans(reference, k, { seed: o.seed ?? 0 });
  const nr = frameCount(reference), ng = frameCount(generated);
  if (ng === 0) throw new Error('NDB: no generated frames');
  // The reference's shares may be given (several generated sets against one reference and its bins).
  const pr = o.centroids && o.referenceShares ? o.referenceShares : binProportions(assignToCentroids(reference, centroids), k);
  const pg = binProportions(assignToCentroids(generated, centroids), k);
  const zc = o.zCritical ?? 1.959964;
  let different = 0;
  for (let j = 0; j < k; j++) if (Math.abs(twoProportionZ(pr[j]!, nr, pg[j]!, ng)) > zc) different++;
  return { bins: k, different, ndbRatio: different / k, jsdBits: jensenShannonBits(pr, pg), referenceShares: [...pr], generatedShares: [...pg] };
}

/**
 * Mean over elements of the standard deviation across samples (population, n in the
 * denominator) of equally shaped samples of one sentence; sums over sentences with `seedSpreadSum`.
 */
export function seedSpread(samples: Float32Array[]): { sum: number; count: number } {
  if (samples.length < 2) throw new Error(`seed spread needs at least 2 samples, got ${samples.length}`);
  const n = samples[0]!.length;
  for (const s of samples) if (s.length !== n) throw new Error(`seed spread: samples of ${n} and ${s.length} values`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (const s of samples) m += s[i]!;
    m /= samples.length;
    let v = 0;
    for (const s of samples) v += (s[i]! - m) ** 2;
    sum += Math.sqrt(v / samples.length);
  }
  return { sum, count: n };
}
