// Parameter values by name: initialisation from a graph's declarations, and safetensors I/O.
import type { Graph, Init } from './graph.js';
import { Rng } from './random.js';
import { readSafetensors, SafetensorsError, writeSafetensors, type SafetensorsFile } from './safetensors.js';

export interface ParamValue {
  shape: number[];
  data: Float32Array;
}

export class ParamStore {
  readonly values = new Map<string, ParamValue>();

  get(name: string): ParamValue {
    const v = this.values.get(name);
    if (!v) throw new Error(`no value for parameter '${name}'`);
    return v;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  set(name: string, shape: number[], data: Float32Array): void {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`parameter '${name}': ${data.length} values for shape [${shape}]`);
    this.values.set(name, { shape: [...shape], data });
  }

  /** Gives every parameter of the graph that has no value yet its declared initial value. */
  initialize(graph: Graph, rng: Rng): this {
    for (const p of graph.params.values()) {
      const existing = this.values.get(p.name);
      if (existing) {
        if (existing.shape.join(',') !== p.shape.join(',')) {
          throw new Error(`parameter '${p.name}' has shape [${existing.shape}] but the model declares [${p.shape}]`);
        }
        continue;
      }
      this.set(p.name, p.shape, initialValues(p.init, p.shape, rng));
    }
    return this;
  }

  /** Checks that every parameter of the graph has a value of the declared shape. */
  checkAgainst(graph: Graph, source: string): void {
    for (const p of graph.params.values()) {
      const v = this.values.get(p.name);
      if (!v) throw new SafetensorsError(source, `missing parameter '${p.name}'`);
      if (v.shape.join(',') !== p.shape.join(',')) {
        throw new SafetensorsError(source, `parameter '${p.name}' has shape [${v.shape}], the model expects [${p.shape}]`);
      }
    }
  }

  /** Loads F32 tensors; `prefix` selects and strips a name prefix (e.g. 'param.'). */
  static fromSafetensors(path: string, prefix = ''): ParamStore {
    return ParamStore.fromTensors(readSafetensors(path), path, prefix);
  }

  /** The F32 tensors of a parsed safetensors file (`path` names it in errors). */
  static fromTensors(file: SafetensorsFile, path: string, prefix = ''): ParamStore {
    const store = new ParamStore();
    for (const [name, t] of file.tensors) {
      if (!name.startsWith(prefix)) continue;
      if (!(t.data instanceof Float32Array)) throw new SafetensorsError(path, `parameter '${name}' is ${t.dtype}, expected F32`);
      store.set(name.slice(prefix.length), t.shape, t.data);
    }
    return store;
  }

  save(path: string, metadata?: Record<string, string>): void {
    writeSafetensors(path, new Map([...this.values].map(([k, v]) => [k, { shape: v.shape, data: v.data }])), metadata);
  }

  clone(): ParamStore {
    const c = new ParamStore();
    for (const [k, v] of this.values) c.set(k, v.shape, Float32Array.from(v.data));
    return c;
  }
}

function initialValues(init: Init, shape: number[], rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (init.kind) {
    case 'zeros': return new Float32Array(n);
    case 'ones': return new Float32Array(n).fill(1);
    case 'constant': return new Float32Array(n).fill(init.value);
    case 'uniform': return rng.uniformArray(n, -init.bound, init.bound);
    case 'normal': return rng.normalArray(n, init.std);
  }
}
