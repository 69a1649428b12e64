// Band-limited resampling with an interpolated windowed-sinc filter table: the design that
// librosa 0.8.0 uses by default (res_type 'kaiser_best', resampy 0.2.2), reproduced from its
// documented closed form (see shared/golden/audio/README.md, "Loading"):
//   h[i] = r * sinc(r * i / P) * w[Z*P + i],  i = 0 .. Z*P,
// with Z = 64 zero crossings, P = 512 table entries per crossing, rolloff r = 0.9475937167399596,
// and w the symmetric Kaiser window of length 2*Z*P + 1, beta = 14.769656459379492.
// Each output sample sums the input under the filter centred on its (fractional) input position,
// the filter being linearly interpolated between table entries and stretched by the rate ratio
// when downsampling (so its cut-off follows the lower Nyquist frequency).
import { readWav, toMono, WavError } from './wav.js';

export interface SincFilterSpec {
  zeroCrossings: number;
  precision: number;
  rolloff: number;
  beta: number;
}

/** librosa 0.8.0 / resampy 0.2.2 'kaiser_best'. */
export const KAISER_BEST: SincFilterSpec = { zeroCrossings: 64, precision: 512, rolloff: 0.9475937167399596, beta: 14.769656459379492 };
/**
 * resampy 0.2.2 'kaiser_fast': a quarter of the taps (16 zero crossings), pass band to 85 % of the
 * lower Nyquist frequency; what the audio formats use to change a stream's rate, and the aligner's
 * input resampling.
 */
export const KAISER_FAST: SincFilterSpec = { zeroCrossings: 16, precision: 512, rolloff: 0.85, beta: 8.555504641634386 };

/** Modified Bessel function of the first kind, order 0 (power series; fine for |x| < ~700). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1, sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** The right half of the filter (index 0 = centre), as float64. */
export function sincFilterTable(spec: SincFilterSpec = KAISER_BEST): Float64Array {
  const { zeroCrossings: Z, precision: P, rolloff: r, beta } = spec;
  const len = Z * P + 1;
  const h = new Float64Array(len);
  const i0b = besselI0(beta);
  const half = Z * P;
  for (let i = 0; i < len; i++) {
    const u = i / half; // n/half - 1 for n = half + i
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - u * u))) / i0b;
    const x = (r * i) / P;
    const sinc = i === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    h[i] = r * sinc * w;
  }
  return h;
}

const tableCache = new Map<string, Float64Array>();
function cachedTable(spec: SincFilterSpec): Float64Array {
  const key = JSON.stringify(spec);
  let t = tableCache.get(key);
  if (!t) { t = sincFilterTable(spec); tableCache.set(key, t); }
  return t;
}

/** The stretched filter of one rate ratio, with its linear-interpolation deltas. */
export interface SincKernel {
  win: Float64Array;
  delta: Float64Array;
  /** Table entries per input sample. */
  step: number;
  precision: number;
  scale: number;
  /** Input samples per output sample. */
  dt: number;
  /** Most input samples either wing reaches. */
  reach: number;
}

export function sincKernel(fromRate: number, toRate: number, spec: SincFilterSpec = KAISER_BEST): SincKernel {
  if (!(fromRate > 0) || !(toRate > 0)) throw new Error(`resample: rates must be positive, got ${fromRate} -> ${toRate}`);
  const ratio = toRate / fromRate;
  const table = cachedTable(spec);
  const scale = Math.min(1, ratio);
  const nwin = table.length;
  const win = new Float64Array(nwin);
  const delta = new Float64Array(nwin);
  for (let i = 0; i < nwin; i++) win[i] = table[i]! * scale;
  for (let i = 0; i + 1 < nwin; i++) delta[i] = win[i + 1]! - win[i]!;
  const step = Math.floor(scale * spec.precision);
  return { win, delta, step, precision: spec.precision, scale, dt: 1 / ratio, reach: Math.floor(nwin / step) + 1 };
}

/**
 * Output sample t: the filter centred on input position t * dt. `x[j]` holds input sample
 * `base + j`; `n` is the number of input samples that exist (the signal's end, or Infinity while
 * more may come, in which case x must reach `reach` samples past the centre).
 */
export function resampleAt(k: SincKernel, x: ArrayLike<number>, base: number, n: number, t: number): number {
  const { win, delta, step, precision: P, scale } = k;
  const nwin = win.length;
  const pos = t * k.dt;
  const m = Math.floor(pos);
  let acc = 0;
  // Left wing: input samples m, m-1, ...
  let frac = scale * (pos - m);
  let idx = frac * P;
  let off = Math.floor(idx);
  let eta = idx - off;
  const iMax = Math.min(m + 1, Math.floor((nwin - off) / step));
  for (let i = 0, j = off; i < iMax; i++, j += step) acc += (win[j]! + eta * delta[j]!) * x[m - i - base]!;
  // Right wing: input samples m+1, m+2, ...
  frac = scale - frac;
  idx = frac * P;
  off = Math.floor(idx);
  eta = idx - off;
  const kMax = Math.min(n - m - 1, Math.floor((nwin - off) / step));
  for (let q = 0, j = off; q < kMax; q++, j += step) acc += (win[j]! + eta * delta[j]!) * x[m + 1 + q - base]!;
  return acc;
}

/**
 * Resamples x from `fromRate` to `toRate`. Output length ceil(N * toRate / fromRate) (librosa's
 * convention: the filter produces floor(N * ratio) samples, then zeros pad to the ceiling).
 * Samples outside the signal count as zero. Accumulates in float64, returns float32.
 */
export function resample(x: ArrayLike<number>, fromRate: number, toRate: number, spec: SincFilterSpec = KAISER_BEST): Float32Array {
  if (!(fromRate > 0) || !(toRate > 0)) throw new Error(`resample: rates must be positive, got ${fromRate} -> ${toRate}`);
  const n = x.length;
  if (fromRate === toRate) return Float32Array.from(x);
  const ratio = toRate / fromRate;
  const out = new Float32Array(Math.ceil(n * ratio));
  const nFilt = Math.floor(n * ratio);
  const k = sincKernel(fromRate, toRate, spec);
  for (let t = 0; t < nFilt; t++) out[t] = resampleAt(k, x, 0, n, t);
  return out;
}

/**
 * librosa.load(path, sr) equivalent: read, average channels (float32), resample to `sampleRate`
 * with kaiser_best (or `spec`). Throws a WavError naming the file for unreadable or empty audio.
 */
export function loadAudio(path: string, sampleRate = 22050, spec: SincFilterSpec = KAISER_BEST): { samples: Float32Array; nativeRate: number; channels: number } {
  const wav = readWav(path);
  if (wav.length === 0) throw new WavError(path, 'the WAV file holds no samples (empty data chunk)');
  const mono = toMono(wav);
  const samples = wav.sampleRate === sampleRate ? mono : resample(mono, wav.sampleRate, sampleRate, spec);
  return { samples, nativeRate: wav.sampleRate, channels: wav.channels.length };
}
