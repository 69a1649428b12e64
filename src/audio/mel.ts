// Slaney-style mel filterbank (librosa.filters.mel with htk=False, norm='slaney'), log-mel and
// ProDiff's energy. All parameters are configurable; PRODIFF_MEL holds ProDiff's.
import { forEachStftFrame, numFrames, type StftConfig } from './stft.js';

export interface MelConfig extends StftConfig {
  sampleRate: number;
  nMels: number;
  fmin: number;
  fmax: number;
  /** Floor applied before log10. */
  eps: number;
}

export const PRODIFF_MEL: MelConfig = {
  sampleRate: 22050, nFft: 1024, hop: 256, winLength: 1024, padMode: 'constant',
  nMels: 80, fmin: 80, fmax: 7600, eps: 1e-6,
};

const F_SP = 200 / 3; // Hz per mel below the break
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOG_STEP = Math.log(6.4) / 27;

/** Hz -> Slaney mel (linear below 1 kHz, logarithmic above). */
export function hzToMelSlaney(f: number): number {
  return f >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOG_STEP : f / F_SP;
}

/** Slaney mel -> Hz. */
export function melToHzSlaney(m: number): number {
  return m >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (m - MIN_LOG_MEL)) : F_SP * m;
}

export interface MelBasis {
  /** Dense [nMels, nBins] float32 (librosa's layout). */
  dense: Float32Array;
  nMels: number;
  nBins: number;
  /** Sparse rows: for mel m, weights w[m] over bins start[m] .. start[m] + w[m].length - 1. */
  start: Int32Array;
  weights: Float64Array[];
}

/** The mel filterbank, computed in float64 and stored as float32 (as librosa returns it). */
export function melFilterbank(cfg: Pick<MelConfig, 'sampleRate' | 'nFft' | 'nMels' | 'fmin' | 'fmax'>): MelBasis {
  const { sampleRate, nFft, nMels, fmin } = cfg;
  const fmax = cfg.fmax > 0 ? cfg.fmax : sampleRate / 2;
  if (!(fmin >= 0 && fmin < fmax)) throw new Error(`mel: need 0 <= fmin < fmax, got ${fmin}, ${fmax}`);
  const nBins = nFft / 2 + 1;
  const mMin = hzToMelSlaney(fmin);
  const mMax = hzToMelSlaney(fmax);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHzSlaney(mMin + ((mMax - mMin) * i) / (nMels + 1));
  const dense = new Float32Array(nMels * nBins);
  const start = new Int32Array(nMels);
  const weights: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m]!, ctr = edges[m + 1]!, hi = edges[m + 2]!;
    const norm = 2 / (hi - lo);
    let first = -1, last = -1;
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.max(0, Math.min((f - lo) / (ctr - lo), (hi - f) / (hi - ctr)));
      const v = Math.fround(w * norm);
      dense[m * nBins + k] = v;
      if (v !== 0) { if (first < 0) first = k; last = k; }
    }
    if (first < 0) { start[m] = 0; weights.push(new Float64Array(0)); continue; }
    start[m] = first;
    weights.push(Float64Array.from(dense.subarray(m * nBins + first, m * nBins + last + 1)));
  }
  return { dense, nMels, nBins, start, weights };
}

const basisCache = new Map<string, MelBasis>();
function cachedBasis(cfg: MelConfig): MelBasis {
  const key = `${cfg.sampleRate}/${cfg.nFft}/${cfg.nMels}/${cfg.fmin}/${cfg.fmax}`;
  let b = basisCache.get(key);
  if (!b) { b = melFilterbank(cfg); basisCache.set(key, b); }
  return b;
}

export interface LogMel {
  /** log10 mel, [frames, nMels] row-major (ProDiff's layout; librosa's is the transpose). */
  data: Float32Array;
  frames: number;
  nMels: number;
}

/**
 * log10(max(eps, melBasis @ |STFT|)) per frame. The magnitude is rounded to float32 and the
 * product is accumulated in float64 and rounded to float32, as close to librosa's float32 pipeline
 * as the tolerances need.
 */
export function logMel(y: ArrayLike<number>, cfg: MelConfig = PRODIFF_MEL): LogMel {
  const basis = cachedBasis(cfg);
  const nMels = cfg.nMels;
  const T = numFrames(y.length, cfg.hop);
  const data = new Float32Array(T * nMels);
  const mag = new Float64Array(cfg.nFft / 2 + 1);
  const eps = Math.fround(cfg.eps);
  const { start, weights } = basis;
  forEachStftFrame(y, cfg, (t, re, im) => {
    for (let k = 0; k < mag.length; k++) mag[k] = Math.fround(Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!));
    const o = t * nMels;
    for (let m = 0; m < nMels; m++) {
      const w = weights[m]!;
      const s0 = start[m]!;
      let s = 0;
      for (let j = 0; j < w.length; j++) s += w[j]! * mag[s0 + j]!;
      const v = Math.fround(s);
      data[o + m] = Math.log10(v > eps ? v : eps);
    }
  });
  return { data, frames: T, nMels };
}

/**
 * ProDiff's energy: per frame sqrt(sum over mel bins of exp(mel)^2), where mel is the log10 mel and
 * exp is the natural exponential (a quirk of the official code, reproduced on purpose). float64.
 */
export function prodiffEnergy(mel: LogMel): Float64Array {
  const out = new Float64Array(mel.frames);
  for (let t = 0; t < mel.frames; t++) {
    let s = 0;
    for (let m = 0; m < mel.nMels; m++) {
      const e = Math.exp(mel.data[t * mel.nMels + m]!);
      s += e * e;
    }
    out[t] = Math.sqrt(s);
  }
  return out;
}

/** ProDiff's right padding before pitch analysis: append zeros up to T * hop samples (1..hop zeros). */
export function padForPitch(y: ArrayLike<number>, hop = 256): Float32Array {
  const T = numFrames(y.length, hop);
  const out = new Float32Array(T * hop);
  for (let i = 0; i < y.length; i++) out[i] = y[i]!;
  return out;
}
