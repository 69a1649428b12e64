export * from './scope.js';
export * from './layers.js';
