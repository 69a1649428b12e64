import type { DType } from '../dtypes.js';
import type { AttrValue, Graph, Tensor } from '../graph.js';
import type { OpDef } from '../registry.js';

/** A tensor or a plain number (lifted to a scalar constant of the partner tensor's dtype). */
export type TLike = Tensor | number;

export function graphOf(...xs: (TLike | null | undefined)[]): Graph {
  for (const x of xs) if (x && typeof x === 'object') return x.graph;
  throw new Error('at least one operand must be a tensor');
}

export function lift(x: TLike, like: Tensor): Tensor {
  if (typeof x !== 'number') return x;
  return like.graph.scalar(x, like.dtype);
}

/** Emits one node and returns its single output. */
export function emit(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}): Tensor {
  const g = graphOf(...inputs);
  return g.addNode(op, inputs, attrs)[0]!;
}

export function emitN(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}): Tensor[] {
  return graphOf(...inputs).addNode(op, inputs, attrs);
}

export function sameDType(op: string, ...ts: (Tensor | null | undefined)[]): DType {
  const present = ts.filter((t): t is Tensor => t != null);
  const d = present[0]!.dtype;
  for (const t of present) {
    if (t.dtype !== d) throw new Error(`${op}: dtype mismatch (${present.map((x) => x.dtype).join(' vs ')})`);
  }
  return d;
}

export function requireFloat(op: string, t: Tensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new Error(`${op}: needs a float tensor, got ${t.dtype}`);
}

export function intAttr(attrs: Record<string, AttrValue>, name: string, def: number): number {
  const v = attrs[name];
  return typeof v === 'number' ? v : def;
}

export function intsAttr(attrs: Record<string, AttrValue>, name: string): number[] | undefined {
  const v = attrs[name];
  return Array.isArray(v) ? v : undefined;
}

export function floatAttr(attrs: Record<string, AttrValue>, name: string, def: number): number {
  const v = attrs[name];
  if (v && typeof v === 'object' && 'float' in v) return v.float;
  return def;
}

/**
 * A function that adds op definitions to `defs` (the record an ops module exports for the
 * registry); defining a type twice is an error.
 */
export function opDefiner(defs: Record<string, OpDef>): (type: string, def: OpDef) => void {
  return (type, def) => {
    if (Object.hasOwn(defs, type)) throw new Error(`op ${type} defined twice`);
    defs[type] = def;
  };
}
