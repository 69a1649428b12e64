// Reusable layers with PyTorch's parameter layouts and default initialisations.
import { op, type Init, type Tensor } from '../engine/index.js';
import type { Scope } from './scope.js';

/** PyTorch's default for Linear and Conv: kaiming_uniform(a=sqrt 5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
const torchDefault = (fanIn: number): Init => ({ kind: 'uniform', bound: 1 / Math.sqrt(fanIn) });
/** kaiming_normal_ (fan_in, ReLU gain): N(0, 2/fan_in). */
export const kaimingNormal = (fanIn: number): Init => ({ kind: 'normal', std: Math.sqrt(2 / fanIn) });

export interface LinearOptions {
  bias?: boolean;
  weightInit?: Init;
  biasInit?: Init;
}

/** y = x W^T + b with W [out, in] (torch.nn.Linear). */
export function linear(s: Scope, x: Tensor, inF: number, outF: number, o: LinearOptions = {}): Tensor {
  const w = s.param('weight', [outF, inF], o.weightInit ?? torchDefault(inF));
  const b = o.bias === false ? null : s.param('bias', [outF], o.biasInit ?? torchDefault(inF));
  if (x.rank === 2) return op.gemm(x, w, b, { transB: true });
  const y = op.matmul(x, op.transpose(w, [1, 0]));
  return b ? op.add(y, b) : y;
}

export interface Conv1dOptions {
  dilation?: number;
  padding?: number | [number, number];
  stride?: number;
  groups?: number;
  bias?: boolean;
  weightInit?: Init;
}

/** torch.nn.Conv1d: W [out, in/groups, k], zero padding. */
export function conv1d(s: Scope, x: Tensor, inC: number, outC: number, k: number, o: Conv1dOptions = {}): Tensor {
  const groups = o.groups ?? 1;
  const fanIn = (inC / groups) * k;
  const w = s.param('weight', [outC, inC / groups, k], o.weightInit ?? torchDefault(fanIn));
  const b = o.bias === false ? null : s.param('bias', [outC], torchDefault(fanIn));
  const p = o.padding ?? 0;
  const pads = typeof p === 'number' ? [p, p] : p;
  return op.conv(x, w, b, { dilations: [o.dilation ?? 1], strides: [o.stride ?? 1], pads, group: groups });
}

/** torch.nn.LayerNorm over the last axis (weight 1, bias 0). */
export function layerNorm(s: Scope, x: Tensor, dim: number, eps = 1e-5): Tensor {
  const w = s.param('weight', [dim], { kind: 'ones' });
  const b = s.param('bias', [dim], { kind: 'zeros' });
  return op.layerNorm(x, w, b, { eps });
}

/** [sin(x f_k), cos(x f_k)] with f_k = exp(-k ln(1e4) / (dim/2 - 1)); x is [B] (any numeric dtype). */
export function sinusoidalEmbedding(x: Tensor, dim: number): Tensor {
  const half = dim / 2;
  const freqs = Float32Array.from({ length: half }, (_, k) => Math.exp((-k * Math.log(10000)) / (half - 1)));
  const f = x.graph.constant({ dtype: 'float32', shape: [1, half], values: freqs }, 'sinusoid_freqs');
  const arg = op.mul(op.unsqueeze(op.cast(x, 'float32'), [1]), f);
  return op.concat([op.sin(arg), op.cos(arg)], 1);
}
