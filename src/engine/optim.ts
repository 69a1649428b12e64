// Optimizer update subgraphs (AdamW, PyTorch's formulation), gradient clipping, and schedules.
import type { Tensor } from './graph.js';
import { add, div, minimum, mul, sqrt, sub, sum } from './ops/elementwise.js';
import { reduceSumSquare } from './ops/reduce.js';

export interface AdamWConfig {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Global-norm clipping threshold (torch.nn.utils.clip_grad_norm_); 0 or absent = none. */
  clipGradNorm?: number;
}

/**
 * The step's scalars, computed in float64 on the host and fed to the graph. PyTorch's AdamW update
 * p <- p (1 - lr wd) - stepSize m / (sqrt(v) / bc2 + eps), with stepSize = lr / (1 - beta1^t) and
 * bc2 = sqrt(1 - beta2^t), is rewritten as p <- p decay - m / (sqrt(v) denomScale + denomShift):
 * one pass over the parameters fewer.
 */
export interface StepScalars {
  /** 1 - lr * weightDecay. */
  decay: Tensor;
  /** 1 / (bc2 * stepSize). */
  denomScale: Tensor;
  /** eps / stepSize. */
  denomShift: Tensor;
}

export function hostStepScalars(cfg: AdamWConfig, lr: number, t: number): { decay: number; denomScale: number; denomShift: number } {
  const [b1, b2] = cfg.betas;
  const stepSize = lr / (1 - b1 ** t);
  const bc2 = Math.sqrt(1 - b2 ** t);
  // A zero learning rate leaves the parameters as they are: m / infinity = 0.
  if (stepSize === 0) return { decay: 1, denomScale: 0, denomShift: Infinity };
  return { decay: 1 - lr * cfg.weightDecay, denomScale: 1 / (bc2 * stepSize), denomShift: cfg.eps / stepSize };
}

/** ||g||_2 over all gradients, one pass each (ReduceSumSquare). */
export function globalNorm(grads: Tensor[]): Tensor {
  return sqrt(sum(grads.map((g) => reduceSumSquare(g))));
}

/**
 * torch.nn.utils.clip_grad_norm_'s factor min(1, maxNorm / (norm + 1e-6)), or undefined when
 * clipping is off. Applied by the optimizer as a scalar, so no clipped copy of the gradients is made.
 */
export function clipCoefficient(norm: Tensor, maxNorm: number | undefined): Tensor | undefined {
  return maxNorm !== undefined && maxNorm > 0 ? minimum(div(maxNorm, add(norm, 1e-6)), 1) : undefined;
}

/**
 * One AdamW step (PyTorch's arithmetic) on one parameter tensor, `gradScale` (the clip factor)
 * folded into the moment updates' scalars. Every elementwise op here streams the whole tensor, so
 * the trainer applies it to flat 1-D buffers: ORT 1.30 broadcasts a scalar over a tensor whose
 * shape ends in 1 about 50x slower than over the same data viewed as 1-D.
 */
export function adamwUpdate(cfg: AdamWConfig, s: StepScalars, p: Tensor, g: Tensor, m: Tensor, v: Tensor, gradScale?: Tensor): { p: Tensor; m: Tensor; v: Tensor } {
  const [b1, b2] = cfg.betas;
  const decayed = cfg.weightDecay > 0 ? mul(p, s.decay) : p;
  const c1 = gradScale ? mul(gradScale, 1 - b1) : 1 - b1;
  const c2 = gradScale ? mul(mul(gradScale, gradScale), 1 - b2) : 1 - b2;
  const m2 = add(mul(m, b1), mul(g, c1));
  const v2 = add(mul(v, b2), mul(mul(g, g), c2));
  const denom = add(mul(sqrt(v2), s.denomScale), s.denomShift);
  return { p: sub(decayed, div(m2, denom)), m: m2, v: v2 };
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
