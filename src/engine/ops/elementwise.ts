// Element-wise ops (numpy broadcasting) and their gradient rules.
import { broadcastReduceAxes, broadcastShapes, dimEq, type Shape } from '../dims.js';
import { DTYPE_TO_ONNX, ONNX_TO_DTYPE, type DType } from '../dtypes.js';
import type { Tensor } from '../graph.js';
import type { OpDef, OpDefs } from '../registry.js';
import { reduceSum } from './reduce.js';
import { reshape } from './shape.js';
import { emit, floatAttr, graphOf, lift, opDefiner, requireFloat, sameDType, type TLike } from './util.js';

const defs: Record<string, OpDef> = {};
const defineOp = opDefiner(defs);
/** The definitions of this module's ops, gathered by the registry. */
export const elementwiseOps: OpDefs = defs;

/** Sums a broadcast gradient back to `shape` (the shape of the operand it belongs to). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  const axes = broadcastReduceAxes(shape, g.shape);
  if (axes.length === 0) return g;
  const summed = reduceSum(g, axes, true);
  if (summed.rank === shape.length) return summed;
  return reshape(summed, shape);
}

// ---- inference helpers ----
const sameAsInput: OpDef['infer'] = (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }];

function binaryInfer(op: string, outDType?: DType): OpDef['infer'] {
  return (ins) => {
    const d = sameDType(op, ins[0]!, ins[1]!);
    return [{ dtype: outDType ?? d, shape: broadcastShapes(ins[0]!.shape, ins[1]!.shape, op) }];
  };
}

function floatUnary(op: string): OpDef['infer'] {
  return (ins) => {
    requireFloat(op, ins[0]!);
    return sameAsInput(ins, {});
  };
}

// ---- binary arithmetic ----
defineOp('Add', {
  infer: binaryInfer('Add'),
  grad: (n, [g], needs) => [needs[0] ? unbroadcast(g!, n.inputs[0]!.shape) : null, needs[1] ? unbroadcast(g!, n.inputs[1]!.shape) : null],
});
defineOp('Sub', {
  infer: binaryInfer('Sub'),
  grad: (n, [g], needs) => [needs[0] ? unbroadcast(g!, n.inputs[0]!.shape) : null, needs[1] ? unbroadcast(neg(g!), n.inputs[1]!.shape) : null],
});
defineOp('Mul', {
  infer: binaryInfer('Mul'),
  grad: (n, [g], needs) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    return [needs[0] ? unbroadcast(mul(g!, b), a.shape) : null, needs[1] ? unbroadcast(mul(g!, a), b.shape) : null];
  },
});
defineOp('Div', {
  infer: binaryInfer('Div'),
  grad: (n, [g], needs) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    const y = n.outputs[0]!;
    return [needs[0] ? unbroadcast(div(g!, b), a.shape) : null, needs[1] ? unbroadcast(neg(div(mul(g!, y), b)), b.shape) : null];
  },
});
defineOp('Pow', {
  infer: (ins) => [{ dtype: ins[0]!.dtype, shape: broadcastShapes(ins[0]!.shape, ins[1]!.shape, 'Pow') }],
  grad: (n, [g], needs) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    const y = n.outputs[0]!;
    const ga = needs[0] ? unbroadcast(mul(g!, mul(b, pow(a, sub(b, 1)))), a.shape) : null;
    const gb = needs[1] ? unbroadcast(mul(g!, mul(y, log(a))), b.shape) : null;
    return [ga, gb];
  },
});

function minMaxGrad(isMax: boolean): OpDef['grad'] {
  // Ties split the gradient evenly, as PyTorch's maximum/minimum do.
  return (n, [g], needs) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    const aWins = isMax ? greater(a, b) : less(a, b);
    const tie = equal(a, b);
    const half = mul(g!, 0.5);
    const zero = lift(0, g!);
    const ga = needs[0] ? unbroadcast(where(aWins, g!, where(tie, half, zero)), a.shape) : null;
    const gb = needs[1] ? unbroadcast(where(aWins, zero, where(tie, half, g!)), b.shape) : null;
    return [ga, gb];
  };
}
defineOp('Max', { infer: binaryInfer('Max'), grad: minMaxGrad(true) });
defineOp('Min', { infer: binaryInfer('Min'), grad: minMaxGrad(false) });

// ---- comparisons and logic (no gradient) ----
for (const op of ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual']) defineOp(op, { infer: binaryInfer(op, 'bool') });
for (const op of ['And', 'Or', 'Xor']) {
  defineOp(op, {
    infer: (ins) => {
      if (ins[0]!.dtype !== 'bool' || ins[1]!.dtype !== 'bool') throw new Error('operands must be bool');
      return binaryInfer(op)(ins, {});
    },
  });
}
defineOp('Not', {
  infer: (ins) => {
    if (ins[0]!.dtype !== 'bool') throw new Error('operand must be bool');
    return sameAsInput(ins, {});
  },
});

defineOp('Where', {
  infer: (ins) => {
    const [c, a, b] = ins as [Tensor, Tensor, Tensor];
    if (c.dtype !== 'bool') throw new Error(`condition must be bool, got ${c.dtype}`);
    const d = sameDType('Where', a, b);
    return [{ dtype: d, shape: broadcastShapes(broadcastShapes(c.shape, a.shape, 'Where'), b.shape, 'Where') }];
  },
  nondiffInputs: [0],
  grad: (n, [g], needs) => {
    const [c, a, b] = n.inputs as [Tensor, Tensor, Tensor];
    const zero = lift(0, g!);
    return [null, needs[1] ? unbroadcast(where(c, g!, zero), a.shape) : null, needs[2] ? unbroadcast(where(c, zero, g!), b.shape) : null];
  },
});

// ---- unary ----
function unary(op: string, grad?: OpDef['grad'], floatOnly = true): void {
  defineOp(op, { infer: floatOnly ? floatUnary(op) : sameAsInput, ...(grad ? { grad } : { zeroGrad: true }) });
}
const x0 = (n: { inputs: (Tensor | null)[] }) => n.inputs[0]!;
const y0 = (n: { outputs: Tensor[] }) => n.outputs[0]!;

unary('Neg', (_n, [g]) => [neg(g!)], false);
unary('Identity', (_n, [g]) => [g], false);
unary('Sqrt', (n, [g]) => [div(mul(g!, 0.5), y0(n))]);
unary('Exp', (n, [g]) => [mul(g!, y0(n))]);
unary('Log', (n, [g]) => [div(g!, x0(n))]);
unary('Reciprocal', (n, [g]) => [neg(mul(g!, mul(y0(n), y0(n))))]);
unary('Abs', (n, [g]) => [mul(g!, sign(x0(n)))], false);
unary('Sign', undefined, false);
unary('Floor');
unary('Ceil');
unary('Round');
unary('Erf', (n, [g]) => {
  const x = x0(n);
  return [mul(g!, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
});
unary('Sin', (n, [g]) => [mul(g!, cos(x0(n)))]);
unary('Cos', (n, [g]) => [neg(mul(g!, sin(x0(n))))]);
unary('Tanh', (n, [g]) => {
  const y = y0(n);
  return [mul(g!, sub(1, mul(y, y)))];
});
unary('Sigmoid', (n, [g]) => {
  const y = y0(n);
  return [mul(g!, mul(y, sub(1, y)))];
});
unary('Relu', (n, [g]) => [where(greater(x0(n), 0), g!, lift(0, g!))]);
unary('Softplus', (n, [g]) => [mul(g!, sigmoid(x0(n)))]);
unary('Mish', (n, [g]) => {
  // d/dx x*tanh(softplus(x)) = t + x*sigmoid(x)*(1 - t^2), t = tanh(softplus(x))
  const x = x0(n);
  const t = tanh(softplus(x));
  return [mul(g!, add(t, mul(mul(x, sigmoid(x)), sub(1, mul(t, t)))))];
});
defineOp('LeakyRelu', {
  infer: floatUnary('LeakyRelu'),
  grad: (n, [g]) => [where(greater(x0(n), 0), g!, mul(g!, floatAttr(n.attrs, 'alpha', 0.01)))],
});

defineOp('Clip', {
  infer: (ins) => {
    for (const b of ins.slice(1)) if (b && b.rank !== 0) throw new Error('min and max must be scalars');
    return [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }];
  },
  grad: (n, [g], needs) => {
    // PyTorch's clamp passes the gradient where min <= x <= max.
    const [x, lo, hi] = n.inputs;
    let pass: Tensor | null = null;
    if (lo) pass = greaterOrEqual(x!, lo);
    if (hi) pass = pass ? and(pass, lessOrEqual(x!, hi)) : lessOrEqual(x!, hi);
    return [needs[0] ? (pass ? where(pass, g!, lift(0, g!)) : g) : null, null, null];
  },
  nondiffInputs: [1, 2],
});

defineOp('Cast', {
  infer: (ins, attrs) => [{ dtype: ONNX_TO_DTYPE[attrs.to as number]!, shape: ins[0]!.shape }],
  grad: (n, [g]) => {
    const x = x0(n);
    return [x.dtype === 'float32' || x.dtype === 'float64' ? cast(g!, x.dtype) : null];
  },
});

// Autodiff-only pseudo ops: identities in the forward pass.
defineOp('StopGradient', { infer: sameAsInput, zeroGrad: true, exportAs: 'Identity' });
defineOp('ScaleGradient', {
  infer: sameAsInput,
  grad: (n, [g]) => [mul(g!, floatAttr(n.attrs, 'scale', 1))],
  exportAs: 'Identity',
});

// ---- builder functions ----
function bin(op: string, a: TLike, b: TLike): Tensor {
  const g = graphOf(a, b);
  const ta = typeof a === 'number' ? g.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === 'number' ? g.scalar(b, ta.dtype) : b;
  return emit(op, [ta, tb]);
}

export const add = (a: TLike, b: TLike): Tensor => bin('Add', a, b);
export const sub = (a: TLike, b: TLike): Tensor => bin('Sub', a, b);
export const mul = (a: TLike, b: TLike): Tensor => bin('Mul', a, b);
export const div = (a: TLike, b: TLike): Tensor => bin('Div', a, b);
export const pow = (a: TLike, b: TLike): Tensor => bin('Pow', a, b);
export const maximum = (a: TLike, b: TLike): Tensor => bin('Max', a, b);
export const minimum = (a: TLike, b: TLike): Tensor => bin('Min', a, b);
export const equal = (a: TLike, b: TLike): Tensor => bin('Equal', a, b);
export const less = (a: TLike, b: TLike): Tensor => bin('Less', a, b);
export const greater = (a: TLike, b: TLike): Tensor => bin('Greater', a, b);
export const lessOrEqual = (a: TLike, b: TLike): Tensor => bin('LessOrEqual', a, b);
export const greaterOrEqual = (a: TLike, b: TLike): Tensor => bin('GreaterOrEqual', a, b);
export const and = (a: Tensor, b: Tensor): Tensor => emit('And', [a, b]);
export const or = (a: Tensor, b: Tensor): Tensor => emit('Or', [a, b]);
export const not = (a: Tensor): Tensor => emit('Not', [a]);

export function where(cond: Tensor, a: TLike, b: TLike): Tensor {
  const like = typeof a !== 'number' ? a : typeof b !== 'number' ? b : undefined;
  if (!like) throw new Error('where: at least one branch must be a tensor');
  return emit('Where', [cond, lift(a, like), lift(b, like)]);
}

export const neg = (x: Tensor): Tensor => emit('Neg', [x]);
export const identity = (x: Tensor): Tensor => emit('Identity', [x]);
export const sqrt = (x: Tensor): Tensor => emit('Sqrt', [x]);
export const exp = (x: Tensor): Tensor => emit('Exp', [x]);
export const log = (x: Tensor): Tensor => emit('Log', [x]);
export const reciprocal = (x: Tensor): Tensor => emit('Reciprocal', [x]);
export const abs = (x: Tensor): Tensor => emit('Abs', [x]);
export const sign = (x: Tensor): Tensor => emit('Sign', [x]);
export const floor = (x: Tensor): Tensor => emit('Floor', [x]);
export const ceil = (x: Tensor): Tensor => emit('Ceil', [x]);
/** Rounds half to even, like torch.round. */
export const round = (x: Tensor): Tensor => emit('Round', [x]);
export const erf = (x: Tensor): Tensor => emit('Erf', [x]);
export const sin = (x: Tensor): Tensor => emit('Sin', [x]);
export const cos = (x: Tensor): Tensor => emit('Cos', [x]);
export const tanh = (x: Tensor): Tensor => emit('Tanh', [x]);
export const sigmoid = (x: Tensor): Tensor => emit('Sigmoid', [x]);
export const relu = (x: Tensor): Tensor => emit('Relu', [x]);
export const softplus = (x: Tensor): Tensor => emit('Softplus', [x]);
export const mish = (x: Tensor): Tensor => emit('Mish', [x]);
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => emit('LeakyRelu', [x], { alpha: { float: alpha } });
/**
 * Exact (erf) GELU: x (1 + erf(x / sqrt 2)) / 2; autodiff differentiates the composition. Written
 * as Div -> Erf -> Add -> Mul -> Mul(0.5), the pattern ONNX Runtime fuses into one Gelu kernel.
 */
export const gelu = (x: Tensor): Tensor => mul(mul(x, add(erf(div(x, Math.SQRT2)), 1)), 0.5);
export const square = (x: Tensor): Tensor => mul(x, x);

export function clip(x: Tensor, min?: number, max?: number): Tensor {
  const g = x.graph;
  return emit('Clip', [x, min === undefined ? null : g.scalar(min, x.dtype), max === undefined ? null : g.scalar(max, x.dtype)]);
}

export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  return emit('Cast', [x], { to: DTYPE_TO_ONNX[to] });
}

/** Identity in the forward pass; no gradient flows back through it (torch's detach). */
export const stopGradient = (x: Tensor): Tensor => emit('StopGradient', [x]);
/** Identity in the forward pass; the gradient is multiplied by `scale` (x.detach() + s*(x - x.detach())). */
export const scaleGradient = (x: Tensor, scale: number): Tensor => emit('ScaleGradient', [x], { scale: { float: scale } });

export function sameShape(a: Tensor, b: Tensor): boolean {
  return a.rank === b.rank && a.shape.every((d, i) => dimEq(d, b.shape[i]!));
}

defineOp('Sum', {
  infer: (ins) => {
    const d = sameDType('Sum', ...ins);
    return [{ dtype: d, shape: ins.slice(1).reduce<Shape>((s, t) => broadcastShapes(s, t!.shape, 'Sum'), ins[0]!.shape) }];
  },
  grad: (n, [g], needs) => n.inputs.map((t, i) => (needs[i] ? unbroadcast(g!, t!.shape) : null)),
});

/** Adds any number of tensors (ONNX Sum). */
export function sum(xs: Tensor[]): Tensor {
  return xs.length === 1 ? xs[0]! : emit('Sum', xs);
}
