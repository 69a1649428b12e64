// Shape and indexing ops: Reshape, Transpose, (Un)Squeeze, Concat, Split, Slice, Pad, Expand,
// Gather, GatherElements, scatters, Shape, ConstantOfShape.
import { broadcastShapes, dimAdd, dimDiv, dimEq, dimProduct, normAxis, shapeStr, type Dim, type Shape } from '../dims.js';
import type { DType } from '../dtypes.js';
import type { ConstData, Tensor } from '../graph.js';
import type { OpDef, OpDefs } from '../registry.js';
import { unbroadcast } from './elementwise.js';
import { emit, emitN, intAttr, intsAttr, opDefiner } from './util.js';

const defs: Record<string, OpDef> = {};
const defineOp = opDefiner(defs);
/** The definitions of this module's ops, gathered by the registry. */
export const shapeOps: OpDefs = defs;

// "To the end of the axis" as a Slice bound. Not 2^63 - 1: as a float64 that rounds to 2^63, which
// wraps to INT64_MIN in an int64 tensor (a slice to the *start*). 2^62 is exact and past any axis.
const TO_END = 2 ** 62;
const BIG = TO_END; // a bound at or beyond this means "to the end"

function constInts(op: string, t: Tensor | null | undefined, what: string): number[] {
  if (!t) throw new Error(`${op}: ${what} is required`);
  if (!t.constValue) throw new Error(`${op}: ${what} must be a build-time constant`);
  return t.constValue;
}

/** A 1-D int64 tensor from numbers and int64 [1] tensors (for shapes known only at run time). */
function intsFrom(parts: (number | Tensor)[], like: Tensor): Tensor {
  if (parts.every((p) => typeof p === 'number')) return like.graph.ints(parts as number[]);
  const pieces = parts.map((p) => (typeof p === 'number' ? like.graph.ints([p]) : p));
  return emit('Concat', pieces, { axis: 0 });
}

/** The shape a shape tensor holds: symbolic (made by `Graph.shapeTensor`) or constant. */
function shapeValueOf(t: Tensor): Shape | undefined {
  return t.symbolicValue ?? t.constValue;
}

function dimValue(x: Tensor, d: Dim): number | Tensor {
  return typeof d === 'number' ? d : x.graph.dimTensor(d);
}

// ---- Reshape ----
defineOp('Reshape', {
  infer: (ins) => {
    const [x, s] = ins as [Tensor, Tensor];
    const target = shapeValueOf(s);
    if (!target) throw new Error('target shape must be a constant or a symbolic shape tensor');
    const out: (Dim | undefined)[] = target.map((d, i) => (d === 0 ? x.shape[i] : d === -1 ? undefined : d));
    const unknown = out.filter((d) => d === undefined).length;
    if (unknown > 1) throw new Error('at most one -1 in the target shape');
    const total = dimProduct(x.shape);
    if (unknown === 1) {
      const known = dimProduct(out.filter((d): d is Dim => d !== undefined));
      const rest = dimDiv(total, known);
      if (rest === undefined) throw new Error(`cannot infer -1: ${total} elements do not divide by ${known}`);
      out[out.indexOf(undefined)] = rest;
    } else if (!dimEq(dimProduct(out as Dim[]), total)) {
      throw new Error(`element count ${total} cannot take shape ${shapeStr(out as Dim[])}`);
    }
    return [{ dtype: x.dtype, shape: out as Dim[] }];
  },
  nondiffInputs: [1],
  grad: (n, [g]) => [reshape(g!, n.inputs[0]!.shape), null],
});

export function reshape(x: Tensor, shape: Shape): Tensor {
  if (x.rank === shape.length && x.shape.every((d, i) => dimEq(d, shape[i]!))) return x;
  return emit('Reshape', [x, x.graph.shapeTensor(shape)]);
}

// ---- Transpose ----
defineOp('Transpose', {
  infer: (ins, attrs) => {
    const x = ins[0]!;
    const perm = intsAttr(attrs, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
    if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
      throw new Error(`perm [${perm}] is not a permutation of rank ${x.rank}`);
    }
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
  grad: (n, [g]) => {
    const perm = intsAttr(n.attrs, 'perm')!;
    const inv = perm.map((_, i) => perm.indexOf(i));
    return [transpose(g!, inv)];
  },
});

export function transpose(x: Tensor, perm: number[]): Tensor {
  if (perm.every((p, i) => p === i)) return x;
  return emit('Transpose', [x], { perm });
}

// ---- Unsqueeze / Squeeze ----
defineOp('Unsqueeze', {
  infer: (ins) => {
    const x = ins[0]!;
    const rank = x.rank + constInts('Unsqueeze', ins[1], 'axes').length;
    const axes = constInts('Unsqueeze', ins[1], 'axes').map((a) => normAxis(a, rank, 'Unsqueeze'));
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[j++]!);
    return [{ dtype: x.dtype, shape: out }];
  },
  nondiffInputs: [1],
  grad: (n, [g]) => [reshape(g!, n.inputs[0]!.shape), null],
});

defineOp('Squeeze', {
  infer: (ins) => {
    const x = ins[0]!;
    const axes = ins[1] ? constInts('Squeeze', ins[1], 'axes').map((a) => normAxis(a, x.rank, 'Squeeze')) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of axes) if (x.shape[a] !== 1) throw new Error(`axis ${a} has size ${x.shape[a]}, not 1`);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) }];
  },
  nondiffInputs: [1],
  grad: (n, [g]) => [reshape(g!, n.inputs[0]!.shape), null],
});

export const unsqueeze = (x: Tensor, axes: number[]): Tensor => emit('Unsqueeze', [x, x.graph.ints(axes)]);
export const squeeze = (x: Tensor, axes: number[]): Tensor => emit('Squeeze', [x, x.graph.ints(axes)]);

// ---- Concat / Split ----
defineOp('Concat', {
  infer: (ins, attrs) => {
    const xs = ins as Tensor[];
    const axis = normAxis(intAttr(attrs, 'axis', 0), xs[0]!.rank, 'Concat');
    const out = [...xs[0]!.shape];
    for (const t of xs.slice(1)) {
      if (t.rank !== xs[0]!.rank || t.dtype !== xs[0]!.dtype) throw new Error('inputs differ in rank or dtype');
      t.shape.forEach((d, i) => {
        if (i !== axis && !dimEq(d, out[i]!)) throw new Error(`inputs differ on axis ${i} (${out[i]} vs ${d})`);
      });
      const a = out[axis]!;
      const b = t.shape[axis]!;
      out[axis] = dimAdd(a, b);
    }
    return [{ dtype: xs[0]!.dtype, shape: out }];
  },
  grad: (n, [g], needs) => {
    const xs = n.inputs as Tensor[];
    const axis = normAxis(intAttr(n.attrs, 'axis', 0), xs[0]!.rank, 'Concat');
    let offset: number | Tensor = 0;
    return xs.map((x, i) => {
      const size = dimValue(x, x.shape[axis]!);
      const start = offset;
      const end: number | Tensor = typeof start === 'number' && typeof size === 'number' ? start + size : emit('Add', [toT(x, start), toT(x, size)]);
      offset = end;
      return needs[i] ? sliceDyn(g!, [start], [end], [axis], x.shape) : null;
    });
  },
});

function toT(like: Tensor, v: number | Tensor): Tensor {
  return typeof v === 'number' ? like.graph.ints([v]) : v;
}

export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 1) return xs[0]!;
  return emit('Concat', xs, { axis });
}

defineOp('Split', {
  infer: (ins, attrs) => {
    const x = ins[0]!;
    const axis = normAxis(intAttr(attrs, 'axis', 0), x.rank, 'Split');
    const sizes = constInts('Split', ins[1], 'split');
    const total = sizes.reduce((a, b) => a + b, 0);
    if (typeof x.shape[axis] === 'number' && total !== x.shape[axis]) throw new Error(`sizes [${sizes}] do not add up to ${x.shape[axis]}`);
    return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) }));
  },
  nondiffInputs: [1],
  grad: (n, gOut) => {
    const axis = normAxis(intAttr(n.attrs, 'axis', 0), n.inputs[0]!.rank, 'Split');
    const parts = gOut.map((g, i) => g ?? zeros(n.outputs[i]!.shape, n.outputs[i]!.dtype, n.inputs[0]!));
    return [concat(parts, axis), null];
  },
});

/** Splits along `axis` into pieces of the given (static) sizes. */
export function split(x: Tensor, sizes: number[], axis: number): Tensor[] {
  return emitN('Split', [x, x.graph.ints(sizes)], { axis });
}

/** Splits into `n` equal chunks along `axis` (torch.chunk for divisible sizes). */
export function chunk(x: Tensor, n: number, axis: number): Tensor[] {
  const d = x.shape[normAxis(axis, x.rank, 'chunk')]!;
  if (typeof d !== 'number' || d % n !== 0) throw new Error(`chunk: axis ${axis} of ${x} does not split into ${n} equal static chunks`);
  return split(x, new Array(n).fill(d / n), axis);
}

// ---- Slice ----
interface SliceSpec {
  axis: number;
  start: number;
  end: number;
  step: number;
}

function sliceSpecs(x: Tensor, ins: (Tensor | null)[]): SliceSpec[] {
  const starts = constInts('Slice', ins[1], 'starts');
  const ends = constInts('Slice', ins[2], 'ends');
  const axes = ins[3] ? constInts('Slice', ins[3], 'axes') : starts.map((_, i) => i);
  const steps = ins[4] ? constInts('Slice', ins[4], 'steps') : starts.map(() => 1);
  return axes.map((a, i) => ({ axis: normAxis(a, x.rank, 'Slice'), start: starts[i]!, end: ends[i]!, step: steps[i]! }));
}

/** Output length of one sliced axis; symbolic dims stay symbolic for the simple cases. */
function slicedDim(d: Dim, s: SliceSpec): Dim {
  if (typeof d === 'number') {
    const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    if (s.step > 0) {
      const a = clampIdx(s.start, 0, d);
      const b = clampIdx(s.end, 0, d);
      return Math.max(0, Math.ceil((b - a) / s.step));
    }
    const a = clampIdx(s.start, -1, d - 1);
    const b = s.end <= -BIG ? -1 : clampIdx(s.end, -1, d - 1);
    return Math.max(0, Math.ceil((a - b) / -s.step));
  }
  if (s.step === 1 && s.start >= 0 && s.end >= 0 && s.end < BIG) return s.end - s.start;
  if (s.step === 1 && s.start >= 0) {
    return dimAdd(d, -(s.start + (s.end >= BIG ? 0 : -s.end)));
  }
  if (s.step === -1 && s.start === -1 && s.end <= -BIG) return d;
  throw new Error(`cannot slice symbolic dim ${d} with start ${s.start}, end ${s.end}, step ${s.step}`);
}

defineOp('Slice', {
  infer: (ins) => {
    const x = ins[0]!;
    const shape = [...x.shape];
    for (const s of sliceSpecs(x, ins)) {
      if (s.step === 0) throw new Error('step 0');
      shape[s.axis] = slicedDim(shape[s.axis]!, s);
    }
    return [{ dtype: x.dtype, shape }];
  },
  nondiffInputs: [1, 2, 3, 4],
  grad: (n, [g]) => {
    const x = n.inputs[0]!;
    const specs = sliceSpecs(x, n.inputs);
    if (specs.every((s) => s.step === -1 && s.start === -1 && s.end <= -BIG)) {
      // A full reversal is its own inverse.
      return [slice(g!, specs.map(() => -1), specs.map(() => -TO_END), specs.map((s) => s.axis), specs.map(() => -1)), null, null, null, null];
    }
    const begins: (number | Tensor)[] = x.shape.map(() => 0);
    const endsPad: (number | Tensor)[] = x.shape.map(() => 0);
    for (const s of specs) {
      if (s.step !== 1) throw new Error(`Slice gradient: step ${s.step} is not supported (only 1 or a full reversal)`);
      const d = x.shape[s.axis]!;
      if (typeof d === 'number') {
        const a = Math.min(Math.max(s.start < 0 ? s.start + d : s.start, 0), d);
        const b = Math.min(Math.max(s.end < 0 ? s.end + d : s.end, 0), d);
        begins[s.axis] = a;
        endsPad[s.axis] = d - Math.max(a, b);
      } else {
        if (s.start < 0) throw new Error(`Slice gradient: negative start on symbolic dim ${d}`);
        begins[s.axis] = s.start;
        endsPad[s.axis] = s.end >= BIG ? 0 : s.end < 0 ? -s.end : emit('Sub', [x.graph.dimTensor(d), x.graph.ints([s.end])]);
      }
    }
    return [reshapeIfSymbolic(emit('Pad', [g!, intsFrom([...begins, ...endsPad], x)], { mode: 'constant' }), x.shape), null, null, null, null];
  },
});

/** ONNX Slice with constant starts/ends/axes/steps (negative values count from the end). */
export function slice(x: Tensor, starts: number[], ends: number[], axes?: number[], steps?: number[]): Tensor {
  const g = x.graph;
  return emit('Slice', [x, g.ints(starts), g.ints(ends.map((e) => Math.max(Math.min(e, TO_END), -TO_END))), axes ? g.ints(axes) : null, steps ? g.ints(steps) : null]);
}

/** Slice along one axis: [start, end) (end defaults to the end of the axis). */
export function sliceAxis(x: Tensor, axis: number, start: number, end = TO_END): Tensor {
  return slice(x, [start], [end], [axis]);
}

/** Reverses one axis. */
export function flip(x: Tensor, axis: number): Tensor {
  return slice(x, [-1], [-TO_END], [axis], [-1]);
}

/** Slice whose bounds may be run-time tensors; used by gradient rules. */
function sliceDyn(x: Tensor, starts: (number | Tensor)[], ends: (number | Tensor)[], axes: number[], outShape: Shape): Tensor {
  if (starts.every((s) => typeof s === 'number') && ends.every((e) => typeof e === 'number')) {
    return slice(x, starts as number[], ends as number[], axes);
  }
  const y = emit('DynSlice', [x, intsFrom(starts, x), intsFrom(ends, x), x.graph.ints(axes)], { outShape: JSON.stringify(outShape) });
  return y;
}

// A Slice whose bounds are computed at run time; the output shape is given by the caller.
defineOp('DynSlice', {
  infer: (ins, attrs) => [{ dtype: ins[0]!.dtype, shape: JSON.parse(attrs.outShape as string) as Dim[] }],
  nondiffInputs: [1, 2, 3],
  exportAs: 'Slice',
});

// ---- Pad ----
defineOp('Pad', {
  infer: (ins, attrs) => {
    const x = ins[0]!;
    const mode = (attrs.mode as string | undefined) ?? 'constant';
    const padsT = ins[1]!;
    if (!padsT.constValue) {
      // Run-time pads (gradient of a slice over a symbolic dim): only the symbolic axis is unknown.
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => `?pad${i}(${d})`) }];
    }
    const pads = padsT.constValue;
    if (pads.length !== 2 * x.rank) throw new Error(`pads has ${pads.length} values for rank ${x.rank}`);
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new Error(`mode ${mode}`);
    const shape = x.shape.map((d, i) => {
      const extra = pads[i]! + pads[i + x.rank]!;
      return dimAdd(d, extra);
    });
    return [{ dtype: x.dtype, shape }];
  },
  nondiffInputs: [1, 2],
  grad: (n, [g]) => {
    const mode = (n.attrs.mode as string | undefined) ?? 'constant';
    if (mode !== 'constant') throw new Error(`Pad gradient: mode '${mode}' is not supported`);
    const pads = constInts('Pad', n.inputs[1], 'pads');
    const y = emit('Pad', [g!, n.inputs[0]!.graph.ints(pads.map((p) => -p))], { mode: 'constant' });
    return [reshapeIfSymbolic(y, n.inputs[0]!.shape), null, null];
  },
});

function reshapeIfSymbolic(y: Tensor, shape: Shape): Tensor {
  // Negative pads over symbolic dims give opaque names; restore the operand's shape.
  return shapesEqual(y.shape, shape) ? y : retag(y, shape);
}

/** A no-op node that asserts a shape the inference could not prove (the values are unchanged). */
export function assertShape(y: Tensor, shape: Shape): Tensor {
  if (y.rank !== shape.length) throw new Error(`assertShape: rank ${y.rank} cannot take shape [${shape}]`);
  return shapesEqual(y.shape, shape) ? y : retag(y, shape);
}

function retag(y: Tensor, shape: Shape): Tensor {
  return emit('AssertShape', [y], { shape: JSON.stringify(shape) });
}
defineOp('AssertShape', {
  infer: (ins, attrs) => [{ dtype: ins[0]!.dtype, shape: JSON.parse(attrs.shape as string) as Dim[] }],
  grad: (n, [g]) => [retag(g!, n.inputs[0]!.shape)],
  exportAs: 'Identity',
});

/** Constant-mode pad: `pads` as [begin per axis..., end per axis...] (ONNX layout). */
export function pad(x: Tensor, pads: number[], value = 0): Tensor {
  if (pads.every((p) => p === 0)) return x;
  const g = x.graph;
  return emit('Pad', [x, g.ints(pads), value === 0 ? null : g.scalar(value, x.dtype)], { mode: 'constant' });
}

/** Pads one axis with `before` and `after` constant values. */
export function padAxis(x: Tensor, axis: number, before: number, after: number, value = 0): Tensor {
  const pads = new Array(2 * x.rank).fill(0);
  const a = normAxis(axis, x.rank, 'pad');
  pads[a] = before;
  pads[a + x.rank] = after;
  return pad(x, pads, value);
}

// ---- Expand ----
defineOp('Expand', {
  infer: (ins) => {
    const [x, s] = ins as [Tensor, Tensor];
    const target = shapeValueOf(s);
    if (!target) throw new Error('target shape must be a constant or a symbolic shape tensor');
    return [{ dtype: x.dtype, shape: broadcastShapes(x.shape, target, 'Expand') }];
  },
  nondiffInputs: [1],
  grad: (n, [g]) => [unbroadcast(g!, n.inputs[0]!.shape), null],
});

export function expand(x: Tensor, shape: Shape): Tensor {
  const out = broadcastShapes(x.shape, shape, 'Expand');
  if (out.length === x.rank && out.every((d, i) => dimEq(d, x.shape[i]!))) return x;
  return emit('Expand', [x, x.graph.shapeTensor(shape)]);
}

// ---- Shape queries and constants ----
defineOp('Shape', {
  infer: (ins, attrs) => {
    const r = ins[0]!.rank;
    const start = normAxis(intAttr(attrs, 'start', 0), r + 1, 'Shape');
    const end = attrs.end === undefined ? r : Math.min(intAttr(attrs, 'end', r) < 0 ? intAttr(attrs, 'end', r) + r : intAttr(attrs, 'end', r), r);
    return [{ dtype: 'int64', shape: [Math.max(0, end - start)] }];
  },
});

defineOp('ConstantOfShape', {
  infer: (ins, attrs) => {
    const s = shapeValueOf(ins[0]!);
    if (!s) throw new Error('shape must be a constant or a symbolic shape tensor');
    return [{ dtype: (attrs.value as ConstData | undefined)?.dtype ?? 'float32', shape: s }];
  },
});

/** A tensor of zeros of the given (possibly symbolic) shape; `like` supplies the graph. */
export function zeros(shape: Shape, dtype: DType, like: Tensor): Tensor {
  return full(shape, 0, dtype, like);
}

export function full(shape: Shape, value: number, dtype: DType, like: Tensor): Tensor {
  const values = dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : [value];
  return emit('ConstantOfShape', [like.graph.shapeTensor(shape)], { value: { dtype, shape: [1], values } });
}

// ---- Gather family ----
defineOp('Gather', {
  infer: (ins, attrs) => {
    const [data, idx] = ins as [Tensor, Tensor];
    if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw new Error(`indices must be integers, got ${idx.dtype}`);
    const axis = normAxis(intAttr(attrs, 'axis', 0), data.rank, 'Gather');
    return [{ dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)] }];
  },
  nondiffInputs: [1],
  grad: (n, [g]) => {
    // Scatter-add the incoming rows back (indices must be non-negative).
    const [data, idx] = n.inputs as [Tensor, Tensor];
    const axis = normAxis(intAttr(n.attrs, 'axis', 0), data.rank, 'Gather');
    const k = idx.rank;
    // Move the index axes of g to the front: [idx..., pre..., post...].
    const gPerm = [...Array.from({ length: k }, (_, i) => axis + i), ...Array.from({ length: axis }, (_, i) => i), ...Array.from({ length: data.rank - axis - 1 }, (_, i) => axis + k + i)];
    const gT = transpose(g!, gPerm);
    const dataPerm = [axis, ...Array.from({ length: axis }, (_, i) => i), ...Array.from({ length: data.rank - axis - 1 }, (_, i) => axis + 1 + i)];
    const zero = zeros(dataPerm.map((p) => data.shape[p]!), data.dtype, data);
    const scattered = emit('ScatterND', [zero, unsqueeze(idx.dtype === 'int64' ? idx : emit('Cast', [idx], { to: 7 }), [-1]), gT], { reduction: 'add' });
    const inv = dataPerm.map((_, i) => dataPerm.indexOf(i));
    return [transpose(scattered, inv), null];
  },
});

export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  return emit('Gather', [data, indices], { axis });
}

defineOp('GatherElements', {
  infer: (ins, attrs) => {
    const [data, idx] = ins as [Tensor, Tensor];
    if (idx.rank !== data.rank) throw new Error('indices must have the rank of data');
    normAxis(intAttr(attrs, 'axis', 0), data.rank, 'GatherElements');
    return [{ dtype: data.dtype, shape: idx.shape }];
  },
  nondiffInputs: [1],
  grad: (n, [g]) => {
    const [data, idx] = n.inputs as [Tensor, Tensor];
    const zero = zeros(data.shape, data.dtype, data);
    return [emit('ScatterElements', [zero, idx, g!], { axis: intAttr(n.attrs, 'axis', 0), reduction: 'add' }), null];
  },
});

export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  return emit('GatherElements', [data, indices], { axis });
}

defineOp('ScatterND', { infer: (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }], nondiffInputs: [1] });
defineOp('ScatterElements', { infer: (ins) => [{ dtype: ins[0]!.dtype, shape: ins[0]!.shape }], nondiffInputs: [1] });

/** Returns whether two shapes are provably equal. */
function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEq(d, b[i]!));
}
