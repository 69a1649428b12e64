// The op registry: for each ONNX op type, its shape/dtype inference and its reverse-mode rule.
import type { Shape } from './dims.js';
import type { DType } from './dtypes.js';
import type { AttrValue, Node, Tensor } from './graph.js';

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

const ops = new Map<string, OpDef>();

export function defineOp(type: string, def: OpDef): void {
  if (ops.has(type)) throw new Error(`op ${type} defined twice`);
  ops.set(type, def);
}

export function getOp(type: string): OpDef {
  const def = ops.get(type);
  if (!def) throw new Error(`op ${type} is not in the engine's op set`);
  return def;
}

export function registeredOps(): string[] {
  return [...ops.keys()].sort();
}
