// Audio front end: WAV I/O, resampling, STFT/mel/energy, pitch, Griffin-Lim (its golden parity runner is src/parity/audio.ts).
export * from './wav.js';
export * from './fft.js';
export * from './stft.js';
export * from './mel.js';
export * from './resample.js';
export * from './pitch.js';
export * from './f0.js';
export * from './griffinlim.js';
export * from './levels.js';
export * from './dc-block.js';
