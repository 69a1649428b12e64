// Phase from STFT magnitude without iterations: phase-gradient heap integration (Prusa, Balazs &
// Sondergaard 2017, "A noniterative method for reconstruction of phase from STFT magnitude"), in
// its frame-by-frame form (Prusa & Holighaus 2017, "Phase vocoder done right").
//
// For a Gaussian window exp(-pi t^2 / lambda) the log-magnitude s = ln|V| and the phase phi of the
// STFT V(x, w) (phase measured from the window's centre, w in cycles/sample) are tied by
//   d phi / dx = 2 pi w + (1 / lambda) d s / dw,     d phi / dw = -lambda d s / dx,
// and a Hann window of length L behaves like a Gaussian with lambda = 0.25645 L^2. The phase is
// integrated along these gradients, strongest cells first (a max-heap), so that the phase of
// every partial advances coherently from frame to frame; cells far below the frame's peak get a
// random phase. Cost: O(frames * bins * log bins), no FFT.
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

/** A binary max-heap of integer ids keyed by a Float64Array of priorities. */
class MaxHeap {
  private readonly ids: Int32Array;
  private n = 0;
  constructor(capacity: number, private readonly key: Float64Array) {
    this.ids = new Int32Array(capacity);
  }
  get size(): number { return this.n; }
  clear(): void { this.n = 0; }
  push(id: number): void {
    const ids = this.ids, key = this.key, v = key[id]!;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (key[ids[p]!]! >= v) break;
      ids[i] = ids[p]!;
      i = p;
    }
    ids[i] = id;
  }
  pop(): number {
    const ids = this.ids, key = this.key;
    const top = ids[0]!;
    const last = ids[--this.n]!;
    const v = key[last]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.n) break;
      if (c + 1 < this.n && key[ids[c + 1]!]! > key[ids[c]!]!) c++;
      if (key[ids[c]!]! <= v) break;
      ids[i] = ids[c]!;
      i = c;
    }
    ids[i] = last;
    return top;
  }
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
  const s = logMag.data;
  const phase = new Float64Array(T * K);
  if (T === 0) return phase;
  let peak = -Infinity;
  for (let i = 0; i < T * K; i++) {
    if (Number.isNaN(s[i]!)) throw new Error(`pghi: the log-magnitude has NaN at frame ${Math.floor(i / K)}, bin ${i % K}`);
    peak = Math.max(peak, s[i]!);
  }
  const threshold = peak - (o.floorDb / 20) * Math.LN10;

  // Phase advance per sample (time gradient) and per bin (frequency gradient), centred differences.
  const dtPhase = new Float64Array(T * K); // rad / sample
  const dfPhase = new Float64Array(T * K); // rad / bin
  const cTime = N / (2 * lambda);
  const cFreq = -lambda / (N * 2 * a);
  for (let t = 0; t < T; t++) {
    const row = t * K;
    const prev = t > 0 ? row - K : row, next = t < T - 1 ? row + K : row;
    const dtScale = t > 0 && t < T - 1 ? 1 : 2; // one-sided difference at the ends
    for (let k = 0; k < K; k++) {
      const kl = k > 0 ? k - 1 : k, kr = k < K - 1 ? k + 1 : k;
      const dk = kr - kl; // 2 inside, 1 at the edges
      dtPhase[row + k] = (2 * Math.PI * k) / N + cTime * ((s[row + kr]! - s[row + kl]!) * (2 / dk));
      dfPhase[row + k] = cFreq * dtScale * (s[next + k]! - s[prev + k]!);
    }
  }

  // Frame by frame: the heap holds cells of the previous frame (ids k) and of this frame (ids K + k).
  const key = new Float64Array(2 * K);
  const heap = new MaxHeap(2 * K, key);
  const done = new Uint8Array(K);
  let rng = (o.seed >>> 0) || 0x9e3779b9;
  const random = (): number => {
    rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0;
    return (2 * Math.PI * rng) / 2 ** 32;
  };
  for (let t = 0; t < T; t++) {
    const row = t * K, prow = row - K;
    let pending = 0;
    for (let k = 0; k < K; k++) {
      key[K + k] = s[row + k]!;
      if (s[row + k]! > threshold) { done[k] = 0; pending++; } else { done[k] = 1; phase[row + k] = random(); }
    }
    heap.clear();
    if (t > 0) for (let k = 0; k < K; k++) if (s[prow + k]! > threshold) { key[k] = s[prow + k]!; heap.push(k); }
    while (pending > 0) {
      if (heap.size === 0) {
        // Nothing to integrate from (an onset): the loudest pending cell starts a new island at phase 0.
        let best = -1;
        for (let k = 0; k < K; k++) if (!done[k] && (best < 0 || s[row + k]! > s[row + best]!)) best = k;
        phase[row + best] = 0;
        done[best] = 1; pending--;
        heap.push(K + best);
        continue;
      }
      const id = heap.pop();
      if (id < K) { // previous frame -> the same bin in this frame, trapezoid in time
        const k = id;
        if (done[k]) continue;
        phase[row + k] = phase[prow + k]! + (a / 2) * (dtPhase[prow + k]! + dtPhase[row + k]!);
        done[k] = 1; pending--;
        heap.push(K + k);
      } else { // this frame -> its neighbours, trapezoid in frequency
        const k = id - K;
        if (k + 1 < K && !done[k + 1]) {
          phase[row + k + 1] = phase[row + k]! + 0.5 * (dfPhase[row + k]! + dfPhase[row + k + 1]!);
          done[k + 1] = 1; pending--;
          heap.push(K + k + 1);
        }
        if (k > 0 && !done[k - 1]) {
          phase[row + k - 1] = phase[row + k]! - 0.5 * (dfPhase[row + k]! + dfPhase[row + k - 1]!);
          done[k - 1] = 1; pending--;
          heap.push(K + k - 1);
        }
      }
    }
  }
  // Window-centred phase -> phase from the frame's first sample: minus pi k.
  for (let t = 0; t < T; t++) for (let k = 1; k < K; k += 2) phase[t * K + k]! -= Math.PI;
  return phase;
}
