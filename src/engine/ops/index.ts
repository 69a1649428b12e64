// The op builders (`op.add`, `op.conv`, ...), which add nodes to a graph, and each module's op
// definitions, which the registry gathers.
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './nn.js';
export type { TLike } from './util.js';
