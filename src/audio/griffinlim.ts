// Griffin-Lim vocoder: log10-mel -> linear magnitude (mel pseudo-inverse, clipped at zero) ->
// fast Griffin-Lim (Perraudin, Balazs & Sondergaard 2013: the phase update with momentum) -> waveform.
// The fallback vocoder that needs no weights.
import { melFilterbank, PRODIFF_MEL, type LogMel, type MelConfig } from './mel.js';
import { istft, stftComplex, type ComplexSpectrogram } from './stft.js';

/** Solves the symmetric positive-definite system A X = B in place (Cholesky); A is n x n, B is n x m. */
function choleskySolve(A: Float64Array, n: number, B: Float64Array, m: number): void {
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let k = 0; k < j; k++) d -= A[j * n + k]! * A[j * n + k]!;
    if (!(d > 0)) throw new Error('griffin-lim: mel basis Gram matrix is not positive definite');
    const l = Math.sqrt(d);
    A[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= A[i * n + k]! * A[j * n + k]!;
      A[i * n + j] = s / l;
    }
  }
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) { // L y = b
      let s = B[i * m + c]!;
      for (let k = 0; k < i; k++) s -= A[i * n + k]! * B[k * m + c]!;
      B[i * m + c] = s / A[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) { // L^T x = y
      let s = B[i * m + c]!;
      for (let k = i + 1; k < n; k++) s -= A[k * n + i]! * B[k * m + c]!;
      B[i * m + c] = s / A[i * n + i]!;
    }
  }
}

/**
 * Pseudo-inverse of the mel basis M (nMels x nBins), as an nBins x nMels matrix
 * M^T (M M^T + ridge I)^-1 (minimum-norm least squares; the ridge only guards conditioning).
 */
export function melPseudoInverse(cfg: MelConfig = PRODIFF_MEL, ridge = 1e-10): { data: Float64Array; nBins: number; nMels: number } {
  const b = melFilterbank(cfg);
  const { nMels, nBins, dense } = b;
  const G = new Float64Array(nMels * nMels);
  for (let i = 0; i < nMels; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = 0; k < nBins; k++) s += dense[i * nBins + k]! * dense[j * nBins + k]!;
    G[i * nMels + j] = s; G[j * nMels + i] = s;
  }
  let tr = 0;
  for (let i = 0; i < nMels; i++) tr += G[i * nMels + i]!;
  for (let i = 0; i < nMels; i++) G[i * nMels + i]! += ridge * (tr / nMels);
  // X = G^-1 M (nMels x nBins); pinv = X^T.
  const X = new Float64Array(nMels * nBins);
  for (let i = 0; i < X.length; i++) X[i] = dense[i]!;
  choleskySolve(G, nMels, X, nBins);
  const out = new Float64Array(nBins * nMels);
  for (let m = 0; m < nMels; m++) for (let k = 0; k < nBins; k++) out[k * nMels + m] = X[m * nBins + k]!;
  return { data: out, nBins, nMels };
}

const pinvCache = new Map<string, ReturnType<typeof melPseudoInverse>>();

/**
 * Linear STFT magnitude [frames, bins] from a log10 mel [frames, nMels]: the least-squares solution
 * pinv(M) 10^mel clipped at zero, then refined towards the non-negative least-squares solution by
 * `nnlsIterations` multiplicative updates S <- S * (M^T x) / (M^T M S) (which keep S >= 0).
 */
export function melToLinear(mel: LogMel, cfg: MelConfig = PRODIFF_MEL, nnlsIterations = 10): { data: Float64Array; frames: number; bins: number } {
  if (mel.nMels !== cfg.nMels) throw new Error(`griffin-lim: mel has ${mel.nMels} bins, config says ${cfg.nMels}`);
  const key = `${cfg.sampleRate}/${cfg.nFft}/${cfg.nMels}/${cfg.fmin}/${cfg.fmax}`;
  let P = pinvCache.get(key);
  if (!P) { P = melPseudoInverse(cfg); pinvCache.set(key, P); }
  const { nBins, nMels } = P;
  const out = new Float64Array(mel.frames * nBins);
  const lin = new Float64Array(nMels);
  for (let t = 0; t < mel.frames; t++) {
    const S = out.subarray(t * nBins, (t + 1) * nBins);
    for (let m = 0; m < nMels; m++) lin[m] = 10 ** mel.data[t * nMels + m]!;
    for (let k = 0; k < nBins; k++) {
      let s = 0;
      const row = k * nMels;
      for (let m = 0; m < nMels; m++) s += P.data[row + m]! * lin[m]!;
      S[k] = s > 0 ? s : 0;
    }
  }
  if (nnlsIterations > 0) fitToMel(out, mel, cfg, nnlsIterations);
  return { data: out, frames: mel.frames, bins: nBins };
}

/**
 * Moves a linear magnitude S [frames, bins] (in place) towards the non-negative least-squares fit
 * of a log10 mel by `iterations` multiplicative updates S <- S * (M^T x) / (M^T M S) (Lee & Seung),
 * which keep S >= 0 and keep its shape within each mel band's reach: from the mel pseudo-inverse
 * (Griffin-Lim's magnitude) or from a network's magnitude, whose fine structure stays while its
 * mel comes to match the given one.
 */
export function fitToMel(S: Float64Array | Float32Array, mel: LogMel, cfg: MelConfig = PRODIFF_MEL, iterations = 10): void {
  const basis = melFilterbank(cfg);
  const { start, weights, nMels, nBins } = basis;
  if (mel.nMels !== nMels) throw new Error(`fitToMel: mel has ${mel.nMels} bins, config says ${nMels}`);
  if (S.length !== mel.frames * nBins) throw new Error(`fitToMel: ${S.length} magnitudes for ${mel.frames} frames of ${nBins} bins`);
  const lin = new Float64Array(nMels);
  const mtx = new Float64Array(nBins); // M^T x
  const ms = new Float64Array(nMels); // M S
  const mtms = new Float64Array(nBins); // M^T M S
  for (let t = 0; t < mel.frames; t++) {
    const o = t * nBins;
    let peak = 0;
    for (let m = 0; m < nMels; m++) { lin[m] = 10 ** mel.data[t * nMels + m]!; peak = Math.max(peak, lin[m]!); }
    // A small positive floor lets zero bins grow again under the multiplicative updates.
    const floor = 1e-6 * peak;
    mtx.fill(0);
    for (let m = 0; m < nMels; m++) {
      const w = weights[m]!, s0 = start[m]!;
      for (let j = 0; j < w.length; j++) mtx[s0 + j]! += w[j]! * lin[m]!;
    }
    for (let k = 0; k < nBins; k++) if (S[o + k]! < floor && mtx[k]! > 0) S[o + k] = floor;
    for (let it = 0; it < iterations; it++) {
      for (let m = 0; m < nMels; m++) {
        const w = weights[m]!, s0 = start[m]!;
        let v = 0;
        for (let j = 0; j < w.length; j++) v += w[j]! * S[o + s0 + j]!;
        ms[m] = v;
      }
      mtms.fill(0);
      for (let m = 0; m < nMels; m++) {
        const w = weights[m]!, s0 = start[m]!;
        for (let j = 0; j < w.length; j++) mtms[s0 + j]! += w[j]! * ms[m]!;
      }
      for (let k = 0; k < nBins; k++) if (mtms[k]! > 0) S[o + k] = S[o + k]! * (mtx[k]! / mtms[k]!);
    }
  }
}

export interface GriffinLimOptions {
  iterations: number;
  /** Momentum of the fast variant (0 = classic Griffin-Lim); librosa's default is 0.99. */
  momentum: number;
  /** Seed of the random initial phase (deterministic). */
  seed: number;
  /** Output length in samples; default (T - 1) * hop. */
  length?: number;
  /** Start from these phases [frames, bins] (e.g. `pghiPhase`'s) instead of random ones. */
  initialPhase?: Float64Array;
}

export const GRIFFIN_LIM_DEFAULTS: GriffinLimOptions = { iterations: 32, momentum: 0.99, seed: 0 };

/** Fast Griffin-Lim from a linear magnitude [frames, bins]. */
export function griffinLim(
  mag: { data: Float64Array | Float32Array; frames: number; bins: number },
  cfg: MelConfig = PRODIFF_MEL,
  options: Partial<GriffinLimOptions> = {},
): Float64Array {
  const o = { ...GRIFFIN_LIM_DEFAULTS, ...options };
  const { frames, bins } = mag;
  if (bins !== cfg.nFft / 2 + 1) throw new Error(`griffin-lim: ${bins} bins, nFft ${cfg.nFft} needs ${cfg.nFft / 2 + 1}`);
  const length = o.length ?? (frames - 1) * cfg.hop;
  const n = frames * bins;
  // Unit phasors; random start.
  const pr = new Float64Array(n), pi = new Float64Array(n);
  if (o.initialPhase) {
    if (o.initialPhase.length !== n) throw new Error(`griffin-lim: ${o.initialPhase.length} initial phases for ${frames} x ${bins}`);
    for (let i = 0; i < n; i++) { pr[i] = Math.cos(o.initialPhase[i]!); pi[i] = Math.sin(o.initialPhase[i]!); }
  } else {
    let s = (o.seed >>> 0) || 0x9e3779b9;
    for (let i = 0; i < n; i++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      const a = (2 * Math.PI * s) / 2 ** 32;
      pr[i] = Math.cos(a); pi[i] = Math.sin(a);
    }
  }
  const prevR = new Float64Array(n), prevI = new Float64Array(n);
  const spec: ComplexSpectrogram = { re: new Float64Array(n), im: new Float64Array(n), frames, bins };
  const k = o.momentum / (1 + o.momentum);
  const apply = () => {
    for (let i = 0; i < n; i++) { const m = mag.data[i]!; spec.re[i] = m * pr[i]!; spec.im[i] = m * pi[i]!; }
  };
  for (let it = 0; it < o.iterations; it++) {
    apply();
    const y = istft(spec, cfg, length);
    const rebuilt = stftComplex(y, cfg);
    if (rebuilt.frames !== frames) throw new Error(`griffin-lim: ${rebuilt.frames} frames after resynthesis, expected ${frames} (length ${length})`);
    for (let i = 0; i < n; i++) {
      const rr = rebuilt.re[i]!, ri = rebuilt.im[i]!;
      const ar = rr - k * prevR[i]!, ai = ri - k * prevI[i]!;
      const norm = Math.sqrt(ar * ar + ai * ai) + 1e-16;
      pr[i] = ar / norm; pi[i] = ai / norm;
      prevR[i] = rr; prevI[i] = ri;
    }
  }
  apply();
  return istft(spec, cfg, length);
}

/** The whole fallback vocoder: log10 mel [frames, nMels] -> waveform at cfg.sampleRate. */
export function melToWaveGriffinLim(mel: LogMel, cfg: MelConfig = PRODIFF_MEL, options: Partial<GriffinLimOptions> = {}): Float64Array {
  return griffinLim(melToLinear(mel, cfg), cfg, options);
}

/** Spectral convergence ||S - |STFT(y)||| / ||S||, a standard quality measure for phase retrieval. */
export function spectralConvergence(mag: { data: ArrayLike<number>; frames: number; bins: number }, y: ArrayLike<number>, cfg: MelConfig = PRODIFF_MEL): number {
  const r = stftComplex(y, cfg);
  let num = 0, den = 0;
  const n = Math.min(r.frames, mag.frames) * mag.bins;
  for (let i = 0; i < n; i++) {
    const m = Math.hypot(r.re[i]!, r.im[i]!);
    num += (mag.data[i]! - m) ** 2;
    den += mag.data[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
