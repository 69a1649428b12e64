export * from './denoiser.js';
export * from './diffusion.js';
export * from './fastspeech2.js';
export * from './losses.js';
export * from './prodiff.js';
export * from './inference.js';
export * from './checkpoint.js';
export * from './vocoder.js';
