// Short-time Fourier transform as librosa computes it for ProDiff (center=True, zero padding,
// periodic Hann window), its magnitude, and an overlap-add inverse.
import { RealFFT } from './fft.js';

export interface StftConfig {
  nFft: number;
  hop: number;
  /** Window length (<= nFft); the window is zero-padded to nFft and centred, as librosa does. */
  winLength: number;
  /** 'constant' pads with zeros (ProDiff); 'reflect' is librosa's own default. */
  padMode: 'constant' | 'reflect';
}

export const PRODIFF_STFT: StftConfig = { nFft: 1024, hop: 256, winLength: 1024, padMode: 'constant' };

/** Periodic Hann window of length n (scipy.signal.get_window('hann', n, fftbins=True)). */
function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** The analysis window padded (centred) to nFft. */
export function stftWindow(cfg: StftConfig): Float64Array {
  const w = hannPeriodic(cfg.winLength);
  if (cfg.winLength === cfg.nFft) return w;
  if (cfg.winLength > cfg.nFft) throw new Error(`STFT: winLength ${cfg.winLength} > nFft ${cfg.nFft}`);
  const out = new Float64Array(cfg.nFft);
  out.set(w, Math.floor((cfg.nFft - cfg.winLength) / 2));
  return out;
}

/** Number of frames for N samples with center=True: 1 + floor(N / hop). */
export function numFrames(n: number, hop: number): number {
  return 1 + Math.floor(n / hop);
}

function checkConfig(cfg: StftConfig): void {
  if (!Number.isInteger(cfg.hop) || cfg.hop <= 0) throw new Error(`STFT: hop ${cfg.hop} must be a positive integer`);
  if (!Number.isInteger(cfg.nFft) || cfg.nFft < 4 || (cfg.nFft & (cfg.nFft - 1)) !== 0) throw new Error(`STFT: nFft ${cfg.nFft} must be a power of two`);
}

/** Sample of the padded signal at padded position p (signal index p - nFft/2). */
function padIndex(i: number, n: number, mode: 'constant' | 'reflect'): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/**
 * Calls `visit(t, re, im)` with the spectrum (nFft/2 + 1 bins) of every frame t of y.
 * The arrays are reused between calls.
 */
export function forEachStftFrame(
  y: ArrayLike<number>,
  cfg: StftConfig,
  visit: (t: number, re: Float64Array, im: Float64Array) => void,
): number {
  checkConfig(cfg);
  const { nFft, hop } = cfg;
  const n = y.length;
  if (cfg.padMode === 'reflect' && n <= nFft / 2) throw new Error(`STFT: reflect padding needs more than ${nFft / 2} samples, got ${n}`);
  const T = numFrames(n, hop);
  const fft = new RealFFT(nFft);
  const win = stftWindow(cfg);
  const frame = new Float64Array(nFft);
  const re = new Float64Array(nFft / 2 + 1);
  const im = new Float64Array(nFft / 2 + 1);
  const half = nFft / 2;
  for (let t = 0; t < T; t++) {
    const start = t * hop - half;
    if (start >= 0 && start + nFft <= n) {
      for (let i = 0; i < nFft; i++) frame[i] = y[start + i]! * win[i]!;
    } else {
      for (let i = 0; i < nFft; i++) {
        const j = padIndex(start + i, n, cfg.padMode);
        frame[i] = j < 0 ? 0 : y[j]! * win[i]!;
      }
    }
    fft.forward(frame, re, im);
    visit(t, re, im);
  }
  return T;
}

export interface Spectrogram {
  /** [frames, bins] row-major. */
  data: Float32Array;
  frames: number;
  bins: number;
}

/** |STFT| as float32, laid out [frames, bins] (the transpose of librosa's [bins, frames]). */
export function stftMagnitude(y: ArrayLike<number>, cfg: StftConfig = PRODIFF_STFT): Spectrogram {
  const bins = cfg.nFft / 2 + 1;
  const T = numFrames(y.length, cfg.hop);
  const data = new Float32Array(T * bins);
  forEachStftFrame(y, cfg, (t, re, im) => {
    const o = t * bins;
    for (let k = 0; k < bins; k++) data[o + k] = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
  });
  return { data, frames: T, bins };
}

export interface ComplexSpectrogram {
  /** [frames, bins] row-major real and imaginary parts. */
  re: Float64Array;
  im: Float64Array;
  frames: number;
  bins: number;
}

/** Complex STFT, [frames, bins]. */
export function stftComplex(y: ArrayLike<number>, cfg: StftConfig = PRODIFF_STFT): ComplexSpectrogram {
  const bins = cfg.nFft / 2 + 1;
  const T = numFrames(y.length, cfg.hop);
  const re = new Float64Array(T * bins);
  const im = new Float64Array(T * bins);
  forEachStftFrame(y, cfg, (t, fr, fi) => {
    re.set(fr, t * bins);
    im.set(fi, t * bins);
  });
  return { re, im, frames: T, bins };
}

/**
 * Inverse STFT by weighted overlap-add (librosa.istft semantics, center=True): each frame is
 * inverse-transformed, windowed, overlap-added, divided by the summed squared window, and the
 * nFft/2 padding removed. `length` trims or zero-pads the result; by default (T - 1) * hop.
 */
export function istft(spec: ComplexSpectrogram, cfg: StftConfig = PRODIFF_STFT, length?: number): Float64Array {
  checkConfig(cfg);
  const { nFft, hop } = cfg;
  const T = spec.frames;
  const bins = nFft / 2 + 1;
  if (spec.bins !== bins) throw new Error(`istft: spectrogram has ${spec.bins} bins, nFft ${nFft} needs ${bins}`);
  const fft = new RealFFT(nFft);
  const win = stftWindow(cfg);
  const total = nFft + hop * (T - 1);
  const y = new Float64Array(total);
  const wsum = new Float64Array(total);
  const frame = new Float64Array(nFft);
  for (let t = 0; t < T; t++) {
    fft.inverse(spec.re.subarray(t * bins, (t + 1) * bins), spec.im.subarray(t * bins, (t + 1) * bins), frame);
    const o = t * hop;
    for (let i = 0; i < nFft; i++) {
      y[o + i]! += frame[i]! * win[i]!;
      wsum[o + i]! += win[i]! * win[i]!;
    }
  }
  const outLen = length ?? hop * (T - 1);
  const out = new Float64Array(outLen);
  const half = nFft / 2;
  const tiny = 1.1754943508222875e-38; // librosa divides only where the window sum is not tiny
  for (let i = 0; i < outLen; i++) {
    const j = i + half;
    if (j >= total) break;
    out[i] = wsum[j]! > tiny ? y[j]! / wsum[j]! : y[j]!;
  }
  return out;
}
