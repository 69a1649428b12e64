// prodiff in the browser (`import { ProDiffTTS } from 'prodiff/web'`): the Node library's
// ProDiffTTS over onnxruntime-web, with voices loaded by URL.
//
//   const tts = await ProDiffTTS.load({ url: 'voices/en_US-slt-prodiff-small/' });
//   const r = await tts.synthesize('Hello there.');            // same result object as in Node
//   await playStream(tts.stream('A longer text.'));             // Web Audio, chunk by chunk
//   link.href = URL.createObjectURL(wavBlob(r.audio, r.sampleRate));
import { ProDiffTTS as CoreTTS, type LoadOptions } from '../api/tts.js';
import { VoiceError } from '../voice/config.js';
import { DICTIONARY_FILE, loadDictionary } from './dictionary.js';
import { DEFAULT_CACHE, type FetchOptions } from './fetch.js';
import { configureRuntime, type RuntimeInfo, type RuntimeOptions } from './runtime.js';
import { loadVoiceFromUrl } from './voice.js';

export interface WebLoadOptions extends RuntimeOptions, Pick<LoadOptions, 'vocoder'> {
  /** URL of the voice: its folder (holding voice.json) or its voice.json; relative to the page. */
  url: string | URL;
  /** URL of the pronouncing dictionary (default: the one beside the bundle). */
  dictionaryUrl?: string;
  /** Cache API storage for the voice's and the dictionary's files; false: none. Default 'prodiff-v1'. */
  cache?: string | false;
  signal?: AbortSignal;
  /**
   * Synthesise a short phrase before resolving (default true): ORT's first run of each session
   * is several times slower than the next, and that cost belongs to loading, not to first audio.
   */
  warmUp?: boolean;
}

/** The Node API's ProDiffTTS: synthesize, stream, phonemize, dispose, voice, sampleRate. */
export type ProDiffTTS = CoreTTS;

/** The backend and threads the last load runs on. */
export let runtime: RuntimeInfo | undefined;

const pageUrl = (): string | undefined => (typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href);

async function load(o: WebLoadOptions): Promise<ProDiffTTS> {
  if (o === null || typeof o !== 'object' || o.url === undefined) throw new TypeError("ProDiffTTS.load: give { url: 'path/to/voice/' } (the voice's folder, holding voice.json)");
  runtime = await configureRuntime(o, import.meta.url);
  const fetchOptions: FetchOptions = { cache: o.cache ?? DEFAULT_CACHE, ...(o.signal ? { signal: o.signal } : {}) };
  const base = pageUrl();
  const [voice] = await Promise.all([
    loadVoiceFromUrl(o.url, { ...fetchOptions, ...(base ? { base } : {}) }),
    loadDictionary(o.dictionaryUrl ?? new URL(DICTIONARY_FILE, import.meta.url).href, fetchOptions),
  ]);
  let tts: ProDiffTTS;
  try {
    tts = await CoreTTS.load(voice, o.vocoder !== undefined ? { vocoder: o.vocoder } : {});
  } catch (e) {
    if (e instanceof VoiceError) throw e;
    // ORT's own failures (a model it cannot run) name no file: say which voice.
    throw new VoiceError(voice.dir, (e as Error).message);
  }
  if (o.warmUp ?? true) {
    try {
      for await (const chunk of tts.stream('Warm up.', { firstChunkFrames: 16, chunkFrames: 16 })) void chunk;
    } catch (e) {
      await tts.dispose();
      throw new VoiceError(voice.dir, `the voice does not run: ${(e as Error).message}`);
    }
  }
  return tts;
}

/** `ProDiffTTS.load({ url })` resolves to an instance with the Node API; see WebLoadOptions. */
export const ProDiffTTS = { load };

export { TTSInputError, MAX_TEXT_CHARS, CONTROL_RANGES } from '../api/tts.js';
export type { SynthesizeOptions, SynthesisOutput, SentenceChunk, WordTiming, PhoneTiming, StageTimings } from '../api/tts.js';
export type { LoadedVoice } from '../voice/assemble.js';
export { VoiceError } from '../voice/config.js';
export { WebFetchError, clearCache, DEFAULT_CACHE } from './fetch.js';
export { wavBlob, playStream, type PlayOptions, type PlayResult } from './audio.js';
export type { RuntimeInfo, RuntimeOptions, BackendChoice } from './runtime.js';
