// Phase from STFT magnitude without iterations, by integrating the phase gradient that the
// magnitude implies (Prusa, Balazs & Sondergaard 2017, "A noniterative method for reconstruction of
// phase from STFT magnitude"), frame by frame as in a phase-locked vocoder.
//
// For a Gaussian window exp(-pi t^2 / lambda) the log-magnitude s = ln|V| and the phase phi of the
// STFT V(x, w) (phase measured from the window's centre, w in cycles/sample) are tied by
//   d phi / dx = 2 pi w + (1 / lambda) d s / dw,     d phi / dw = -lambda d s / dx,
// and a Hann window of length L behaves like a Gaussian with lambda = 0.25645 L^2. Each spectral peak
// continues its phase from the previous frame along the time gradient; the bins around it follow it
// along the frequency gradient out to the valleys, so every partial advances coherently from frame
// to frame. (Prusa & Holighaus's heap order - strongest cells first - was measured too: on true
// magnitudes of 12 recordings it gave mel-cepstral distortion 4.9 dB against 4.2 dB for this peak
// order, at 3-5x the time.) Cells far below the loudest get a random phase. O(frames * bins).
//
// Our STFT (librosa, center=True) measures phase from the frame's first sample, which differs from
// the window-centred convention by pi k in bin k; the result is returned in our convention.
import type { StftConfig } from './stft.js';

export interface PghiOptions {
  /** Cells more than this many dB below the loudest cell of the whole spectrogram get a random phase. */
  floorDb: number;
  /** Seed of the random phases (deterministic). */
  seed: number;
  /** The window's Gaussian time-frequency ratio lambda in samples^2; default 0.25645 winLength^2 (Hann). */
  lambda?: number;
}

// 100 dB: cells this far down still matter to a log-mel (measured: 60 dB gave MCD 9.9 dB on true
// magnitudes of a Festival recording, 100 dB 5.2 dB).
export const PGHI_DEFAULTS: PghiOptions = { floorDb: 100, seed: 0 };

/** Hann window of length L as a Gaussian exp(-pi t^2 / lambda): lambda (Prusa et al. 2017, table I). */
export function hannLambda(winLength: number): number {
  return 0.25645 * winLength * winLength;
}

/**
 * Phases [frames, bins] (row-major, our STFT's convention) for a linear magnitude [frames, bins]
 * with bins = nFft / 2 + 1.
 */
export function pghiPhase(
  mag: { data: ArrayLike<number>; frames: number; bins: number },
  cfg: StftConfig,
  options: Partial<PghiOptions> = {},
): Float64Array {
  const n = mag.frames * mag.bins;
  if (mag.data.length !== n) throw new Error(`pghi: ${mag.data.length} values for ${mag.frames} x ${mag.bins}`);
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(mag.data[i]!));
  // The floor keeps the log finite where the magnitude is zero (10 orders below the peak).
  const tiny = Math.max(peak, 1e-300) * 1e-10;
  const logMag = new Float64Array(n);
  for (let i = 0; i < n; i++) logMag[i] = Math.log(Math.max(Math.abs(mag.data[i]!), tiny));
  return pghiPhaseFromLog({ data: logMag, frames: mag.frames, bins: mag.bins }, cfg, options);
}

/** `pghiPhase` from the natural-log magnitude (what a magnitude-predicting network outputs). */
export function pghiPhaseFromLog(
  logMag: { data: ArrayLike<number>; frames: number; bins: number },
  cfg: StftConfig,
  options: Partial<PghiOptions> = {},
): Float64Array {
  const o = { ...PGHI_DEFAULTS, ...options };
  const { frames: T, bins: K } = logMag;
  const N = cfg.nFft, a = cfg.hop;
  if (K !== N / 2 + 1) throw new Error(`pghi: ${K} bins, nFft ${N} needs ${N / 2 + 1}`);
  if (logMag.data.length !== T * K) throw new Error(`pghi: ${logMag.data.length} values for ${T} x ${K}`);
  if (!(o.floorDb > 0)) throw new Error(`pghi: floorDb must be > 0, got ${o.floorDb}`);
  const lambda = o.lambda ?? hannLambda(cfg.winLength ?? N);
  if (!(lambda > 0)) throw new Error(`pghi: lambda must be > 0, got ${lambda}`);
  // One typed copy keeps the loops below monomorphic (callers pass float32 or float64).
  const n = T * K;
  const s = new Float64Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = logMag.data[i]!;
    if (Number.isNaN(v)) throw new Error(`pghi: the log-magnitude has NaN at frame ${Math.floor(i / K)}, bin ${i % K}`);
    s[i] = v;
    if (v > peak) peak = v;
  }
  const phase = new Float64Array(n);
  if (T === 0) return phase;
  const threshold = peak - (o.floorDb / 20) * Math.LN10;
  let rng = (o.seed >>> 0) || 0x9e3779b9;
  const random = (): number => {
    rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0;
    return (2 * Math.PI * rng) / 2 ** 32;
  };

  // Centred differences: the phase advance per sample at a cell (time gradient; needed at peaks
  // only) and per bin (frequency gradient; every cell of a frame, one row at a time).
  const cTime = N / (2 * lambda);
  const cFreq = -lambda / (N * 2 * a);
  const dtPhase = (row: number, k: number): number => {
    const kl = k > 0 ? k - 1 : k, kr = k < K - 1 ? k + 1 : k;
    return (2 * Math.PI * k) / N + cTime * (s[row + kr]! - s[row + kl]!) * (2 / (kr - kl));
  };
  const df = new Float64Array(K);
  const isPeak = new Uint8Array(K);
  for (let t = 0; t < T; t++) {
    const row = t * K, prow = row - K;
    const prev = t > 0 ? prow : row, next = t < T - 1 ? row + K : row;
    const scale = cFreq * (t > 0 && t < T - 1 ? 1 : 2); // one-sided difference at the ends
    for (let k = 0; k < K; k++) df[k] = scale * (s[next + k]! - s[prev + k]!);
    // Peaks continue their bin's phase from the previous frame (trapezoid along time).
    let peaks = 0;
    for (let k = 0; k < K; k++) {
      const v = s[row + k]!;
      const isP = v > threshold && (k === 0 || v >= s[row + k - 1]!) && (k === K - 1 || v > s[row + k + 1]!);
      isPeak[k] = isP ? 1 : 0;
      if (!isP) continue;
      peaks++;
      phase[row + k] = t > 0 && s[prow + k]! > threshold ? phase[prow + k]! + (a / 2) * (dtPhase(prow, k) + dtPhase(row, k)) : 0;
    }
    if (peaks === 0) {
      for (let k = 0; k < K; k++) phase[row + k] = random();
      continue;
    }
    // Between two peaks, each side follows its own peak (trapezoid along frequency) up to the
    // lowest bin between them.
    let left = -1; // the previous peak
    for (let k = 0; k <= K; k++) {
      if (k < K && !isPeak[k]) continue;
      const right = k < K ? k : -1;
      let valley: number; // bins (left, valley] follow the left peak, (valley, right) the right one
      if (left < 0) valley = -1;
      else if (right < 0) valley = K - 1;
      else {
        valley = left + 1;
        for (let j = left + 1; j < right; j++) if (s[row + j]! < s[row + valley]!) valley = j;
      }
      if (left >= 0) for (let j = left + 1; j <= valley; j++) phase[row + j] = phase[row + j - 1]! + 0.5 * (df[j - 1]! + df[j]!);
      if (right >= 0) for (let j = right - 1; j > valley; j--) phase[row + j] = phase[row + j + 1]! - 0.5 * (df[j + 1]! + df[j]!);
      left = right;
    }
    for (let k = 0; k < K; k++) if (!(s[row + k]! > threshold)) phase[row + k] = random();
  }
  // Window-centred phase -> phase from the frame's first sample: minus pi k; then wrapped to
  // [-pi, pi) so that float32 holds it exactly enough (the integrated phase grows with time).
  // Row t still feeds row t + 1 above, so this runs after the integration.
  const twoPi = 2 * Math.PI;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < K; k++) {
      const v = phase[t * K + k]! - (k & 1 ? Math.PI : 0);
      phase[t * K + k] = v - twoPi * Math.floor((v + Math.PI) / twoPi);
    }
  }
  return phase;
}
