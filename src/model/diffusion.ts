// ProDiff's diffusion: the "vpsde" schedule (computed in float64, stored in float32), forward
// noising q(x_t | x_0), the DDPM posterior step of x0-predicting samplers, the deterministic DDIM
// step and the Salimans-Ho distillation target. Graph helpers index the tables with int64 step
// tensors [B] and broadcast over [B, 1, M, T].
import { op, type Graph, type Tensor } from '../engine/index.js';

export const SCHEDULE_BUFFERS = [
  'betas', 'alphas_cumprod', 'alphas_cumprod_prev', 'sqrt_alphas_cumprod', 'sqrt_one_minus_alphas_cumprod',
  'log_one_minus_alphas_cumprod', 'sqrt_recip_alphas_cumprod', 'sqrt_recipm1_alphas_cumprod', 'posterior_variance',
  'posterior_log_variance_clipped', 'posterior_mean_coef1', 'posterior_mean_coef2',
] as const;
export type ScheduleBuffer = (typeof SCHEDULE_BUFFERS)[number];

export interface DiffusionSchedule {
  /** Teacher steps N; every table has N + 1 entries (index N is used in training only). */
  steps: number;
  timescale: number;
  /** float64 values, as computed. */
  f64: Record<ScheduleBuffer, Float64Array>;
  /** float32 values, as stored in checkpoints and used by the graphs. */
  f32: Record<ScheduleBuffer, Float32Array>;
}

/** beta_t = 1 - exp(-minBeta/T - (maxBeta - minBeta)(2t - 1)/(2T^2)), t = 1..T, T = steps + 1. */
export function vpsdeBetas(steps: number, minBeta = 0.1, maxBeta = 40): Float64Array {
  const T = steps + 1;
  return Float64Array.from({ length: T }, (_, i) => {
    const t = i + 1;
    return 1 - Math.exp(-minBeta / T - 0.5 * (maxBeta - minBeta) * ((2 * t - 1) / (T * T)));
  });
}

/** All GaussianDiffusion buffers for `steps` teacher steps (official N = 4). */
export function vpsdeSchedule(steps: number, timescale = 1): DiffusionSchedule {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`vpsdeSchedule: steps ${steps} must be a positive integer`);
  const betas = vpsdeBetas(steps);
  const n = betas.length;
  const map = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  const ac = new Float64Array(n);
  let p = 1;
  for (let i = 0; i < n; i++) ac[i] = p *= 1 - betas[i]!;
  const acPrev = map((i) => (i === 0 ? 1 : ac[i - 1]!));
  const postVar = map((i) => (betas[i]! * (1 - acPrev[i]!)) / (1 - ac[i]!));
  const f64: Record<ScheduleBuffer, Float64Array> = {
    betas,
    alphas_cumprod: ac,
    alphas_cumprod_prev: acPrev,
    sqrt_alphas_cumprod: map((i) => Math.sqrt(ac[i]!)),
    sqrt_one_minus_alphas_cumprod: map((i) => Math.sqrt(1 - ac[i]!)),
    log_one_minus_alphas_cumprod: map((i) => Math.log(1 - ac[i]!)),
    sqrt_recip_alphas_cumprod: map((i) => Math.sqrt(1 / ac[i]!)),
    sqrt_recipm1_alphas_cumprod: map((i) => Math.sqrt(1 / ac[i]! - 1)),
    posterior_variance: postVar,
    posterior_log_variance_clipped: map((i) => Math.log(Math.max(postVar[i]!, 1e-20))),
    posterior_mean_coef1: map((i) => (betas[i]! * Math.sqrt(acPrev[i]!)) / (1 - ac[i]!)),
    posterior_mean_coef2: map((i) => ((1 - acPrev[i]!) * Math.sqrt(1 - betas[i]!)) / (1 - ac[i]!)),
  };
  const f32 = Object.fromEntries(SCHEDULE_BUFFERS.map((k) => [k, Float32Array.from(f64[k])])) as Record<ScheduleBuffer, Float32Array>;
  return { steps, timescale, f64, f32 };
}

/** The schedule's buffers as state_dict entries (`betas`, ..., `timesteps`, `timescale`), float32. */
export function scheduleStateDict(s: DiffusionSchedule, o: { timesteps?: number; timescale?: number } = {}): Map<string, { shape: number[]; data: Float32Array }> {
  const m = new Map<string, { shape: number[]; data: Float32Array }>();
  m.set('timesteps', { shape: [], data: Float32Array.of(o.timesteps ?? s.steps) });
  m.set('timescale', { shape: [], data: Float32Array.of(o.timescale ?? s.timescale) });
  for (const k of SCHEDULE_BUFFERS) m.set(k, { shape: [s.f32[k].length], data: s.f32[k] });
  return m;
}

/** Graph-side access to the float32 tables. */
export class ScheduleTables {
  private readonly cache = new Map<string, Tensor>();
  constructor(
    readonly graph: Graph,
    readonly schedule: DiffusionSchedule,
  ) {}

  table(name: ScheduleBuffer): Tensor {
    let t = this.cache.get(name);
    if (!t) {
      const v = this.schedule.f32[name];
      t = this.graph.constant({ dtype: 'float32', shape: [v.length], values: v }, name);
      this.cache.set(name, t);
    }
    return t;
  }

  /** table[t] reshaped to [B, 1, 1, 1] (the reference's `extract`). */
  at(name: ScheduleBuffer, t: Tensor): Tensor {
    return op.unsqueeze(op.gather(this.table(name), t, 0), [1, 2, 3]);
  }

  alpha(t: Tensor): Tensor {
    return this.at('sqrt_alphas_cumprod', t);
  }

  sigma(t: Tensor): Tensor {
    return this.at('sqrt_one_minus_alphas_cumprod', t);
  }

  /** q(x_t | x_0): alpha_t x0 + sigma_t noise. */
  qSample(x0: Tensor, t: Tensor, noise: Tensor): Tensor {
    return op.add(op.mul(this.alpha(t), x0), op.mul(this.sigma(t), noise));
  }

  /** x0 = (x_t - sigma_t eps) / alpha_t, as sqrt(1/ac) x_t - sqrt(1/ac - 1) eps. */
  x0FromEpsilon(xT: Tensor, t: Tensor, eps: Tensor): Tensor {
    return op.sub(op.mul(this.at('sqrt_recip_alphas_cumprod', t), xT), op.mul(this.at('sqrt_recipm1_alphas_cumprod', t), eps));
  }

  /** DDPM posterior sample x_{t-1} ~ q(x_{t-1} | x_t, x0) with the given noise; no noise where t = 0. */
  posteriorSample(x0: Tensor, xT: Tensor, t: Tensor, noise: Tensor): Tensor {
    const mean = op.add(op.mul(this.at('posterior_mean_coef1', t), x0), op.mul(this.at('posterior_mean_coef2', t), xT));
    const nonzero = op.cast(op.not(op.equal(op.unsqueeze(t, [1, 2, 3]), 0)), 'float32');
    const std = op.exp(op.mul(this.at('posterior_log_variance_clipped', t), 0.5));
    return op.add(mean, op.mul(op.mul(nonzero, std), noise));
  }

  /** Deterministic DDIM step from index `from` to `to` given the x0 prediction. */
  ddimStep(x0: Tensor, xT: Tensor, from: Tensor, to: Tensor): Tensor {
    return op.add(op.mul(this.alpha(to), x0), op.mul(op.div(this.sigma(to), this.sigma(from)), op.sub(xT, op.mul(this.alpha(from), x0))));
  }

  /**
   * Salimans-Ho target: the x0 that a single DDIM step t -> t2 would need to land on x2 (the result
   * of two teacher steps): (x2 - s2/s * x_t) / (a2 - s2/s * a).
   */
  distillationTarget(xT: Tensor, x2: Tensor, t: Tensor, t2: Tensor): Tensor {
    const ratio = op.div(this.sigma(t2), this.sigma(t));
    return op.div(op.sub(x2, op.mul(ratio, xT)), op.sub(this.alpha(t2), op.mul(ratio, this.alpha(t))));
  }
}
