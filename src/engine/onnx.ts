// Serialises a Graph to an ONNX ModelProto (opset 18).
import type { Dim, Shape } from './dims.js';
import { DTYPE_BYTES, DTYPE_TO_ONNX, type DType } from './dtypes.js';
import type { AttrValue, ConstData, Graph, Node, Tensor } from './graph.js';
import { AttrType, ModelProto } from './onnx-proto.js';
import { getOp } from './registry.js';

export const OPSET = 18;
const IR_VERSION = 8;

export type ParamBinding = 'input' | 'initializer';

export interface ExportOptions {
  /** Graph outputs to keep (default: all); nodes not needed for them are dropped. */
  outputs?: string[];
  /** How each parameter is bound; default 'initializer'. */
  params?: ParamBinding | ((name: string) => ParamBinding);
  /** Values of parameters bound as initializers. */
  values?: (name: string) => Float32Array;
  docString?: string;
}

function tensorProto(name: string, data: ConstData): Record<string, unknown> {
  const n = data.shape.reduce((a, b) => a * b, 1);
  let raw: Uint8Array;
  const v = data.values;
  switch (data.dtype) {
    case 'float32': raw = bytesOf(v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>)); break;
    case 'float64': raw = bytesOf(v instanceof Float64Array ? v : Float64Array.from(v as ArrayLike<number>)); break;
    case 'int64': raw = bytesOf(v instanceof BigInt64Array ? v : BigInt64Array.from(Array.from(v as ArrayLike<number>, (x) => BigInt(x)))); break;
    case 'int32': raw = bytesOf(Int32Array.from(v as ArrayLike<number>)); break;
    case 'bool': case 'uint8': raw = Uint8Array.from(v as ArrayLike<number>); break;
  }
  const expectBytes = n * DTYPE_BYTES[data.dtype];
  if (raw.byteLength !== expectBytes) throw new Error(`constant ${name}: ${raw.byteLength} bytes for shape [${data.shape}] ${data.dtype}`);
  return { name, dims: data.shape, dataType: DTYPE_TO_ONNX[data.dtype], rawData: raw };
}

function bytesOf(a: Float32Array | Float64Array | BigInt64Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function dimProto(d: Dim): Record<string, unknown> {
  if (typeof d === 'number') return { dimValue: d };
  // Only plain identifiers become dim_params; derived dims (T-2, B*T) are left unnamed.
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(d) ? { dimParam: d } : {};
}

function valueInfo(name: string, dtype: DType, shape: Shape): Record<string, unknown> {
  return { name, type: { tensorType: { elemType: DTYPE_TO_ONNX[dtype], shape: { dim: shape.map(dimProto) } } } };
}

function attrProto(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  return { name, type: AttrType.TENSOR, t: tensorProto('', v) };
}

function nodeProto(node: Node, name: (t: Tensor) => string): Record<string, unknown> {
  const exportAs = getOp(node.op).exportAs;
  const inputs = node.inputs.map((t) => (t ? name(t) : ''));
  while (inputs.length > 0 && inputs[inputs.length - 1] === '') inputs.pop();
  return {
    name: `n${node.id}_${node.op}`,
    opType: exportAs ?? node.op,
    domain: node.domain,
    input: inputs,
    output: node.outputs.map(name),
    attribute: exportAs ? [] : Object.entries(node.attrs).map(([k, v]) => attrProto(k, v)),
  };
}

/** Builds the ModelProto bytes for the graph. */
export function exportOnnx(graph: Graph, opts: ExportOptions = {}): Uint8Array {
  const outNames = opts.outputs ?? [...graph.outputs.keys()];
  if (outNames.length === 0) throw new Error('exportOnnx: the graph has no outputs');
  const outputs = outNames.map((n) => {
    const t = graph.outputs.get(n);
    if (!t) throw new Error(`exportOnnx: no graph output named '${n}'`);
    return [n, t] as const;
  });

  // Keep only what the outputs need.
  const live = new Set<Tensor>(outputs.map(([, t]) => t));
  const liveNodes: Node[] = [];
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const node = graph.nodes[k]!;
    if (node.outputs.some((o) => live.has(o))) {
      liveNodes.push(node);
      for (const t of node.inputs) if (t) live.add(t);
    }
  }
  liveNodes.reverse();

  // A graph output produced by a node takes the output's name (no copy). An input, a parameter, a
  // constant, or a tensor already named by another output is routed through an Identity.
  const rename = new Map<Tensor, string>();
  const extraNodes: Record<string, unknown>[] = [];
  const outputInfos = outputs.map(([n, t], i) => {
    if (t.name !== n) {
      if (t.producer && !rename.has(t) && !graph.outputs.has(t.name)) rename.set(t, n);
      else extraNodes.push({ name: `out${i}_${n}`, opType: 'Identity', domain: '', input: [rename.get(t) ?? t.name], output: [n], attribute: [] });
    }
    return valueInfo(n, t.dtype, t.shape);
  });
  const name = (t: Tensor) => rename.get(t) ?? t.name;

  const binding = (p: string): ParamBinding => (typeof opts.params === 'function' ? opts.params(p) : opts.params ?? 'initializer');
  const inputs = graph.inputs.filter((t) => live.has(t)).map((t) => valueInfo(t.name, t.dtype, t.shape));
  const initializers: Record<string, unknown>[] = [];
  for (const p of graph.params.values()) {
    if (!live.has(p.tensor)) continue;
    if (binding(p.name) === 'input') inputs.push(valueInfo(p.name, 'float32', p.shape));
    else {
      if (!opts.values) throw new Error(`exportOnnx: parameter '${p.name}' is an initializer but no values were given`);
      const v = opts.values(p.name);
      initializers.push(tensorProto(p.name, { dtype: 'float32', shape: p.shape, values: v }));
    }
  }
  for (const c of graph.consts) if (live.has(c.tensor)) initializers.push(tensorProto(c.tensor.name, c.data));

  const model = {
    irVersion: IR_VERSION,
    producerName: 'prodiff',
    producerVersion: '0.1.0',
    docString: opts.docString ?? '',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: graph.name,
      node: [...liveNodes.map((n) => nodeProto(n, name)), ...extraNodes],
      initializer: initializers,
      input: inputs,
      output: outputInfos,
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`exportOnnx: invalid model (${err})`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
