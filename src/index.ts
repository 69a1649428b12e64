// The public library API: each layer, from the engine up.
export * from './engine/index.js';
export * as audio from './audio/index.js';
export * as nn from './nn/index.js';
export * as model from './model/index.js';
export * as text from './text/index.js';
