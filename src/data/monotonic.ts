// Monotonic alignment of T frames to N tokens over a score matrix s[t, n] (log-probabilities,
// row-major [T, N]): every frame belongs to one token, tokens are visited in order, each visited
// token holds at least one frame, and tokens marked optional (pauses between words) may be skipped.
// The forward-sum (the log of the summed probability of all such paths, CTC-style, with its
// gradient: the posterior occupancy of every cell) trains the aligner; Viterbi gives the best path.
// Both are O(T N) time and memory.

export interface MonotonicProblem {
  /** Scores [T, N], row-major, log domain. */
  scores: Float32Array | Float64Array;
  frames: number;
  tokens: number;
  /** Tokens that may take no frame (length N); default none. */
  optional?: ArrayLike<boolean>;
}

const NEG = -Infinity;

function logAdd(a: number, b: number): number {
  if (a === NEG) return b;
  if (b === NEG) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Which tokens a path may start on (token 0, or later ones while the earlier are all optional), and end on. */
function ends(N: number, opt: (i: number) => boolean): { first: number; last: number } {
  let first = 0;
  while (first < N - 1 && opt(first)) first++;
  let last = N - 1;
  while (last > 0 && opt(last)) last--;
  return { first, last };
}

/** The fewest frames any path needs (each visited token takes one; a step skips at most one optional token). */
export function minimumFrames(tokens: number, optional?: ArrayLike<boolean>): number {
  const opt = (i: number) => !!optional?.[i];
  if (tokens === 0) return Infinity;
  const { first, last } = ends(tokens, opt);
  // need[j]: fewest tokens visited on a path from a start token to j (inclusive).
  const need = new Array<number>(tokens).fill(Infinity);
  for (let j = 0; j < tokens; j++) {
    if (j <= first) need[j] = 1;
    if (j >= 1) need[j] = Math.min(need[j]!, need[j - 1]! + 1);
    if (j >= 2 && opt(j - 1)) need[j] = Math.min(need[j]!, need[j - 2]! + 1);
  }
  let best = Infinity;
  for (let j = last; j < tokens; j++) best = Math.min(best, need[j]!);
  return best;
}

/** Whether any path exists. */
export function feasible(p: MonotonicProblem): boolean {
  return p.frames >= minimumFrames(p.tokens, p.optional);
}

function optionalOf(p: MonotonicProblem): (i: number) => boolean {
  const o = p.optional;
  return o ? (i: number) => !!o[i] : () => false;
}

function check(p: MonotonicProblem): void {
  if (p.scores.length !== p.frames * p.tokens) throw new Error(`monotonic alignment: ${p.scores.length} scores for ${p.frames} x ${p.tokens}`);
  if (!feasible(p)) throw new Error(`monotonic alignment: ${p.frames} frames cannot hold ${p.tokens} tokens`);
}

/** Predecessor tokens of token j (j itself, j-1, and j-2 when j-1 is optional). */
function forEachPred(j: number, opt: (i: number) => boolean, f: (i: number) => void): void {
  f(j);
  if (j >= 1) f(j - 1);
  if (j >= 2 && opt(j - 1)) f(j - 2);
}

/** log of the summed path probability, and d(logZ)/d scores = posterior occupancy [T, N]. */
export function forwardSum(p: MonotonicProblem): { logZ: number; occupancy: Float64Array } {
  check(p);
  const { frames: T, tokens: N, scores: s } = p;
  const opt = optionalOf(p);
  const alpha = new Float64Array(T * N).fill(NEG);
  const beta = new Float64Array(T * N).fill(NEG);
  // A path may start on any token up to the first mandatory one.
  const { first, last } = ends(N, opt);
  for (let j = 0; j <= first; j++) alpha[j] = s[j]!;
  for (let t = 1; t < T; t++) {
    const row = t * N;
    const prev = row - N;
    for (let j = 0; j < N; j++) {
      let a = alpha[prev + j]!;
      if (j >= 1) a = logAdd(a, alpha[prev + j - 1]!);
      if (j >= 2 && opt(j - 1)) a = logAdd(a, alpha[prev + j - 2]!);
      alpha[row + j] = a === NEG ? NEG : a + s[row + j]!;
    }
  }
  let logZ = NEG;
  const lastRow = (T - 1) * N;
  for (let j = last; j < N; j++) {
    beta[lastRow + j] = 0;
    logZ = logAdd(logZ, alpha[lastRow + j]!);
  }
  for (let t = T - 2; t >= 0; t--) {
    const row = t * N;
    const next = row + N;
    for (let j = 0; j < N; j++) {
      // Successors of j: j, j+1, and j+2 when j+1 is optional.
      let b = beta[next + j]! === NEG ? NEG : beta[next + j]! + s[next + j]!;
      if (j + 1 < N && beta[next + j + 1]! !== NEG) b = logAdd(b, beta[next + j + 1]! + s[next + j + 1]!);
      if (j + 2 < N && opt(j + 1) && beta[next + j + 2]! !== NEG) b = logAdd(b, beta[next + j + 2]! + s[next + j + 2]!);
      beta[row + j] = b;
    }
  }
  const occupancy = new Float64Array(T * N);
  if (logZ === NEG) return { logZ, occupancy };
  for (let k = 0; k < T * N; k++) {
    const v = alpha[k]! + beta[k]!;
    occupancy[k] = v === NEG ? 0 : Math.exp(v - logZ);
  }
  return { logZ, occupancy };
}

export interface MonotonicPath {
  /** Per token, its first frame and one past its last (equal for a skipped optional token). */
  start: Int32Array;
  end: Int32Array;
  /** Sum of the scores along the path. */
  score: number;
}

/** The best path (Viterbi). Back-pointers take one byte per cell. */
export function viterbi(p: MonotonicProblem): MonotonicPath {
  check(p);
  const { frames: T, tokens: N, scores: s } = p;
  const opt = optionalOf(p);
  const { first, last } = ends(N, opt);
  let cur = new Float64Array(N).fill(NEG);
  let nxt = new Float64Array(N);
  const back = new Uint8Array(T * N);
  for (let j = 0; j <= first; j++) cur[j] = s[j]!;
  for (let t = 1; t < T; t++) {
    const row = t * N;
    for (let j = 0; j < N; j++) {
      let best = cur[j]!;
      let from = 0;
      if (j >= 1 && cur[j - 1]! > best) {
        best = cur[j - 1]!;
        from = 1;
      }
      if (j >= 2 && opt(j - 1) && cur[j - 2]! > best) {
        best = cur[j - 2]!;
        from = 2;
      }
      nxt[j] = best === NEG ? NEG : best + s[row + j]!;
      back[row + j] = from;
    }
    [cur, nxt] = [nxt, cur];
  }
  let j = last;
  for (let k = last + 1; k < N; k++) if (cur[k]! > cur[j]!) j = k;
  const score = cur[j]!;
  const tokenOf = new Int32Array(T);
  for (let t = T - 1; t >= 0; t--) {
    tokenOf[t] = j;
    if (t > 0) j -= back[t * N + j]!;
  }
  const start = new Int32Array(N);
  const end = new Int32Array(N);
  // Tokens before the path's first token (skipped leading optionals) sit at frame 0.
  let t = 0;
  for (let n = 0; n < N; n++) {
    start[n] = t;
    while (t < T && tokenOf[t] === n) t++;
    end[n] = t;
  }
  return { start, end, score };
}

/**
 * Beta-binomial alignment prior (log), [T, N]: token n at frame t has probability
 * BetaBinomial(n; N - 1, a = w (t + 1), b = w (T - t)), a soft diagonal that helps early training.
 */
export function betaBinomialLogPrior(T: number, N: number, w = 1): Float32Array {
  const out = new Float32Array(T * N);
  // log Gamma at x + k for k = 0..N-1 by the recurrence Gamma(x + 1) = x Gamma(x): one logGamma per row.
  const up = new Float64Array(N);
  const down = new Float64Array(N);
  const logChoose = new Float64Array(N);
  for (let n = 0; n < N; n++) logChoose[n] = logGamma(N) - logGamma(n + 1) - logGamma(N - n);
  for (let t = 0; t < T; t++) {
    const a = w * (t + 1);
    const b = w * (T - t);
    up[0] = logGamma(a);
    for (let n = 1; n < N; n++) up[n] = up[n - 1]! + Math.log(a + n - 1);
    down[0] = logGamma(b);
    for (let n = 1; n < N; n++) down[n] = down[n - 1]! + Math.log(b + n - 1);
    // log B(n + a, N - 1 - n + b) - log B(a, b)
    const norm = logGamma(a + b + N - 1) + up[0]! + down[0]! - logGamma(a + b);
    for (let n = 0; n < N; n++) out[t * N + n] = logChoose[n]! + up[n]! + down[N - 1 - n]! - norm;
  }
  return out;
}

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log Gamma(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  const t = z + 7.5;
  for (let i = 0; i < 8; i++) a += LANCZOS[i]! / (z + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
