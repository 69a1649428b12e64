// POST /v1/audio/speech's body, checked as OpenAI's endpoint checks it: model, input, voice,
// response_format, speed, instructions (accepted, ignored); plus sample_rate (this server's).
import { isAudioFormat, sampleRateProblem, type AudioFormat } from '../audio/encode/index.js';
import { badRequest } from './errors.js';
import type { VoiceCatalog, VoiceChoice } from './voices.js';

/** Model ids accepted in requests (all the same synthesiser; OpenAI's names for drop-in clients). */
export const MODELS = ['prodiff', 'tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'] as const;

/** OpenAI's formats; aac is refused with a message (no AAC encoder here). */
const OPENAI_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];

/** OpenAI's pcm is 24 kHz 16-bit mono, and clients play it at that rate. */
export const PCM_DEFAULT_RATE = 24000;

export interface SpeechRequest {
  input: string;
  voice: VoiceChoice;
  format: AudioFormat;
  speed: number;
  sampleRate?: number;
}

export function parseSpeechRequest(b: Record<string, unknown>, voices: VoiceCatalog, maxChars: number): SpeechRequest {
  if (b.model === undefined) throw badRequest(`'model' is required (models: ${MODELS.join(', ')})`, 'model');
  if (typeof b.model !== 'string' || !(MODELS as readonly string[]).includes(b.model)) throw badRequest(`unknown model ${JSON.stringify(b.model)} (models: ${MODELS.join(', ')})`, 'model', 'model_not_found');
  if (b.input === undefined) throw badRequest("'input' is required: the text to speak", 'input');
  if (typeof b.input !== 'string') throw badRequest(`'input' must be a string, not ${typeof b.input}`, 'input');
  if (b.input.trim() === '') throw badRequest("'input' is empty: give the text to speak", 'input');
  if (b.input.length > maxChars) throw badRequest(`'input' is ${b.input.length} characters; at most ${maxChars}`, 'input', 'string_above_max_length');
  const voice = voices.resolve(b.voice);
  const rf = b.response_format ?? 'mp3';
  if (typeof rf !== 'string' || !OPENAI_FORMATS.includes(rf)) throw badRequest(`unknown response_format ${JSON.stringify(rf)} (formats: mp3, opus, flac, wav, pcm)`, 'response_format');
  if (rf === 'aac' || !isAudioFormat(rf)) throw badRequest('response_format aac is not available on this server (formats: mp3, opus, flac, wav, pcm)', 'response_format');
  const speed = b.speed ?? 1;
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0.25 || speed > 4) throw badRequest(`'speed' must be a number from 0.25 to 4.0 (got ${JSON.stringify(speed)})`, 'speed');
  if (b.instructions !== undefined && typeof b.instructions !== 'string') throw badRequest("'instructions' must be a string", 'instructions');
  if (b.stream_format !== undefined && b.stream_format !== 'audio') throw badRequest(`stream_format ${JSON.stringify(b.stream_format)} is not available (this server streams 'audio')`, 'stream_format');
  let sampleRate = b.sample_rate;
  if (sampleRate !== undefined) {
    const problem = typeof sampleRate === 'number' ? sampleRateProblem(rf, sampleRate) : 'sample_rate must be a number';
    if (problem) throw badRequest(problem, 'sample_rate');
  } else if (rf === 'pcm') sampleRate = PCM_DEFAULT_RATE;
  return { input: b.input, voice, format: rf, speed, ...(sampleRate !== undefined ? { sampleRate: sampleRate as number } : {}) };
}
