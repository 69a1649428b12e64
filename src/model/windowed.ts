// Exact windowed sampling: the mel of frames [a, b) of an utterance without running the denoiser on
// the whole utterance. One denoiser call's output at frame t depends on its inputs within +-R
// frames (`denoiserReach`), and the DDPM/DDIM updates are per element, so with S steps the first
// call needs x on [a - S R, b + S R), the next on [a - (S-1) R, b + (S-1) R), ... Windows are
// clipped to [0, T): there the convolutions' zero padding is the same as in the whole-utterance
// run. The noise is sliced from the same whole-utterance tensors, so the result equals the
// whole-utterance sampler's frames [a, b) up to float rounding.
import { ortTensor, type ort } from '../engine/index.js';
import type { DiffusionSchedule } from './diffusion.js';

export interface SamplerInputs {
  /** Condition [channels, T] (batch 1, channels first). */
  cond: Float32Array;
  condChannels: number;
  mels: number;
  /** T: frames of the whole utterance. */
  frames: number;
  /** Diffusion index of each denoiser call. */
  steps: number[];
  sampler: 'ddpm' | 'ddim';
  /** The initial x, [mels, T]. */
  init: Float32Array;
  /** DDPM: the posterior noise of each step, [mels, T] each (unused by DDIM). */
  stepNoise: Float32Array[];
}

/** Columns [lo, hi) of a row-major [rows, T] array: [rows, hi - lo]. */
export function sliceFrames(x: Float32Array, rows: number, T: number, lo: number, hi: number): Float32Array {
  if (lo === 0 && hi === T) return x;
  const w = hi - lo;
  const out = new Float32Array(rows * w);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * T + lo, r * T + hi), r * w);
  return out;
}

/** The frame windows of a windowed run: step k runs on windows[k]; windows[S] = [a, b). */
export function samplerWindows(a: number, b: number, T: number, steps: number, reach: number): [number, number][] {
  return Array.from({ length: steps + 1 }, (_, k) => [Math.max(0, a - (steps - k) * reach), Math.min(T, b + (steps - k) * reach)]);
}

/**
 * Frames [a, b) of the sampler's final x, [mels, b - a] (channels first), running step k of the
 * sampler only on `samplerWindows(a, b, T, S, reach)[k]`.
 */
export async function sampleFrames(session: ort.InferenceSession, schedule: DiffusionSchedule, s: SamplerInputs, reach: number, a: number, b: number): Promise<Float32Array> {
  const T = s.frames, M = s.mels, S = s.steps.length;
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b && b <= T)) throw new Error(`sampleFrames: bad frame range [${a}, ${b}) of ${T}`);
  const win = samplerWindows(a, b, T, S, reach);
  let [lo, hi] = win[0]!;
  let x = sliceFrames(s.init, M, T, lo, hi);
  for (let k = 0; k < S; k++) {
    const w = hi - lo;
    const i = s.steps[k]!;
    const shape = [1, 1, M, w];
    const r = await session.run({
      x_t: ortTensor('float32', x, shape),
      step: ortTensor('int64', [i], [1]),
      cond: ortTensor('float32', sliceFrames(s.cond, s.condChannels, T, lo, hi), [1, s.condChannels, w]),
      noise: ortTensor('float32', s.sampler === 'ddpm' ? sliceFrames(s.stepNoise[k]!, M, T, lo, hi) : new Float32Array(M * w), shape),
    });
    const x0 = r.x0_pred!.data as Float32Array;
    let next: Float32Array;
    if (s.sampler === 'ddpm') next = r.x_prev!.data as Float32Array;
    else if (k === S - 1) next = x0;
    else next = ddimUpdate(schedule, x0, x, i, s.steps[k + 1]!);
    const [nlo, nhi] = win[k + 1]!;
    x = sliceFrames(next, M, w, nlo - lo, nhi - lo);
    [lo, hi] = [nlo, nhi];
  }
  return x;
}

/** The host-side DDIM step of `runDdimSampler`, element by element in the same arithmetic. */
function ddimUpdate(schedule: DiffusionSchedule, x0: Float32Array, x: Float32Array, i: number, j: number): Float32Array {
  const alpha = schedule.f32.sqrt_alphas_cumprod;
  const sigma = schedule.f32.sqrt_one_minus_alphas_cumprod;
  const a = alpha[j]!, ratio = sigma[j]! / sigma[i]!, ai = alpha[i]!;
  const next = new Float32Array(x.length);
  for (let n = 0; n < next.length; n++) next[n] = a * x0[n]! + ratio * (x[n]! - ai * x0[n]!);
  return next;
}
