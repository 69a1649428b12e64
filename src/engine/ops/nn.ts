// Neural-network ops: MatMul, Gemm, Conv, ConvTranspose, pooling, softmax, layer norm, dropout.
import { broadcastShapes, dimAdd, dimEq, dimMul, dimProduct, normAxis, type Dim, type Shape } from '../dims.js';
import { DTYPE_TO_ONNX } from '../dtypes.js';
import type { Tensor } from '../graph.js';
import type { OpDef, OpDefs } from '../registry.js';
import { cast, div, exp, mul, sub, sum, unbroadcast } from './elementwise.js';
import { reduceMean, reduceSum } from './reduce.js';
import { concat, flip, full, padAxis, reshape, slice, sliceAxis, transpose, unsqueeze } from './shape.js';
import { emit, emitN, floatAttr, intAttr, intsAttr, opDefiner, requireFloat, sameDType } from './util.js';

const defs: Record<string, OpDef> = {};
const defineOp = opDefiner(defs);
/** The definitions of this module's ops, gathered by the registry. */
export const nnOps: OpDefs = defs;

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

// ---- MatMul ----
function swapLast(t: Tensor): Tensor {
  const p = range(t.rank);
  [p[t.rank - 2], p[t.rank - 1]] = [p[t.rank - 1]!, p[t.rank - 2]!];
  return transpose(t, p);
}

defineOp('MatMul', {
  infer: (ins) => {
    const [a, b] = ins as [Tensor, Tensor];
    const d = sameDType('MatMul', a, b);
    if (a.rank < 2 || b.rank < 2) throw new Error('operands must have rank >= 2');
    if (!dimEq(a.shape[a.rank - 1]!, b.shape[b.rank - 2]!)) throw new Error(`inner dims differ (${a.shape[a.rank - 1]} vs ${b.shape[b.rank - 2]})`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'MatMul');
    return [{ dtype: d, shape: [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!] }];
  },
  grad: (n, [g], needs) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    const ga = needs[0] ? unbroadcast(matmul(g!, swapLast(b)), a.shape) : null;
    let gb: Tensor | null = null;
    if (needs[1]) {
      if (b.rank === 2 && a.rank > 2) {
        // Fold the batch axes into the contraction: one Gemm instead of a batched product and a sum.
        const a2 = reshape(a, [-1, a.shape[a.rank - 1]!]);
        const g2 = reshape(g!, [-1, g!.shape[g!.rank - 1]!]);
        gb = gemm(a2, g2, null, { transA: true });
      } else {
        gb = unbroadcast(matmul(swapLast(a), g!), b.shape);
      }
    }
    return [ga, gb];
  },
});

export const matmul = (a: Tensor, b: Tensor): Tensor => emit('MatMul', [a, b]);

// ---- Gemm ----
defineOp('Gemm', {
  infer: (ins, attrs) => {
    const [a, b, c] = ins as [Tensor, Tensor, Tensor | null];
    const d = sameDType('Gemm', a, b, c);
    if (a.rank !== 2 || b.rank !== 2) throw new Error('A and B must be 2-D');
    const ta = intAttr(attrs, 'transA', 0) === 1;
    const tb = intAttr(attrs, 'transB', 0) === 1;
    const [m, ka] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, nn] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (!dimEq(ka, kb)) throw new Error(`inner dims differ (${ka} vs ${kb})`);
    if (c) broadcastShapes(c.shape, [m, nn], 'Gemm C');
    return [{ dtype: d, shape: [m, nn] }];
  },
  grad: (n, [g], needs) => {
    const [a, b, c] = n.inputs as [Tensor, Tensor, Tensor | null];
    const alpha = floatAttr(n.attrs, 'alpha', 1);
    const beta = floatAttr(n.attrs, 'beta', 1);
    const ta = intAttr(n.attrs, 'transA', 0) === 1;
    const tb = intAttr(n.attrs, 'transB', 0) === 1;
    const ga = !needs[0] ? null : ta ? gemm(b, g!, null, { alpha, transA: tb, transB: true }) : gemm(g!, b, null, { alpha, transB: !tb });
    const gb = !needs[1] ? null : tb ? gemm(g!, a, null, { alpha, transA: true, transB: ta }) : gemm(a, g!, null, { alpha, transA: !ta });
    const gc = c && needs[2] ? unbroadcast(beta === 1 ? g! : mul(g!, beta), c.shape) : null;
    return [ga, gb, gc];
  },
});

export interface GemmOptions {
  alpha?: number;
  beta?: number;
  transA?: boolean;
  transB?: boolean;
}

export function gemm(a: Tensor, b: Tensor, c: Tensor | null, o: GemmOptions = {}): Tensor {
  const attrs: Record<string, number | { float: number }> = {};
  if (o.alpha !== undefined && o.alpha !== 1) attrs.alpha = { float: o.alpha };
  if (o.beta !== undefined && o.beta !== 1) attrs.beta = { float: o.beta };
  if (o.transA) attrs.transA = 1;
  if (o.transB) attrs.transB = 1;
  return emit('Gemm', c ? [a, b, c] : [a, b], attrs);
}

// ---- Convolution ----
export interface ConvOptions {
  strides?: number[];
  dilations?: number[];
  /** ONNX layout: begins for every spatial axis, then ends. */
  pads?: number[];
  group?: number;
}

interface ConvAttrs {
  strides: number[];
  dilations: number[];
  pads: number[];
  group: number;
}

function convAttrs(attrs: Record<string, unknown>, spatial: number): ConvAttrs {
  const get = (k: string, def: number[]) => (Array.isArray(attrs[k]) ? (attrs[k] as number[]) : def);
  return {
    strides: get('strides', new Array(spatial).fill(1)),
    dilations: get('dilations', new Array(spatial).fill(1)),
    pads: get('pads', new Array(2 * spatial).fill(0)),
    group: typeof attrs.group === 'number' ? attrs.group : 1,
  };
}

function convOutDim(len: Dim, k: number, s: number, d: number, pb: number, pe: number): Dim {
  const delta = pb + pe - d * (k - 1) - 1;
  if (typeof len === 'number') return Math.floor((len + delta) / s) + 1;
  if (s === 1) return dimAdd(len, delta + 1);
  return `(${len}+${delta})/${s}+1`;
}

defineOp('Conv', {
  infer: (ins, attrs) => {
    const [x, w, b] = ins as [Tensor, Tensor, Tensor | null];
    const dt = sameDType('Conv', x, w, b);
    const sp = x.rank - 2;
    if (sp < 1 || w.rank !== x.rank) throw new Error(`X and W must have equal rank >= 3 (got ${x.rank} and ${w.rank})`);
    const a = convAttrs(attrs, sp);
    const c = x.shape[1]!;
    if (typeof c === 'number' && c !== (w.shape[1] as number) * a.group) throw new Error(`X has ${c} channels but W expects ${w.shape[1]} x group ${a.group}`);
    if (b && (b.rank !== 1 || !dimEq(b.shape[0]!, w.shape[0]!))) throw new Error('bias must be [M]');
    const spatial = range(sp).map((i) => convOutDim(x.shape[2 + i]!, w.shape[2 + i] as number, a.strides[i]!, a.dilations[i]!, a.pads[i]!, a.pads[i + sp]!));
    return [{ dtype: dt, shape: [x.shape[0]!, w.shape[0]!, ...spatial] }];
  },
  grad: (n, [g], needs) => {
    const [x, w, b] = n.inputs as [Tensor, Tensor, Tensor | null];
    const a = convAttrs(n.attrs, x.rank - 2);
    return [needs[0] ? convInputGrad(g!, w, x.shape, a) : null, needs[1] ? convWeightGrad(x, g!, w.shape as number[], a) : null, b && needs[2] ? convBiasGrad(g!, a) : null];
  },
});

/** The weights of the transposed problem: [M, C/G, k..] -> [C, M/G, k..], spatially flipped. */
function transposeFlipWeight(w: Tensor, group: number): Tensor {
  const [m, cg, ...k] = w.shape as number[];
  let wt: Tensor;
  if (group === 1) wt = transpose(w, [1, 0, ...range(k.length, 2)]);
  else {
    const r = reshape(w, [group, m! / group, cg!, ...k]);
    wt = reshape(transpose(r, [0, 2, 1, ...range(k.length, 3)]), [group * cg!, m! / group, ...k]);
  }
  for (let i = 0; i < k.length; i++) if (k[i]! > 1) wt = flip(wt, 2 + i);
  return wt;
}

function convInputGrad(g: Tensor, w: Tensor, xShape: Shape, a: ConvAttrs): Tensor {
  const sp = xShape.length - 2;
  const k = (w.shape as number[]).slice(2);
  const reach = k.map((kk, i) => a.dilations[i]! * (kk - 1));
  const unitStride = a.strides.every((s) => s === 1);
  const padsOk = range(sp).every((i) => a.pads[i]! <= reach[i]! && a.pads[i + sp]! <= reach[i]!);
  if (sp === 1 && a.group === 1 && unitStride) return convInputGradMatMul(g, w, a);
  if (unitStride && padsOk) {
    // dX is a plain convolution of g with the transposed, flipped kernel (cheaper than ConvTranspose in ORT).
    const pads = [...range(sp).map((i) => reach[i]! - a.pads[i]!), ...range(sp).map((i) => reach[i]! - a.pads[i + sp]!)];
    return conv(g, transposeFlipWeight(w, a.group), null, { dilations: a.dilations, pads, group: a.group });
  }
  const outputPadding = range(sp).map((i) => {
    const len = xShape[2 + i]!;
    const lo = g.shape[2 + i]!;
    if (typeof len !== 'number' || typeof lo !== 'number') throw new Error('Conv gradient: strided convolution over a symbolic length is not supported');
    return len + a.pads[i]! + a.pads[i + sp]! - ((lo - 1) * a.strides[i]! + reach[i]! + 1);
  });
  return convTranspose(g, w, null, { ...a, outputPadding });
}

const channelMajorCache = new WeakMap<Tensor, Tensor>();

/** A 1-D conv's [N, C, L] tensor as [C, N*L] (one Transpose, shared by the weight and bias gradients). */
function channelMajor(t: Tensor): Tensor {
  let r = channelMajorCache.get(t);
  if (!r) channelMajorCache.set(t, (r = reshape(transpose(t, [1, 0, 2]), [t.shape[1]!, -1])));
  return r;
}

/** dL/db of a convolution's bias: g summed over all but the channel axis. */
function convBiasGrad(g: Tensor, a: ConvAttrs): Tensor {
  if (g.rank === 3 && a.group === 1 && a.strides[0] === 1) return reduceSum(channelMajor(g), [1]);
  return reduceSum(g, [0, ...range(g.rank - 2, 2)]);
}

/**
 * dX of a 1-D, ungrouped, stride-1 conv as one Gemm over all N*Lo positions, against g in
 * channel-major layout (shared with dW): Z = W^T g holds every tap's contribution, and tap j lands
 * at input position t + j*d - padBegin. No weight transpose or flip is materialised (ORT's
 * negative-step Slice that flips W is slow), and the Gemm beats ORT's Conv at batch 1.
 */
function convInputGradMatMul(g: Tensor, w: Tensor, a: ConvAttrs): Tensor {
  const [m, c, k] = w.shape as [number, number, number];
  const d = a.dilations[0]!;
  const [pb, pe] = [a.pads[0]!, a.pads[1]!];
  const [n, lo] = [g.shape[0]!, g.shape[2]!];
  const z = gemm(reshape(w, [m, c * k]), channelMajor(g), null, { transA: true }); // [C*k, N*Lo]
  const taps = reshape(z, [c, k, n, lo]);
  const tap = (j: number) => reshape(k === 1 ? taps : sliceAxis(taps, 1, j, j + 1), [c, n, lo]);
  const dxChannelMajor = sum(range(k).map((j) => shiftAxis(tap(j), 2, pb - j * d, d * (k - 1 - j) - pe)));
  return transpose(dxChannelMajor, [1, 0, 2]);
}

/**
 * out[i] = t[i + s] along `axis` with zeros outside t; the output is (e - s) longer than t
 * (static offsets, symbolic lengths allowed).
 */
function shiftAxis(t: Tensor, axis: number, s: number, e: number): Tensor {
  const cut = s > 0 || e < 0 ? sliceAxis(t, axis, Math.max(0, s), e < 0 ? e : 2 ** 62) : t;
  return s < 0 || e > 0 ? padAxis(cut, axis, Math.max(0, -s), Math.max(0, e)) : cut;
}

/** dL/dW of Conv(x, W) given dL/dY = g; also serves ConvTranspose (with x and g swapped). */
function convWeightGrad(x: Tensor, g: Tensor, wShape: number[], a: ConvAttrs): Tensor {
  const sp = x.rank - 2;
  const [m, cg, ...k] = wShape;
  if (sp === 1 && a.group === 1 && a.strides[0] === 1) {
    // One Gemm over all N*T positions: g as [M, N*T] against the k shifted copies of the padded
    // input stacked as [C*k, N*T]; the product is already in W's [M, C, k] order.
    const kk = k[0]!;
    const d = a.dilations[0]!;
    const xt = transpose(padAxis(x, 2, a.pads[0]!, a.pads[1]!), [1, 0, 2]); // [C, N, Lp]
    const taps = kk === 1 ? xt : concat(range(kk).map((j) => unsqueeze(sliceAxis(xt, 2, j * d, j === kk - 1 ? 2 ** 62 : -d * (kk - 1 - j)), [1])), 1); // [C, k, N, Lo]
    const dw = gemm(channelMajor(g), reshape(taps, [cg! * kk, -1]), null, { transB: true }); // [M, C*k]
    return reshape(dw, [m!, cg!, kk]);
  }
  // General case: a convolution over the batch axis (strides and dilations swap roles).
  let xa: Tensor;
  if (a.group === 1) xa = transpose(x, [1, 0, ...range(sp, 2)]);
  else {
    const r = reshape(x, [x.shape[0]!, a.group, cg!, ...x.shape.slice(2)]);
    xa = reshape(transpose(r, [2, 1, 0, ...range(sp, 3)]), [cg!, dimMul(a.group, x.shape[0]!), ...x.shape.slice(2)]);
  }
  const gb = transpose(g, [1, 0, ...range(sp, 2)]);
  let dw = conv(xa, gb, null, { strides: a.dilations, dilations: a.strides, pads: a.pads, group: a.group }); // [C/G, M, K'..]
  const needsCut = range(sp).some((i) => dw.shape[2 + i] !== k[i]);
  if (needsCut) dw = slice(dw, k.map(() => 0), k, range(sp, 2));
  return transpose(dw, [1, 0, ...range(sp, 2)]);
}

function convAttrRecord(o: ConvOptions & { outputPadding?: number[] }, sp: number): Record<string, number | number[]> {
  const r: Record<string, number | number[]> = {
    strides: o.strides ?? new Array(sp).fill(1),
    dilations: o.dilations ?? new Array(sp).fill(1),
    pads: o.pads ?? new Array(2 * sp).fill(0),
  };
  if (o.group && o.group !== 1) r.group = o.group;
  if (o.outputPadding && o.outputPadding.some((p) => p !== 0)) r.output_padding = o.outputPadding;
  return r;
}

export function conv(x: Tensor, w: Tensor, b: Tensor | null, o: ConvOptions = {}): Tensor {
  const sp = x.rank - 2;
  const attrs = convAttrRecord(o, sp);
  attrs.kernel_shape = (w.shape as number[]).slice(2);
  return emit('Conv', b ? [x, w, b] : [x, w], attrs);
}

// ---- ConvTranspose ----
defineOp('ConvTranspose', {
  infer: (ins, attrs) => {
    const [x, w, b] = ins as [Tensor, Tensor, Tensor | null];
    const dt = sameDType('ConvTranspose', x, w, b);
    const sp = x.rank - 2;
    const a = convAttrs(attrs, sp);
    const op = Array.isArray(attrs.output_padding) ? (attrs.output_padding as number[]) : new Array(sp).fill(0);
    if (!dimEq(x.shape[1]!, w.shape[0]!)) throw new Error(`X has ${x.shape[1]} channels but W expects ${w.shape[0]}`);
    const spatial = range(sp).map((i) => {
      const len = x.shape[2 + i]!;
      const k = w.shape[2 + i] as number;
      const extra = op[i]! + a.dilations[i]! * (k - 1) + 1 - a.pads[i]! - a.pads[i + sp]!;
      if (typeof len === 'number') return a.strides[i]! * (len - 1) + extra;
      return dimAdd(dimMul(a.strides[i]!, dimAdd(len, -1)), extra);
    });
    return [{ dtype: dt, shape: [x.shape[0]!, (w.shape[1] as number) * a.group, ...spatial] }];
  },
  grad: (n, [g], needs) => {
    const [x, w, b] = n.inputs as [Tensor, Tensor, Tensor | null];
    const a = convAttrs(n.attrs, x.rank - 2);
    return [
      needs[0] ? conv(g!, w, null, a) : null,
      needs[1] ? convWeightGrad(g!, x, w.shape as number[], a) : null,
      b && needs[2] ? reduceSum(g!, [0, ...range(x.rank - 2, 2)]) : null,
    ];
  },
});

export function convTranspose(x: Tensor, w: Tensor, b: Tensor | null, o: ConvOptions & { outputPadding?: number[] } = {}): Tensor {
  const sp = x.rank - 2;
  const attrs = convAttrRecord(o, sp);
  attrs.kernel_shape = (w.shape as number[]).slice(2);
  return emit('ConvTranspose', b ? [x, w, b] : [x, w], attrs);
}

// ---- 1-D pooling ----
function poolInfer(op: string): OpDef['infer'] {
  return (ins, attrs) => {
    const x = ins[0]!;
    if (x.rank !== 3) throw new Error('only 1-D pooling ([N, C, L]) is supported');
    const k = intsAttr(attrs, 'kernel_shape')![0]!;
    const a = convAttrs(attrs, 1);
    const out = [x.shape[0]!, x.shape[1]!, convOutDim(x.shape[2]!, k, a.strides[0]!, a.dilations[0]!, a.pads[0]!, a.pads[1]!)];
    return op === 'MaxPool' ? [{ dtype: x.dtype, shape: out }, { dtype: 'int64', shape: out }] : [{ dtype: x.dtype, shape: out }];
  };
}

defineOp('MaxPool', {
  infer: poolInfer('MaxPool'),
  grad: (n, [g]) => {
    // Indices are offsets into the flattened input: scatter-add g there.
    const x = n.inputs[0]!;
    const idx = n.outputs[1]!;
    const flatZero = full([dimProduct(x.shape)], 0, x.dtype, x);
    const scattered = emit('ScatterElements', [flatZero, reshape(idx, [-1]), reshape(g!, [-1])], { axis: 0, reduction: 'add' });
    return [reshape(scattered, x.shape)];
  },
});

defineOp('AveragePool', {
  infer: poolInfer('AveragePool'),
  grad: (n, [g]) => {
    const x = n.inputs[0]!;
    const k = intsAttr(n.attrs, 'kernel_shape')![0]!;
    const a = convAttrs(n.attrs, 1);
    const c = x.shape[1]!;
    if (typeof c !== 'number') throw new Error('AveragePool gradient needs a static channel count');
    let scaled: Tensor;
    if (intAttr(n.attrs, 'count_include_pad', 0) === 1 || a.pads.every((p) => p === 0)) scaled = div(g!, k);
    else {
      // Each window averaged over its valid elements only: divide by that count.
      const ones = full(x.shape, 1, x.dtype, x);
      const count = mul(emit('AveragePool', [ones], { ...n.attrs, count_include_pad: 1 }), k);
      scaled = div(g!, count);
    }
    const w = x.graph.constant({ dtype: x.dtype, shape: [c, 1, k], values: new Float32Array(c * k).fill(1) }, 'pool_ones');
    const len = x.shape[2]!;
    const lo = g!.shape[2]!;
    let outputPadding = [0];
    if (typeof len === 'number' && typeof lo === 'number') outputPadding = [len + a.pads[0]! + a.pads[1]! - ((lo - 1) * a.strides[0]! + (k - 1) + 1)];
    else if (a.strides[0] !== 1) throw new Error('AveragePool gradient: stride > 1 over a symbolic length is not supported');
    return [convTranspose(scaled, w, null, { strides: a.strides, pads: a.pads, group: c, outputPadding })];
  },
});

export interface PoolOptions {
  stride?: number;
  pads?: [number, number];
  dilation?: number;
  countIncludePad?: boolean;
}

export function maxPool1d(x: Tensor, kernel: number, o: PoolOptions = {}): Tensor {
  return emitN('MaxPool', [x], { kernel_shape: [kernel], strides: [o.stride ?? kernel], pads: o.pads ?? [0, 0], dilations: [o.dilation ?? 1] })[0]!;
}

export function avgPool1d(x: Tensor, kernel: number, o: PoolOptions = {}): Tensor {
  return emit('AveragePool', [x], { kernel_shape: [kernel], strides: [o.stride ?? kernel], pads: o.pads ?? [0, 0], count_include_pad: o.countIncludePad ? 1 : 0 });
}

// ---- Softmax family ----
defineOp('Softmax', {
  infer: (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }],
  grad: (n, [g]) => {
    const y = n.outputs[0]!;
    const axis = normAxis(intAttr(n.attrs, 'axis', -1), y.rank, 'Softmax');
    return [mul(y, sub(g!, reduceSum(mul(g!, y), [axis], true)))];
  },
});
defineOp('LogSoftmax', {
  infer: (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }],
  grad: (n, [g]) => {
    const y = n.outputs[0]!;
    const axis = normAxis(intAttr(n.attrs, 'axis', -1), y.rank, 'LogSoftmax');
    return [sub(g!, mul(exp(y), reduceSum(g!, [axis], true)))];
  },
});

export const softmax = (x: Tensor, axis = -1): Tensor => emit('Softmax', [x], { axis });
export const logSoftmax = (x: Tensor, axis = -1): Tensor => emit('LogSoftmax', [x], { axis });

// ---- LayerNormalization ----
defineOp('LayerNormalization', {
  infer: (ins, attrs) => {
    const [x, scale, bias] = ins as [Tensor, Tensor, Tensor | null];
    requireFloat('LayerNormalization', x);
    const axis = normAxis(intAttr(attrs, 'axis', -1), x.rank, 'LayerNormalization');
    const norm = x.shape.slice(axis);
    broadcastShapes(norm, scale.shape, 'LayerNormalization scale');
    if (bias) broadcastShapes(norm, bias.shape, 'LayerNormalization bias');
    const stat = x.shape.map((d, i) => (i >= axis ? 1 : d));
    return [{ dtype: x.dtype, shape: x.shape }, { dtype: x.dtype, shape: stat }, { dtype: x.dtype, shape: stat }];
  },
  grad: (n, [g], needs) => {
    const [x, scale, bias] = n.inputs as [Tensor, Tensor, Tensor | null];
    const [, mean, rstd] = n.outputs as [Tensor, Tensor, Tensor];
    const axis = normAxis(intAttr(n.attrs, 'axis', -1), x.rank, 'LayerNormalization');
    const normAxes = range(x.rank - axis, axis);
    const xh = mul(sub(x, mean), rstd);
    let gx: Tensor | null = null;
    if (needs[0]) {
      const h = mul(g!, scale);
      gx = mul(rstd, sub(sub(h, reduceMean(h, normAxes, true)), mul(xh, reduceMean(mul(h, xh), normAxes, true))));
    }
    const gs = needs[1] ? unbroadcast(mul(g!, xh), scale.shape) : null;
    const gb = bias && needs[2] ? unbroadcast(g!, bias.shape) : null;
    return [gx, gs, gb];
  },
});

export function layerNorm(x: Tensor, scale: Tensor, bias: Tensor | null, o: { axis?: number; eps?: number } = {}): Tensor {
  // stash_type = the input's type, so the saved Mean/InvStdDev (used by the gradient) match it.
  return emitN('LayerNormalization', bias ? [x, scale, bias] : [x, scale], { axis: o.axis ?? -1, epsilon: { float: o.eps ?? 1e-5 }, stash_type: DTYPE_TO_ONNX[x.dtype] })[0]!;
}

// ---- Dropout ----
defineOp('Dropout', {
  infer: (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }, { dtype: 'bool', shape: ins[0]!.shape }],
  nondiffInputs: [1, 2],
  grad: (n, [g]) => {
    const ratio = dropoutRatio(n.inputs[1] ?? null);
    const mask = cast(n.outputs[1]!, g!.dtype);
    return [mul(g!, mul(mask, 1 / (1 - ratio))), null, null];
  },
});

/** The ratio of a Dropout node: ONNX's default 0.5 when absent, else a build-time scalar constant. */
function dropoutRatio(ratioT: Tensor | null): number {
  if (!ratioT) return 0.5;
  const known = ratioT.constValue;
  if (!known || known.length !== 1) throw new Error(`Dropout gradient: the ratio ${ratioT} must be a scalar constant (Graph.scalar) so that the gradient's scale is known`);
  return known[0]!;
}

/**
 * Inverted dropout in training mode (ONNX Dropout with a seed). With `training` false it is the
 * identity. ORT draws a new mask on every run from a generator seeded once per session.
 */
export function dropout(x: Tensor, ratio: number, o: { training: boolean; seed?: number }): Tensor {
  if (!o.training || ratio === 0) return x;
  if (!(ratio > 0 && ratio < 1)) throw new Error(`dropout: ratio ${ratio} must be in [0, 1)`);
  const g = x.graph;
  const ratioT = g.scalar(ratio, x.dtype);
  const attrs: Record<string, number> = {};
  if (o.seed !== undefined) attrs.seed = o.seed;
  return emitN('Dropout', [x, ratioT, g.constant({ dtype: 'bool', shape: [], values: [1] }, 'training_mode')], attrs)[0]!;
}
