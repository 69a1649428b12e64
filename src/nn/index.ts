export * from './scope.js';
export * from './layers.js';
export * from './transformer.js';
