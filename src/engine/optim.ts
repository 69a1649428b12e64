// Optimizer update subgraphs (AdamW, PyTorch's formulation), gradient clipping, and schedules.
import type { Tensor } from './graph.js';
import { add, div, minimum, mul, sqrt, sub, sum } from './ops/elementwise.js';
import { reduceSum } from './ops/reduce.js';

export interface AdamWConfig {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Global-norm clipping threshold (torch.nn.utils.clip_grad_norm_); 0 or absent = none. */
  clipGradNorm?: number;
}

export const ADAMW_DEFAULTS: AdamWConfig = { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 };

/** Scalars fed each step, computed in float64 on the host. */
export interface StepScalars {
  /** Learning rate. */
  lr: Tensor;
  /** lr / (1 - beta1^t). */
  stepSize: Tensor;
  /** sqrt(1 - beta2^t). */
  bc2Sqrt: Tensor;
}

export function hostStepScalars(cfg: AdamWConfig, lr: number, t: number): { lr: number; stepSize: number; bc2Sqrt: number } {
  const [b1, b2] = cfg.betas;
  return { lr, stepSize: lr / (1 - b1 ** t), bc2Sqrt: Math.sqrt(1 - b2 ** t) };
}

/** ||g||_2 over all gradients, and the gradients scaled by min(1, maxNorm / (norm + 1e-6)). */
export function clipByGlobalNorm(grads: Tensor[], maxNorm: number): { clipped: Tensor[]; norm: Tensor } {
  const norm = sqrt(sum(grads.map((g) => reduceSum(mul(g, g)))));
  if (!(maxNorm > 0)) return { clipped: grads, norm };
  const coef = minimum(div(maxNorm, add(norm, 1e-6)), 1);
  return { clipped: grads.map((g) => mul(g, coef)), norm };
}

/** One AdamW step for one parameter: returns the new parameter and moments. */
export function adamwUpdate(cfg: AdamWConfig, s: StepScalars, p: Tensor, g: Tensor, m: Tensor, v: Tensor): { p: Tensor; m: Tensor; v: Tensor } {
  const [b1, b2] = cfg.betas;
  const decayed = cfg.weightDecay > 0 ? mul(p, sub(1, mul(s.lr, cfg.weightDecay))) : p;
  const m2 = add(mul(m, b1), mul(g, 1 - b1));
  const v2 = add(mul(v, b2), mul(mul(g, g), 1 - b2));
  const denom = add(div(sqrt(v2), s.bc2Sqrt), cfg.eps);
  const p2 = sub(decayed, mul(s.stepSize, div(m2, denom)));
  return { p: p2, m: m2, v: v2 };
}

/** Learning-rate schedules: step is 1-based (the update about to be applied). */
export type Schedule = (step: number) => number;

export const schedules = {
  constant: (lr: number): Schedule => () => lr,
  /**
   * ProDiff's RSQRTSchedule: lr * min(step/warmup, 1) * max(warmup, step)^-0.5 * hidden^-0.5,
   * floored at 1e-7. (The official trainer applies the value computed for the previous count.)
   */
  warmupRsqrt: (lr: number, warmup: number, hidden: number): Schedule => (step) =>
    Math.max(lr * Math.min(step / warmup, 1) * Math.max(warmup, step) ** -0.5 * hidden ** -0.5, 1e-7),
  /** Linear warm-up to lr, then lr * sqrt(warmup / step). */
  warmupInverseSqrt: (lr: number, warmup: number): Schedule => (step) => (step < warmup ? (lr * step) / warmup : lr * Math.sqrt(warmup / step)),
  /** Linear warm-up, then cosine decay from lr to minLr at `total`. */
  cosine: (lr: number, total: number, warmup = 0, minLr = 0): Schedule => (step) => {
    if (step < warmup) return (lr * step) / warmup;
    const t = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t));
  },
};
