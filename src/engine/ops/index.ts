// Every op module registers its ops when imported; this module imports them all.
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './nn.js';
export type { TLike } from './util.js';
