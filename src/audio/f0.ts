// ProDiff's f0 handling: alignment of the Praat track to mel frames, uv flags, the coarse pitch
// bins of the pitch embedding, and train-set normalisation with interpolation through unvoiced frames.
import { numFrames } from './stft.js';
import { padForPitch } from './mel.js';
import { PitchError, PRODIFF_PITCH, trackPitch, type PitchOptions, type PitchTrack } from './pitch.js';

export interface ProdiffPitch {
  /** f0 per mel frame (Hz, 0 = unvoiced), length T. */
  f0: Float64Array;
  /** 1 where f0 == 0. */
  uv: Uint8Array;
  /** Pitch-embedding index 1..255 per mel frame. */
  coarse: Int32Array;
  /** The tracker's own frames (F = T - 6 with ProDiff's settings). */
  raw: PitchTrack;
}

/**
 * ProDiff's get_pitch: the waveform is right-padded with zeros to T * hop samples, tracked with
 * time step hop / sampleRate, and the track is padded with 2 * padSize zeros on the left and
 * T - F - 2 * padSize on the right (padSize = 2 for hop 256, 4 for hop 128). The result lags the
 * mel frames by half a hop; that is what ProDiff trains on, so it is kept.
 */
export function prodiffPitch(wav: ArrayLike<number>, sampleRate = 22050, hop = 256, options: Partial<PitchOptions> = {}): ProdiffPitch {
  const padSize = hop === 256 ? 2 : hop === 128 ? 4 : 0;
  if (!padSize) throw new PitchError(`ProDiff's pitch alignment is defined for hop 128 or 256, not ${hop}`);
  const T = numFrames(wav.length, hop);
  const padded = padForPitch(wav, hop);
  const raw = trackPitch(padded, sampleRate, { ...PRODIFF_PITCH, timeStep: hop / sampleRate, ...options });
  const F = raw.frequency.length;
  const lpad = 2 * padSize;
  const rpad = T - F - lpad;
  if (rpad < 0) {
    throw new PitchError(`pitch track has ${F} frames for ${T} mel frames: the right pad would be ${rpad} (ProDiff's np.pad raises here; "very accurate" must be on)`);
  }
  const f0 = new Float64Array(T);
  f0.set(raw.frequency, lpad);
  const uv = new Uint8Array(T);
  for (let t = 0; t < T; t++) uv[t] = f0[t] === 0 ? 1 : 0;
  return { f0, uv, coarse: f0ToCoarse(f0), raw };
}

const F0_BIN = 256;
const melOf = (f: number) => 1127 * Math.log(1 + f / 700);
const F0_MEL_MIN = melOf(50);
const F0_MEL_MAX = melOf(1100);

/** Round half to even (numpy's rint). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** f0 (Hz) -> coarse pitch bin 1..255: mel scale, 50..1100 Hz mapped onto 1..255, unvoiced -> 1. */
export function f0ToCoarse(f0: ArrayLike<number>): Int32Array {
  const out = new Int32Array(f0.length);
  for (let i = 0; i < f0.length; i++) {
    let m = melOf(f0[i]!);
    if (m > 0) m = ((m - F0_MEL_MIN) * (F0_BIN - 2)) / (F0_MEL_MAX - F0_MEL_MIN) + 1;
    if (m <= 1) m = 1;
    if (m > F0_BIN - 1) m = F0_BIN - 1;
    out[i] = rint(m);
  }
  return out;
}

export interface F0Norm {
  kind: 'standard' | 'log';
  /** Train-set mean and std of voiced f0 (Hz), for 'standard'. */
  mean: number;
  std: number;
  /** Zero the normalised f0 on unvoiced frames before interpolation (ProDiff's use_uv). */
  useUv: boolean;
}

/** Mean and (population) standard deviation of the voiced frames of a set of f0 tracks. */
export function f0Stats(tracks: ArrayLike<number>[]): { mean: number; std: number; count: number } {
  let n = 0, s = 0;
  for (const tr of tracks) for (let i = 0; i < tr.length; i++) if (tr[i] !== 0) { n++; s += tr[i]!; }
  if (n === 0) throw new Error('f0Stats: no voiced frame in the given tracks');
  const mean = s / n;
  let v = 0;
  for (const tr of tracks) for (let i = 0; i < tr.length; i++) if (tr[i] !== 0) v += (tr[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / n), count: n };
}

/**
 * ProDiff's norm_interp_f0: normalise ('standard': (f0 - mean) / std; 'log': log2 f0), then fill
 * unvoiced frames by linear interpolation between the neighbouring voiced frames (constant beyond
 * the first and last voiced frame); an all-unvoiced track becomes all zeros.
 */
export function normInterpF0(f0: ArrayLike<number>, norm: F0Norm): { f0: Float64Array; uv: Uint8Array } {
  const n = f0.length;
  const out = new Float64Array(n);
  const uv = new Uint8Array(n);
  const voiced: number[] = [];
  for (let i = 0; i < n; i++) {
    uv[i] = f0[i] === 0 ? 1 : 0;
    out[i] = norm.kind === 'standard' ? (f0[i]! - norm.mean) / norm.std : Math.log2(f0[i]!);
    if (uv[i] && norm.useUv) out[i] = 0;
    if (!uv[i]) voiced.push(i);
  }
  if (voiced.length === 0) { out.fill(0); return { f0: out, uv }; }
  if (voiced.length === n) return { f0: out, uv };
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (!uv[i]) continue;
    while (k < voiced.length && voiced[k]! < i) k++;
    if (k === 0) out[i] = out[voiced[0]!]!;
    else if (k === voiced.length) out[i] = out[voiced[voiced.length - 1]!]!;
    else {
      const a = voiced[k - 1]!, b = voiced[k]!;
      out[i] = out[a]! + ((out[b]! - out[a]!) * (i - a)) / (b - a);
    }
  }
  return { f0: out, uv };
}

/** ProDiff's denorm_f0: back to Hz, optional clamping, zero where uv (if useUv). */
export function denormF0(f0: ArrayLike<number>, uv: ArrayLike<number> | null, norm: F0Norm, min?: number, max?: number): Float64Array {
  const out = new Float64Array(f0.length);
  for (let i = 0; i < f0.length; i++) {
    let v = norm.kind === 'standard' ? f0[i]! * norm.std + norm.mean : 2 ** f0[i]!;
    if (min !== undefined && v < min) v = min;
    if (max !== undefined && v > max) v = max;
    if (uv && norm.useUv && uv[i]! > 0) v = 0;
    out[i] = v;
  }
  return out;
}
