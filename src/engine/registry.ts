// The op set: for each op type, its shape/dtype inference, its reverse-mode rule and, for the
// engine's pseudo-ops, the ONNX op it is written as. Each module in ops/ exports the definitions of
// its ops; this module gathers them into one table, which `Graph.addNode` reads.
import type { Shape } from './dims.js';
import type { DType } from './dtypes.js';
import type { AttrValue, Node, Tensor } from './graph.js';
import { elementwiseOps } from './ops/elementwise.js';
import { nnOps } from './ops/nn.js';
import { reductionOps } from './ops/reduce.js';
import { shapeOps } from './ops/shape.js';

export interface OutputType {
  dtype: DType;
  shape: Shape;
}

/**
 * A gradient rule: given the node, the gradients flowing into its outputs (null where none) and
 * which inputs need a gradient, returns one gradient per input (null where none).
 */
export type GradRule = (node: Node, gOut: (Tensor | null)[], needs: boolean[]) => (Tensor | null)[];

export interface OpDef {
  infer(inputs: (Tensor | null)[], attrs: Record<string, AttrValue>): OutputType[];
  /** The reverse-mode rule. Ops without one may not sit on a differentiated path unless `zeroGrad`. */
  grad?: GradRule;
  /** The op's derivative is zero almost everywhere (Floor, Round, Sign) or deliberately cut (StopGradient). */
  zeroGrad?: boolean;
  /** Inputs that never carry a gradient (indices, shapes, axes, conditions). */
  nondiffInputs?: number[];
  /**
   * Set on pseudo-ops, which exist for autodiff and shape inference only: the standard ONNX op
   * written in their place. Their attributes are not written (ONNX would not know them).
   */
  exportAs?: string;
}

/** The definitions of a group of ops, by op type. */
export type OpDefs = Readonly<Record<string, OpDef>>;

function mergeOpDefs(groups: OpDefs[]): Map<string, OpDef> {
  const all = new Map<string, OpDef>();
  for (const group of groups) {
    for (const [type, def] of Object.entries(group)) {
      if (all.has(type)) throw new Error(`op ${type} defined twice`);
      all.set(type, def);
    }
  }
  return all;
}

const ops = mergeOpDefs([elementwiseOps, reductionOps, shapeOps, nnOps]);

export function getOp(type: string): OpDef {
  const def = ops.get(type);
  if (!def) throw new Error(`op ${type} is not in the engine's op set`);
  return def;
}

export function registeredOps(): string[] {
  return [...ops.keys()].sort();
}
