import type { Graph, Init, Tensor } from '../engine/index.js';

/** A naming scope for parameters: dotted names as in a PyTorch state_dict. */
export class Scope {
  constructor(
    readonly graph: Graph,
    readonly prefix = '',
  ) {}

  child(name: string | number): Scope {
    return new Scope(this.graph, `${this.prefix}${name}.`);
  }

  param(name: string, shape: number[], init: Init): Tensor {
    return this.graph.param(`${this.prefix}${name}`, shape, init);
  }
}
