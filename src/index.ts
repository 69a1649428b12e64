// The public library API: each layer, from the engine up.
export * from './engine/index.js';
export * as audio from './audio/index.js';
export * as nn from './nn/index.js';
export * as model from './model/index.js';
export * as text from './text/index.js';
export * as voice from './voice/index.js';
export {
  ProDiffTTS, TTSInputError, MAX_TEXT_CHARS,
  type LoadOptions, type SynthesizeOptions, type SynthesisOutput, type SentenceChunk, type StageTimings, type PhoneTiming, type WordTiming,
} from './api/tts.js';
export { VoiceError, type VoiceConfig } from './voice/config.js';
export { GriffinLimVocoder, registerVocoder, createVocoder, vocoderTypes, type Vocoder, type VocoderContext, type VocoderFactory } from './model/vocoder.js';
export { writeWav, writeWavChannels, writeWavChunks, WavFileWriter, readWav, type AudioChunk } from './audio/wav.js';
export { synthesizeEncoded, streamEncoded, checkEncodeOptions, type EncodeOptions, type EncodedPiece } from './api/encoded.js';
export { AUDIO_FORMATS, MIME_TYPES, formatOfPath, createEncoder, encodeAudio, type AudioFormat, type AudioEncoder } from './audio/encode/index.js';
