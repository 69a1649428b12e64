// Speech in an audio file format: ProDiffTTS's synthesis (whole or streamed) through an encoder
// (wav, pcm, mp3, opus, flac; any sample rate). See docs/say.md ("Audio formats").
//
//   const { bytes } = await synthesizeEncoded(tts, 'Hello.', { format: 'mp3' });
//   for await (const piece of streamEncoded(tts, longText, { format: 'opus' })) res.write(piece.bytes);
import { AudioFormatError, createEncoder, isAudioFormat, MIME_TYPES, sampleRateProblem, AUDIO_FORMATS, type AudioFormat, type HeaderPatch } from '../audio/encode/index.js';
import { TTSInputError, type ProDiffTTS, type SentenceChunk, type SynthesizeOptions } from './tts.js';

export interface EncodeOptions {
  /** wav (default), pcm (raw little-endian), mp3, opus (in Ogg), flac. */
  format?: AudioFormat;
  /** The file's sample rate (default the voice's), resampled with the band-limited resampler. */
  sampleRate?: number;
  /** wav and pcm: 32-bit float samples instead of 16-bit. */
  float?: boolean;
  /** mp3: kbit/s (default 64); opus: bit/s (default 48000). */
  bitrate?: number;
}

export interface EncodedPiece {
  /** The file's next bytes (the first piece starts with the header). */
  bytes: Uint8Array;
  /** The synthesis chunk these bytes hold (the last piece, the encoder's flush, has none). */
  chunk?: SentenceChunk;
  /** Last piece only: header fields a writer that can seek back fixes (exact lengths). */
  patches?: HeaderPatch[];
}

/** Checks the encoding options against a voice's rate; TTSInputError naming the problem. */
export function checkEncodeOptions(o: EncodeOptions, voiceRate: number): { format: AudioFormat; sampleRate: number } {
  const format = o.format ?? 'wav';
  if (!isAudioFormat(format)) throw new TTSInputError(`unknown audio format ${JSON.stringify(format)} (formats: ${AUDIO_FORMATS.join(', ')})`);
  const sampleRate = o.sampleRate ?? voiceRate;
  const problem = sampleRateProblem(format, sampleRate);
  if (problem) throw new TTSInputError(problem);
  if (o.float && format !== 'wav' && format !== 'pcm') throw new TTSInputError(`float samples exist in wav and pcm only, not ${format}`);
  return { format, sampleRate };
}

/** `tts.stream` encoded as it goes: the bytes of each chunk as soon as the encoder has them. */
export async function* streamEncoded(tts: ProDiffTTS, text: string, o: SynthesizeOptions & EncodeOptions = {}): AsyncGenerator<EncodedPiece, void, undefined> {
  const { format, sampleRate } = checkEncodeOptions(o, tts.sampleRate);
  const { format: _f, sampleRate: _r, float, bitrate, ...synth } = o;
  let encoder;
  try {
    encoder = await createEncoder({ format, inputRate: tts.sampleRate, sampleRate, ...(float ? { float } : {}), ...(bitrate !== undefined ? { bitrate } : {}) });
  } catch (e) {
    if (e instanceof AudioFormatError) throw new TTSInputError(e.message);
    throw e;
  }
  for await (const chunk of tts.stream(text, synth)) yield { bytes: encoder.write(chunk.audio), chunk };
  yield { bytes: encoder.end(), patches: encoder.patches() };
}

/** The whole text as one file in the format (exact lengths in its header), with the synthesis chunks. */
export async function synthesizeEncoded(tts: ProDiffTTS, text: string, o: SynthesizeOptions & EncodeOptions = {}): Promise<{ bytes: Uint8Array; mimeType: string; sampleRate: number; chunks: SentenceChunk[] }> {
  const { format, sampleRate } = checkEncodeOptions(o, tts.sampleRate);
  const parts: Uint8Array[] = [];
  const chunks: SentenceChunk[] = [];
  let patches: HeaderPatch[] = [];
  for await (const p of streamEncoded(tts, text, { ...o, firstChunkFrames: o.firstChunkFrames ?? Infinity })) {
    parts.push(p.bytes);
    if (p.chunk) chunks.push(p.chunk);
    if (p.patches) patches = p.patches;
  }
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { bytes.set(p, at); at += p.length; }
  for (const p of patches) bytes.set(p.bytes, p.offset);
  return { bytes, mimeType: MIME_TYPES[format], sampleRate, chunks };
}
