// Reductions and cumulative sums.
import { dimProduct, normAxis, type Dim, type Shape } from '../dims.js';
import type { Tensor } from '../graph.js';
import type { OpDef, OpDefs } from '../registry.js';
import { cast, div, equal, mul } from './elementwise.js';
import { expand, reshape } from './shape.js';
import { emit, intAttr, opDefiner } from './util.js';

const defs: Record<string, OpDef> = {};
const defineOp = opDefiner(defs);
/** The definitions of this module's ops, gathered by the registry. */
export const reductionOps: OpDefs = defs;

function reducedShape(shape: Shape, axes: number[], keep: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (axes.includes(i)) {
      if (keep) out.push(1);
    } else out.push(d);
  });
  return out;
}

function axesOf(op: string, x: Tensor, axesT: Tensor | null): number[] {
  if (!axesT) return x.shape.map((_, i) => i);
  if (!axesT.constValue) throw new Error(`${op}: axes must be a constant`);
  return [...new Set(axesT.constValue.map((a) => normAxis(a, x.rank, op)))].sort((a, b) => a - b);
}

const reduceInfer = (op: string): OpDef['infer'] => (ins, attrs) => {
  const x = ins[0]!;
  const axes = axesOf(op, x, ins[1] ?? null);
  return [{ dtype: x.dtype, shape: reducedShape(x.shape, axes, intAttr(attrs, 'keepdims', 1) === 1) }];
};

/** The incoming gradient reshaped to keepdims form and broadcast back to the input's shape. */
function spread(x: Tensor, g: Tensor, axes: number[]): Tensor {
  const kept = reducedShape(x.shape, axes, true);
  const gk = g.rank === kept.length ? g : reshape(g, kept);
  return expand(gk, x.shape);
}

defineOp('ReduceSum', {
  infer: reduceInfer('ReduceSum'),
  nondiffInputs: [1],
  grad: (n, [g]) => {
    const x = n.inputs[0]!;
    return [spread(x, g!, axesOf('ReduceSum', x, n.inputs[1] ?? null)), null];
  },
});

// Sum of squares in one pass (no intermediate x*x tensor): the gradient norm reads every gradient once.
defineOp('ReduceSumSquare', {
  infer: reduceInfer('ReduceSumSquare'),
  nondiffInputs: [1],
  grad: (n, [g]) => {
    const x = n.inputs[0]!;
    return [mul(spread(x, g!, axesOf('ReduceSumSquare', x, n.inputs[1] ?? null)), mul(x, 2)), null];
  },
});

defineOp('ReduceMean', {
  infer: reduceInfer('ReduceMean'),
  nondiffInputs: [1],
  grad: (n, [g]) => {
    const x = n.inputs[0]!;
    const axes = axesOf('ReduceMean', x, n.inputs[1] ?? null);
    const count = dimProduct(axes.map((a) => x.shape[a]!));
    const countT = typeof count === 'number' ? count : cast(x.graph.dimTensor(count), x.dtype);
    return [spread(x, div(g!, countT), axes), null];
  },
});

defineOp('ReduceMax', {
  infer: reduceInfer('ReduceMax'),
  nondiffInputs: [1],
  grad: (n, [g]) => {
    // Ties share the gradient evenly (as torch.amax does).
    const x = n.inputs[0]!;
    const axes = axesOf('ReduceMax', x, n.inputs[1] ?? null);
    const y = n.outputs[0]!;
    const yk = y.rank === x.rank ? y : reshape(y, reducedShape(x.shape, axes, true));
    const hit = cast(equal(x, yk), x.dtype);
    const count = reduceSum(hit, axes, true);
    return [mul(spread(x, g!, axes), div(hit, count)), null];
  },
});

defineOp('ReduceMin', { infer: reduceInfer('ReduceMin'), nondiffInputs: [1] });
defineOp('ReduceProd', { infer: reduceInfer('ReduceProd'), nondiffInputs: [1] });

defineOp('CumSum', {
  infer: (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }],
  nondiffInputs: [1],
  grad: (n, [g]) => [emit('CumSum', [g!, n.inputs[1]!], { exclusive: intAttr(n.attrs, 'exclusive', 0), reverse: 1 - intAttr(n.attrs, 'reverse', 0) }), null],
});

function reduce(op: string, x: Tensor, axes: number[] | undefined, keepdims: boolean): Tensor {
  const g = x.graph;
  const list = axes ?? x.shape.map((_, i) => i);
  if (list.length === 0) return x;
  return emit(op, [x, g.ints(list.map((a) => normAxis(a, x.rank, op)))], { keepdims: keepdims ? 1 : 0 });
}

export const reduceSum = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceSum', x, axes, keepdims);
export const reduceSumSquare = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceSumSquare', x, axes, keepdims);
export const reduceMean = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceMax', x, axes, keepdims);
export const reduceMin = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceMin', x, axes, keepdims);
export const reduceProd = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceProd', x, axes, keepdims);

export function cumsum(x: Tensor, axis: number, opts: { exclusive?: boolean; reverse?: boolean } = {}): Tensor {
  return emit('CumSum', [x, x.graph.constant({ dtype: 'int64', shape: [], values: BigInt64Array.of(BigInt(normAxis(axis, x.rank, 'CumSum'))) })], {
    exclusive: opts.exclusive ? 1 : 0,
    reverse: opts.reverse ? 1 : 0,
  });
}

