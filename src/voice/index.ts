// Voice packages: voice.json + weights + vocoder + model card; lookup, loading, packaging.
export * from './config.js';
export * from './store.js';
export * from './load.js';
export { packageVoice, voiceConfigFor, modelCard, type PackageVoiceOptions, type PackagedVoice } from './package.js';
export { writeRandomModel, writeRandomVocos, makeRandomVoice, TINY_HPARAMS, type RandomModelOptions } from './random.js';
