// The graph builder: typed tensors with (possibly symbolic) shapes, nodes, inputs, parameters and
// constants. `Graph.addNode` looks each op's shape inference up in `registry.ts`, which gathers
// the op definitions of the modules in `ops/`; their builder functions create nodes through it.
import { allStatic, canonicalDim, dimTerms, type Dim, type Shape, shapeStr } from './dims.js';
import type { DType } from './dtypes.js';
import { getOp } from './registry.js';

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | ConstData;

export interface ConstData {
  dtype: DType;
  shape: number[];
  values: ArrayLike<number> | BigInt64Array;
}

/** Constants of at most this many elements keep their values on the tensor (`Tensor.constValue`). */
const KNOWN_VALUE_LIMIT = 4096;

export class Tensor {
  /**
   * The values of a small constant (any dtype; int64 as numbers), set by `Graph.constant`: shape
   * inference reads axes, pads and shapes from it, gradient rules read scalar hyper-parameters.
   */
  constValue?: number[];
  /** The shape held by a shape tensor made by `Graph.shapeTensor` (symbolic dims included). */
  symbolicValue?: Shape;
  /** Set on graph inputs and parameters. */
  kind: 'input' | 'param' | 'const' | 'node' = 'node';
  /** The node that produced this tensor (undefined for inputs, params, consts). */
  producer?: Node;

  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}:${this.dtype}${shapeStr(this.shape)}`;
  }
}

export interface Node {
  id: number;
  op: string;
  domain: string;
  inputs: (Tensor | null)[];
  outputs: Tensor[];
  attrs: Record<string, AttrValue>;
}

/** How a parameter is initialised when no stored value exists (PyTorch's conventions). */
export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number };

export interface ParamInfo {
  name: string;
  tensor: Tensor;
  shape: number[];
  init: Init;
}

export interface ConstInfo {
  tensor: Tensor;
  data: ConstData;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params = new Map<string, ParamInfo>();
  readonly consts: ConstInfo[] = [];
  readonly outputs = new Map<string, Tensor>();
  private readonly names = new Set<string>();
  private counter = 0;
  /** Where each symbolic dim can be read at run time: an input and an axis. */
  private readonly symbolSources = new Map<string, { tensor: Tensor; axis: number }>();
  private readonly cache = new Map<string, Tensor>();

  constructor(readonly name = 'prodiff') {}

  uniqueName(base: string): string {
    let n = base;
    while (this.names.has(n)) n = `${base}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  /** A graph input; string dims are symbolic (e.g. 'B', 'T'). */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.names.has(name)) throw new Error(`graph input '${name}': name already used`);
    this.names.add(name);
    const t = new Tensor(this, name, dtype, shape);
    t.kind = 'input';
    this.inputs.push(t);
    shape.forEach((d, axis) => {
      const terms = typeof d === 'string' ? dimTerms(d) : [];
      if (terms.length === 1 && terms[0]!.coeff === 1 && terms[0]!.symbols.length === 1 && !this.symbolSources.has(d as string)) {
        this.symbolSources.set(d as string, { tensor: t, axis });
      }
    });
    return t;
  }

  /** A named parameter (float32). How it is bound (initializer or input) is decided at export. */
  param(name: string, shape: number[], init: Init = { kind: 'zeros' }): Tensor {
    const existing = this.params.get(name);
    if (existing) {
      if (shapeStr(existing.shape) !== shapeStr(shape)) {
        throw new Error(`parameter '${name}' declared twice with shapes ${shapeStr(existing.shape)} and ${shapeStr(shape)}`);
      }
      return existing.tensor;
    }
    if (this.names.has(name)) throw new Error(`parameter '${name}': name already used`);
    this.names.add(name);
    const t = new Tensor(this, name, 'float32', shape);
    t.kind = 'param';
    this.params.set(name, { name, tensor: t, shape, init });
    return t;
  }

  /** A constant tensor (stored as an initializer). Small constants are deduplicated. */
  constant(data: ConstData, nameHint = 'const'): Tensor {
    const small = data.values.length <= 16;
    const key = small ? `${data.dtype}|${data.shape}|${Array.from(data.values as ArrayLike<number>, String).join(',')}` : '';
    if (small) {
      const hit = this.cache.get(`const:${key}`);
      if (hit) return hit;
    }
    const t = new Tensor(this, this.uniqueName(nameHint), data.dtype, data.shape);
    t.kind = 'const';
    if (data.values.length <= KNOWN_VALUE_LIMIT) t.constValue = Array.from(data.values as ArrayLike<number | bigint>, Number);
    this.consts.push({ tensor: t, data });
    if (small) this.cache.set(`const:${key}`, t);
    return t;
  }

  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.constant({ dtype, shape: [], values: dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : [value] }, 'scalar');
  }

  ints(values: number[]): Tensor {
    return this.constant({ dtype: 'int64', shape: [values.length], values: BigInt64Array.from(values.map(BigInt)) }, 'ints');
  }

  /** Creates a node; shape and dtype inference (from the registry) names the op on failure. */
  addNode(op: string, inputs: (Tensor | null)[], attrs: Record<string, AttrValue> = {}, domain = ''): Tensor[] {
    for (const t of inputs) {
      if (t && t.graph !== this) throw new Error(`${op}: input ${t.name} belongs to another graph`);
    }
    const def = getOp(op);
    let types: { dtype: DType; shape: Shape }[];
    try {
      types = def.infer(inputs, attrs);
    } catch (e) {
      const sig = inputs.map((t) => (t ? t.toString() : 'none')).join(', ');
      throw new Error(`${op}(${sig}): ${(e as Error).message}`);
    }
    const node: Node = { id: this.nodes.length, op, domain, inputs, outputs: [], attrs };
    node.outputs = types.map((ty, i) => {
      const t = new Tensor(this, this.uniqueName(`${op}_${this.nodes.length}${types.length > 1 ? `_${i}` : ''}`), ty.dtype, ty.shape);
      t.producer = node;
      return t;
    });
    this.nodes.push(node);
    return node.outputs;
  }

  output(name: string, t: Tensor): void {
    if (this.outputs.has(name)) throw new Error(`graph output '${name}' declared twice`);
    this.outputs.set(name, t);
  }

  /** An int64 [1] tensor holding the run-time value of a symbolic dim. */
  dimTensor(d: Dim): Tensor {
    if (typeof d === 'number') return this.ints([d]);
    const key = `dim:${canonicalDim(d)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let acc: Tensor | undefined;
    let constant = 0;
    for (const { coeff, symbols } of dimTerms(d)) {
      if (symbols.length === 0) {
        constant += coeff;
        continue;
      }
      let term: Tensor | undefined;
      for (const s of symbols) {
        const src = this.symbolSources.get(s);
        if (!src) throw new Error(`symbolic dim '${s}' (in '${d}') has no graph input to read it from`);
        const [v] = this.addNode('Shape', [src.tensor], { start: src.axis, end: src.axis + 1 });
        term = term ? this.addNode('Mul', [term, v!])[0]! : v!;
      }
      if (coeff !== 1) term = this.addNode('Mul', [term!, this.ints([coeff])])[0]!;
      acc = acc ? this.addNode('Add', [acc, term!])[0]! : term!;
    }
    if (constant !== 0) acc = acc ? this.addNode('Add', [acc, this.ints([constant])])[0]! : this.ints([constant]);
    this.cache.set(key, acc!);
    return acc!;
  }

  /** An int64 [rank] tensor holding a (possibly symbolic) shape at run time. */
  shapeTensor(shape: Shape): Tensor {
    if (allStatic(shape)) return this.ints([...shape]);
    const key = `shape:${shape.join(',')}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const parts = shape.map((d) => this.dimTensor(d));
    const [t] = this.addNode('Concat', parts, { axis: 0 });
    // Remember the symbolic value so that Reshape/Expand can infer their output shapes.
    t!.symbolicValue = shape;
    this.cache.set(key, t!);
    return t!;
  }
}
