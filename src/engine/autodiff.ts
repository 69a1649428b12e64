// Reverse-mode automatic differentiation at graph-build time: appends the gradient subgraph of a
// scalar loss to the same graph. One rule per op (registry); this walker does the rest: path
// pruning, accumulation of fan-out (and of tied parameters), and shape checks.
import { dimEq, shapeStr } from './dims.js';
import { isFloat } from './dtypes.js';
import type { Graph, Node, Tensor } from './graph.js';
import { getOp } from './registry.js';
import { emit } from './ops/util.js';

export interface GradientOptions {
  /** dL/dloss; defaults to the constant 1 (the loss must then be a scalar). */
  seed?: Tensor;
}

function differentiableInput(node: Node, i: number): boolean {
  const t = node.inputs[i];
  if (!t || !isFloat(t.dtype)) return false;
  const def = getOp(node.op);
  return !(def.nondiffInputs ?? []).includes(i) && !def.zeroGrad;
}

/** Gradients of `loss` with respect to each tensor in `wrt` (null where the loss does not depend on it). */
export function gradients(loss: Tensor, wrt: Tensor[], opts: GradientOptions = {}): (Tensor | null)[] {
  const graph: Graph = loss.graph;
  if (!isFloat(loss.dtype)) throw new Error(`gradients: loss ${loss} is not a float tensor`);
  if (!opts.seed && loss.rank !== 0) throw new Error(`gradients: loss ${loss} must be a scalar (shape []) or a seed must be given`);
  const nodes = graph.nodes.slice();

  const depends = new Set<Tensor>(wrt);
  for (const node of nodes) {
    if (node.inputs.some((t, i) => t && depends.has(t) && differentiableInput(node, i))) {
      for (const o of node.outputs) if (isFloat(o.dtype)) depends.add(o);
    }
  }
  const reaches = new Set<Tensor>([loss]);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    if (node.outputs.some((o) => reaches.has(o))) for (const t of node.inputs) if (t) reaches.add(t);
  }

  const contributions = new Map<Tensor, Tensor[]>();
  const push = (t: Tensor, g: Tensor) => {
    const list = contributions.get(t);
    if (list) list.push(g);
    else contributions.set(t, [g]);
  };
  const total = (t: Tensor): Tensor | null => {
    const list = contributions.get(t);
    if (!list || list.length === 0) return null;
    const sum = list.length === 1 ? list[0]! : emit('Sum', list);
    contributions.set(t, [sum]);
    return sum;
  };
  push(loss, opts.seed ?? graph.scalar(1, loss.dtype));

  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    if (!node.outputs.some((o) => reaches.has(o) && depends.has(o))) continue;
    const needs = node.inputs.map((t, i) => !!t && depends.has(t) && differentiableInput(node, i));
    if (!needs.some(Boolean)) continue;
    const gOut = node.outputs.map((o) => total(o));
    if (gOut.every((g) => g === null)) continue;
    const def = getOp(node.op);
    if (!def.grad) {
      throw new Error(`gradients: op ${node.op} (producing ${node.outputs.map(String).join(', ')}) has no gradient rule but lies between the parameters and the loss`);
    }
    const gIn = def.grad(node, gOut, needs);
    node.inputs.forEach((t, i) => {
      const g = gIn[i];
      if (!t || !needs[i] || !g) return;
      if (g.rank !== t.rank || !g.shape.every((d, j) => dimEq(d, t.shape[j]!))) {
        throw new Error(`gradients: rule of ${node.op} gave shape ${shapeStr(g.shape)} for input ${t} (internal error)`);
      }
      push(t, g);
    });
  }
  return wrt.map((t) => total(t));
}
