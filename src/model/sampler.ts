// The host-side sampler: one loop that runs the denoise-step graph (`buildDenoiseStepGraph`) over
// the step indices, for DDPM (the graph's posterior sample) or deterministic DDIM (the host update
// below), on the whole utterance or exactly on a frame range.
//
// Exact windowed sampling: one denoiser call's output at frame t depends on its inputs within +-R
// frames (`denoiserReach`), and the DDPM/DDIM updates are per element, so with S steps the first
// call needs x on [a - S R, b + S R), the next on [a - (S-1) R, b + (S-1) R), ... Windows are
// clipped to [0, T): there the convolutions' zero padding is the same as in the whole-utterance
// run. The noise is sliced from the same whole-utterance tensors, so frames [a, b) equal the
// whole-utterance run's up to float rounding; with [a, b) = [0, T) it is the same computation.
import { ortTensor, Rng, type ort } from '../engine/index.js';
import type { DiffusionSchedule } from './diffusion.js';

export type SamplerKind = 'ddpm' | 'ddim';

/** Step indices of a sampler: the teacher visits N-1..0; a student of N/2^k steps visits multiples of 2^k. */
export function samplerSteps(numSteps: number, timescale: number): number[] {
  return Array.from({ length: numSteps }, (_, i) => timescale * i).reverse();
}

/** Denoiser step counts a schedule of N teacher steps can run: the divisors of N. */
export function supportedStepCounts(teacherSteps: number): number[] {
  return Array.from({ length: teacherSteps }, (_, i) => i + 1).filter((s) => teacherSteps % s === 0);
}

/** Why `steps` is not a step count of a schedule of N teacher steps; undefined when it is one. */
export function stepCountProblem(teacherSteps: number, steps: unknown): string | undefined {
  if (typeof steps === 'number' && Number.isInteger(steps) && steps >= 1 && teacherSteps % steps === 0) return undefined;
  return `steps ${String(steps)}: the schedule has ${teacherSteps} teacher steps, so steps must be one of ${supportedStepCounts(teacherSteps).join(', ')}`;
}

export interface SamplerPlan {
  steps: number[];
  sampler: SamplerKind;
}

/**
 * The step indices and update of a model of `numSteps` calls at `timescale` for a requested step
 * count: its own count (or none) runs its own sampler; any other divisor of N runs DDIM over every
 * (N / steps)-th teacher step (the naive fewer/more-steps path).
 */
export function samplerPlan(model: { teacherSteps: number; numSteps: number; timescale: number; sampler?: SamplerKind }, steps?: number): SamplerPlan {
  if (steps === undefined || steps === model.numSteps) return { steps: samplerSteps(model.numSteps, model.timescale), sampler: model.sampler ?? 'ddpm' };
  const problem = stepCountProblem(model.teacherSteps, steps);
  if (problem) throw new Error(problem);
  return { steps: samplerSteps(steps, model.teacherSteps / steps), sampler: 'ddim' };
}

export interface SamplerInputs {
  /** Condition [B, channels, T] (channels first). */
  cond: Float32Array;
  condChannels: number;
  mels: number;
  /** T: frames of the whole utterance. */
  frames: number;
  /** B: utterances of equal length sampled together (default 1). */
  batch?: number;
  /** Diffusion index of each denoiser call. */
  steps: number[];
  sampler: SamplerKind;
  /** The initial x, [B, 1, mels, T]. */
  init: Float32Array;
  /** DDPM: the posterior noise of each step, [B, 1, mels, T] each (unused by DDIM). */
  stepNoise: Float32Array[];
}

/** Seeded Gaussian noise for the sampler (the initial x, then one tensor per step). */
export function seededNoise(seed: number, size: number): { init: Float32Array; step: (k: number) => Float32Array } {
  const rng = new Rng(seed);
  const init = rng.normalArray(size);
  const cache: Float32Array[] = [];
  return {
    init,
    step: (k) => {
      while (cache.length <= k) cache.push(rng.normalArray(size));
      return cache[k]!;
    },
  };
}

/**
 * Deterministic DDIM update (Song et al. 2021, eta = 0) from index i to j given the x0 prediction:
 * alpha(j) x0 + sigma(j) / sigma(i) (x - alpha(i) x0), alpha and sigma the float32
 * sqrt(alphas_cumprod) and sqrt(1 - alphas_cumprod). The graph form is `ScheduleTables.ddimStep`.
 */
function ddimUpdate(schedule: DiffusionSchedule, x0: Float32Array, x: Float32Array, i: number, j: number): Float32Array {
  const alpha = schedule.f32.sqrt_alphas_cumprod;
  const sigma = schedule.f32.sqrt_one_minus_alphas_cumprod;
  const a = alpha[j]!, ratio = sigma[j]! / sigma[i]!, ai = alpha[i]!;
  const next = new Float32Array(x.length);
  for (let n = 0; n < next.length; n++) next[n] = a * x0[n]! + ratio * (x[n]! - ai * x0[n]!);
  return next;
}

/** Columns [lo, hi) of a row-major [rows, T] array: [rows, hi - lo]. */
function sliceFrames(x: Float32Array, rows: number, T: number, lo: number, hi: number): Float32Array {
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

/** Every denoiser call's input x and x0 prediction, on that call's window. */
export interface SamplerTrace {
  xIn: Float32Array[];
  x0: Float32Array[];
}

export interface SampleOptions {
  /** Frames [a, b) of the result (default the whole utterance). */
  range?: [number, number];
  /** Frames of context each side of one denoiser call (`denoiserReach`); needed with a range. */
  reach?: number;
  /** Filled with every call's input and x0 prediction. */
  trace?: SamplerTrace;
}

/**
 * The sampler's final x on frames [a, b), [B, 1, mels, b - a]: x = init; for each step index i_k:
 * x0 = f(x, i_k); DDPM: x = the posterior sample at i_k; DDIM: x = ddimUpdate(x0, x, i_k, i_k+1),
 * and the last call's x0 is the sample. Step k runs only on `samplerWindows(a, b, T, S, reach)[k]`.
 */
export async function sample(session: ort.InferenceSession, schedule: DiffusionSchedule, s: SamplerInputs, o: SampleOptions = {}): Promise<Float32Array> {
  const T = s.frames, M = s.mels, B = s.batch ?? 1, S = s.steps.length;
  const [a, b] = o.range ?? [0, T];
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b && b <= T)) throw new Error(`sample: bad frame range [${a}, ${b}) of ${T}`);
  const whole = a === 0 && b === T;
  if (!whole && o.reach === undefined) throw new Error('sample: a frame range needs the denoiser reach');
  const win = samplerWindows(a, b, T, S, whole ? 0 : o.reach!);
  let [lo, hi] = win[0]!;
  let x = sliceFrames(s.init, B * M, T, lo, hi);
  for (let k = 0; k < S; k++) {
    const w = hi - lo;
    const i = s.steps[k]!;
    const shape = [B, 1, M, w];
    const r = await session.run({
      x_t: ortTensor('float32', x, shape),
      step: ortTensor('int64', BigInt64Array.from({ length: B }, () => BigInt(i)), [B]),
      cond: ortTensor('float32', sliceFrames(s.cond, B * s.condChannels, T, lo, hi), [B, s.condChannels, w]),
      noise: ortTensor('float32', s.sampler === 'ddpm' ? sliceFrames(s.stepNoise[k]!, B * M, T, lo, hi) : new Float32Array(B * M * w), shape),
    });
    const x0 = r.x0_pred!.data as Float32Array;
    o.trace?.xIn.push(x);
    o.trace?.x0.push(x0);
    let next: Float32Array;
    if (s.sampler === 'ddpm') next = r.x_prev!.data as Float32Array;
    else if (k === S - 1) next = x0;
    else next = ddimUpdate(schedule, x0, x, i, s.steps[k + 1]!);
    const [nlo, nhi] = win[k + 1]!;
    x = sliceFrames(next, B * M, w, nlo - lo, nhi - lo);
    [lo, hi] = [nlo, nhi];
  }
  return x;
}
