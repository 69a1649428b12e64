// The library API: text -> speech with a voice package.
//
//   const tts = await ProDiffTTS.load();               // the default voice (or a name, or {dir})
//   const r = await tts.synthesize('Hello there.', { speed: 1.1, pitch: 2 });
//   for await (const chunk of tts.stream(longText)) play(chunk.audio);
//
// One set of ONNX Runtime sessions per instance, reused by every call; calls on one instance are
// serialised sentence by sentence, so concurrent calls are safe (and interleave fairly).
import { parseDevice, type Device } from '../engine/index.js';
import { AcousticModel } from '../model/inference.js';
import { stepCountProblem } from '../model/sampler.js';
import { Serial } from '../util/serial.js';
import { ChunkedSentence, ChunkSizer, FIRST_CHUNK_FRAMES, MAX_CHUNK_FRAMES } from './chunks.js';
import { createVocoder, fitLength, type Vocoder } from '../model/vocoder.js';
import { textToSentences, type TextToPhonesResult } from '../text/frontend.js';
import type { Lexicon } from '../text/g2p.js';
import type { WordSpan } from '../text/frontend.js';
import { loadVoice, type LoadedVoice } from '../voice/load.js';
import { resolveSpeaker, VoiceError } from '../voice/config.js';
import type { ResolveOptions, VoiceSpec } from '../voice/store.js';
import { OutputStage, outputGain } from './output.js';
import { phoneTimings, wordTimings, type PhoneTiming, type WordTiming } from './timestamps.js';
import { looksLikeSsml, planSsml, SsmlError, type SsmlStyle } from '../text/ssml/index.js';

export type { PhoneTiming, WordTiming } from './timestamps.js';

/** Longest text one call accepts (characters); about an hour of speech. */
export const MAX_TEXT_CHARS = 50_000;

/** The accepted range of each numeric synthesis control, [min, max]. */
export const CONTROL_RANGES = {
  speed: [0.1, 10],
  durationScale: [0.1, 10],
  pitch: [-24, 24],
  energy: [0, 10],
  sentenceSilence: [0, 10],
  volume: [0, 10],
} as const satisfies Partial<Record<keyof SynthesizeOptions, readonly [number, number]>>;

/** Bad text or options given to synthesize/stream (as opposed to a broken voice). */
export class TTSInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TTSInputError';
  }
}

/** The checks on text that need no voice: a string, not empty, at most `maxChars` characters. */
export function checkTextInput(text: unknown, maxChars = MAX_TEXT_CHARS): asserts text is string {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  if (text.length > maxChars) throw new TTSInputError(`text too long: ${text.length} characters (at most ${maxChars}; split it and call again, or raise maxChars)`);
  if (text.trim() === '') throw new TTSInputError('no text given (empty)');
}

/** How the model's sessions are placed: threads and device, only those given. */
type SessionPlacement = { threads?: number; device?: Device };

function placement(o: LoadOptions): SessionPlacement {
  if (o.device !== undefined) parseDevice(o.device, 'ProDiffTTS.load: device');
  return { ...(o.threads ? { threads: o.threads } : {}), ...(o.device ? { device: o.device } : {}) };
}

export interface LoadOptions extends ResolveOptions {
  /** ORT intra-op threads per session (default: ORT's choice). */
  threads?: number;
  /** Where the model runs: 'cpu' or 'cuda' (ORT's CUDA provider, when installed); default: the program's default device. */
  device?: Device;
  /** Vocoder type or instance to use instead of the voice's own. */
  vocoder?: string | Vocoder;
}

export interface SynthesizeOptions {
  /**
   * Denoiser calls: default the voice's own (inference.steps, what the model was distilled for);
   * any divisor of the schedule's teacher steps runs the naive DDIM path instead.
   */
  steps?: number;
  /** Speaking rate: 2 is twice as fast (duration scale = length_scale / speed). */
  speed?: number;
  /** Duration multiplier (overrides speed): > 1 is slower. */
  durationScale?: number;
  /** Pitch shift in semitones. */
  pitch?: number;
  /** Energy multiplier. */
  energy?: number;
  /** Seed of the diffusion noise (sentence i uses seed + i). */
  seed?: number;
  /** Speaker id or name (multi-speaker voices). */
  speaker?: number | string;
  /** Loudness factor on the voice's calibrated level (1: speech RMS about -20 dBFS; 0.5: 6 dB quieter). */
  volume?: number;
  /** Vocoder type ('griffin-lim', ...) or instance for this call. */
  vocoder?: string | Vocoder;
  /** Silence between sentences, seconds. */
  sentenceSilence?: number;
  /** User pronunciations (word -> ARPAbet). */
  lexicon?: Lexicon;
  /** Longest text accepted (default MAX_TEXT_CHARS). */
  maxChars?: number;
  /** Cancels between chunks. */
  signal?: AbortSignal;
  /**
   * Frames in the first chunk (default 32, about 0.37 s) when the vocoder allows exact chunks
   * (`Vocoder.contextFrames`: Vocos, HiFi-GAN); this sets the time to first audio. Later chunks
   * double up to `chunkFrames`, continuing across sentences (a sentence end cuts a chunk short).
   * Vocoders without context get whole sentences, and so does `synthesize` unless this is given.
   */
  firstChunkFrames?: number;
  /** Largest chunk, frames (default 256). `firstChunkFrames: Infinity` gives whole sentences. */
  chunkFrames?: number;
  /**
   * The text is SSML (true), plain text (false), or SSML when it starts with `<speak`
   * (undefined, the default). See docs/ssml.md.
   */
  ssml?: boolean;
}

export interface StageTimings {
  frontEndMs: number;
  acousticMs: number;
  vocoderMs: number;
}

/**
 * A piece of a sentence's audio, as `stream` yields it: a whole sentence with Griffin-Lim, else
 * consecutive frame ranges of it (`part` 0, 1, ...; `final` on the last). Concatenating the chunks'
 * `audio` (or `mel`) gives the whole text's; the sentence-level timings (`phones`, `durations`,
 * `phonesTimed`, `words`) come whole on a sentence's first chunk and are empty on its other parts,
 * so concatenating them over chunks lists each once.
 */
export interface SentenceChunk {
  /** Sentence index in the text (the same for every part of a sentence). */
  index: number;
  /** Sentences in the whole text. */
  count: number;
  /** Chunk of the sentence, 0-based. */
  part: number;
  /** The sentence's last chunk (which carries the sentence silence). */
  final: boolean;
  /** Normalised (spoken-form) text of the sentence (every part). */
  text: string;
  audio: Float32Array;
  sampleRate: number;
  /** Where this chunk starts in the whole audio, seconds. */
  start: number;
  /** Where its sentence starts in the whole audio, seconds. */
  sentenceStart: number;
  /** The chunk's first frame within its sentence. */
  frameOffset: number;
  /** Tokens of the sentence (<BOS>, phones, |, punctuation, <EOS>); part 0 only. */
  phones: string[];
  /** Part 0 only, times in the whole audio. */
  phonesTimed: PhoneTiming[];
  /** Part 0 only, times in the whole audio. */
  words: WordTiming[];
  /** Log-mel of this chunk's frames, [frames, mels] row-major. */
  mel: Float32Array;
  /** Frames of this chunk: audio = frames * hop samples, plus `silence`. */
  frames: number;
  /** Frames per token of the whole sentence; part 0 only. */
  durations: number[];
  /** Seconds of silence at the end of `audio` (sentence silence or SSML breaks, final part only). */
  silence: number;
  /** Seconds of silence at the start of `audio` (SSML breaks before the first word; first chunk only). */
  leadingSilence: number;
  warnings: string[];
  /** This chunk's work; part 0's acoustic time includes the encoder and adaptor. */
  timings: StageTimings;
}

export interface SynthesisOutput {
  audio: Float32Array;
  sampleRate: number;
  /** All tokens, sentence after sentence. */
  phones: string[];
  words: WordTiming[];
  phonesTimed: PhoneTiming[];
  /** Sentences' log-mels concatenated, [frames, mels]. */
  mel: Float32Array;
  frames: number;
  mels: number;
  sentences: { text: string; start: number; end: number }[];
  /** Silences between and around sentences (sentence silence, SSML breaks), seconds. */
  pauses: Pause[];
  warnings: string[];
  timings: StageTimings;
  /** Seconds of audio. */
  duration: number;
}

export interface Pause {
  start: number;
  end: number;
}

/** Per-sentence settings of SSML input, on top of the call's controls. */
export interface SentenceStyle {
  style: SsmlStyle;
  /** Resolved `<voice name>`; undefined: the call's speaker. */
  speaker: number | undefined;
  /** Silence after the sentence, seconds; undefined: the call's sentence silence. */
  pauseAfter: number | undefined;
}

interface Plan {
  sentences: TextToPhonesResult[];
  /** SSML input only: one per sentence. */
  styles?: SentenceStyle[];
  /** SSML breaks before the first word, seconds. */
  leadingPause?: number;
  frontEndMs: number;
  warnings: string[];
}

/** The silences in a chunk's audio, in seconds of the whole audio. */
export function chunkPauses(c: SentenceChunk): Pause[] {
  const out: Pause[] = [];
  if (c.leadingSilence > 0) out.push({ start: c.start, end: c.start + c.leadingSilence });
  const end = c.start + c.audio.length / c.sampleRate;
  if (c.silence > 0) out.push({ start: end - c.silence, end });
  return out;
}

const STRESSED = /^([A-Z]{2})([012])$/;

/** Each sentence's text, start and end (before its silence), seconds, from its chunks. */
function sentenceSpans(chunks: SentenceChunk[], sampleRate: number): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let samples = 0;
  for (const c of chunks) {
    if (c.part === 0) samples = 0;
    samples += c.audio.length;
    // The same arithmetic however the sentence was chunked.
    if (c.final) out.push({ text: c.text, start: c.sentenceStart, end: c.sentenceStart + samples / sampleRate - c.silence - c.leadingSilence });
  }
  return out;
}

/** The validated chunk sizes of `stream`. */
function chunkSizer(o: SynthesizeOptions): ChunkSizer {
  const size = (name: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!(v === Infinity || (Number.isInteger(v) && v >= 1))) throw new TTSInputError(`${name} must be a positive integer or Infinity (got ${String(v)})`);
    return v;
  };
  return new ChunkSizer(size('firstChunkFrames', o.firstChunkFrames, FIRST_CHUNK_FRAMES), size('chunkFrames', o.chunkFrames, MAX_CHUNK_FRAMES));
}

/** Applies the voice's stress policy and phoneme_map to one sentence, keeping word spans in step. */
function mapPhones(s: TextToPhonesResult, voice: LoadedVoice): TextToPhonesResult {
  const { stress_policy: stress, phoneme_map: pmap } = voice.config;
  if (Object.keys(stress).length === 0 && !pmap) return s;
  const starts: number[] = [];
  const phones: string[] = [];
  for (const p of s.phones) {
    starts.push(phones.length);
    const m = STRESSED.exec(p);
    const q = m && stress[m[2]!] !== undefined ? `${m[1]}${stress[m[2]!]}` : p;
    const rep = pmap && Object.hasOwn(pmap, q) ? pmap[q]! : [q];
    phones.push(...rep);
  }
  starts.push(phones.length);
  const words: WordSpan[] = s.words.map((w) => ({ ...w, start: starts[w.start]!, end: starts[w.end]! }));
  return { ...s, phones, ids: voice.vocab.encode(phones), words };
}

export class ProDiffTTS {
  private readonly serial = new Serial();
  private readonly vocoders = new Map<string, Promise<Vocoder>>();
  /** Vocoders this instance made (and so releases); one given as an instance stays the caller's. */
  private readonly ownVocoders = new Set<Vocoder>();
  private disposed: Promise<void> | undefined;

  private constructor(
    readonly voice: LoadedVoice,
    private readonly acoustic: AcousticModel,
    private readonly defaultVocoder: Vocoder,
    private readonly session: SessionPlacement,
  ) {
    this.vocoders.set(defaultVocoder.name, Promise.resolve(defaultVocoder));
  }

  /**
   * Loads a voice: undefined = the default voice, a string = a voice NAME (never a path), {dir} = a
   * voice directory, or an already loaded voice.
   */
  static async load(voice?: VoiceSpec | LoadedVoice, o: LoadOptions = {}): Promise<ProDiffTTS> {
    const v = voice !== undefined && typeof voice === 'object' && 'config' in voice ? voice : loadVoice(voice, o);
    let acoustic: AcousticModel;
    try {
      acoustic = await AcousticModel.create(v.model.cfg, v.model.params, { ...v.model.options, ...placement(o) });
    } catch (e) {
      throw new VoiceError(v.model.file, `the weights do not fit the model voice.json describes: ${(e as Error).message}`);
    }
    let vocoder: Vocoder;
    try {
      vocoder = typeof o.vocoder === 'object' ? o.vocoder : await ProDiffTTS.makeVocoder(v, o.vocoder ?? v.config.vocoder.type, placement(o));
      ProDiffTTS.checkVocoder(v, vocoder);
    } catch (e) {
      await acoustic.dispose();
      throw e;
    }
    textToSentences('Warm up.', { vocab: v.vocab }); // loads the dictionary now, not on the first call
    const tts = new ProDiffTTS(v, acoustic, vocoder, placement(o));
    if (typeof o.vocoder !== 'object') tts.ownVocoders.add(vocoder);
    return tts;
  }

  /**
   * Releases every ORT session this instance holds (the acoustic model's and the vocoders' it
   * made; a vocoder passed in as an instance is left to its owner), after the chunk in progress.
   * Later calls to synthesize/stream throw; calling dispose again is harmless.
   */
  dispose(): Promise<void> {
    this.disposed ??= this.exclusive(async () => {
      const made = await Promise.allSettled([...this.vocoders.values()]);
      const vocoders = new Set(made.flatMap((r) => (r.status === 'fulfilled' && this.ownVocoders.has(r.value) ? [r.value] : [])));
      await Promise.all([this.acoustic.dispose(), ...[...vocoders].map((v) => v.dispose?.())]);
      this.vocoders.clear();
    });
    return this.disposed;
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error(`ProDiffTTS: this instance (voice '${this.voice.name}') was disposed; load the voice again to synthesise`);
  }

  private static async makeVocoder(v: LoadedVoice, type: string, session: SessionPlacement): Promise<Vocoder> {
    const own = v.config.vocoder;
    const ctx = {
      mel: v.mel,
      ...session,
      ...(type === own.type && own.file ? { file: `${v.dir}/${own.file}` } : {}),
      ...(type === own.type && own.file && v.vocoderBytes ? { bytes: v.vocoderBytes } : {}),
      ...(type === own.type ? { options: {
        ...(own.iterations !== undefined ? { iterations: own.iterations } : {}),
        ...(own.fit_iterations !== undefined ? { fitIterations: own.fit_iterations } : {}),
        ...(own.config ? { config: own.config } : {}),
      } } : {}),
    };
    try {
      return await createVocoder(type, ctx);
    } catch (e) {
      throw new VoiceError(v.dir, `vocoder: ${(e as Error).message}`);
    }
  }

  private static checkVocoder(v: LoadedVoice, voc: Vocoder): void {
    if (voc.sampleRate !== v.config.audio.sample_rate || voc.hop !== v.config.audio.hop_length) {
      throw new VoiceError(v.dir, `vocoder '${voc.name}' runs at ${voc.sampleRate} Hz / hop ${voc.hop}, the voice at ${v.config.audio.sample_rate} Hz / hop ${v.config.audio.hop_length}`);
    }
  }

  get sampleRate(): number {
    return this.voice.config.audio.sample_rate;
  }

  get hop(): number {
    return this.voice.config.audio.hop_length;
  }

  /** Runs fn after every earlier call on this instance has finished its current sentence. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial.run(fn);
  }

  private async vocoderFor(v: string | Vocoder | undefined): Promise<Vocoder> {
    if (v === undefined) return this.defaultVocoder;
    if (typeof v === 'object') {
      ProDiffTTS.checkVocoder(this.voice, v);
      return v;
    }
    let p = this.vocoders.get(v);
    if (!p) {
      p = ProDiffTTS.makeVocoder(this.voice, v, this.session).then((voc) => {
        this.ownVocoders.add(voc);
        ProDiffTTS.checkVocoder(this.voice, voc);
        return voc;
      });
      p.catch(() => this.vocoders.delete(v));
      this.vocoders.set(v, p);
    }
    return p;
  }

  /** Validated synthesis controls. */
  private controls(o: SynthesizeOptions) {
    const inf = this.voice.config.inference;
    const check = (name: keyof typeof CONTROL_RANGES, v: number | undefined) => {
      const [lo, hi] = CONTROL_RANGES[name];
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi)) throw new TTSInputError(`${name} must be a number in [${lo}, ${hi}] (got ${String(v)})`);
    };
    for (const name of Object.keys(CONTROL_RANGES) as (keyof typeof CONTROL_RANGES)[]) check(name, o[name]);
    if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) throw new TTSInputError(`seed must be an integer in [0, 2^32) (got ${String(o.seed)})`);
    const N = this.voice.config.schedule.teacher_steps;
    const stepsProblem = o.steps === undefined ? undefined : stepCountProblem(N, o.steps);
    if (stepsProblem) throw new TTSInputError(`${stepsProblem} (the voice's own is ${this.voice.config.schedule.timesteps})`);
    const speaker = o.speaker === undefined ? undefined : this.speakerId(o.speaker);
    return {
      steps: o.steps,
      durationScale: o.durationScale ?? inf.length_scale / (o.speed ?? 1),
      pitchShift: o.pitch ?? inf.pitch_shift ?? 0,
      energyScale: o.energy ?? inf.energy_scale ?? 1,
      seed: o.seed ?? inf.noise_seed,
      silence: o.sentenceSilence ?? inf.sentence_silence ?? 0,
      speaker,
      output: () => new OutputStage(outputGain(inf.output_gain_db ?? 0, o.volume ?? 1), inf.dc_block ?? true),
    };
  }

  /** A speaker id or name of this voice -> its id; TTSInputError (listing the speakers) when it has no such speaker. */
  private speakerId(s: number | string): number {
    return resolveSpeaker(this.voice.config, s, (m) => { throw new TTSInputError(m); });
  }

  /** `<voice name>` -> speaker id: a speaker name or id of the voice, or the voice's own name (its default speaker). */
  private ssmlSpeaker(style: SsmlStyle): number | undefined {
    const name = style.voice;
    if (name === undefined || name === this.voice.name || name === this.voice.config.name) return undefined;
    const map = this.voice.config.speaker_id_map;
    if (Object.hasOwn(map, name)) return map[name];
    if (/^\d+$/.test(name) && Number(name) < this.voice.config.num_speakers) return Number(name);
    const speakers = [this.voice.config.name, ...Object.keys(map)].join(', ');
    throw new TTSInputError(`SSML ${style.voiceAt ?? '?'}: <voice name="${name}">: voice ${this.voice.name} has no such speaker (names: ${speakers}; ids 0..${this.voice.config.num_speakers - 1})`);
  }

  /** SSML -> sentences of phones with their styles; TTSInputError (with line:column) for bad SSML. */
  private phonemizeSsml(text: string, o: Pick<SynthesizeOptions, 'lexicon'>, t0: number): Plan {
    let p;
    try {
      p = planSsml(text, { vocab: this.voice.vocab, ...(o.lexicon ? { lexicon: o.lexicon } : {}) });
    } catch (e) {
      if (e instanceof SsmlError) throw new TTSInputError(e.message);
      throw e;
    }
    if (p.utterances.length === 0) throw new TTSInputError('the SSML has nothing to say: it holds no words');
    const styles = p.utterances.map((u) => ({ style: u.style, speaker: this.ssmlSpeaker(u.style), pauseAfter: u.pauseAfter }));
    return {
      sentences: p.utterances.map((u) => mapPhones(u.sentence, this.voice)), styles, leadingPause: p.leadingPause,
      frontEndMs: performance.now() - t0, warnings: p.warnings,
    };
  }

  /**
   * Text (or SSML: `o.ssml`, or text starting with `<speak`) -> sentences of phones, with the
   * voice's stress policy; throws TTSInputError for bad text.
   */
  phonemize(text: string, o: Pick<SynthesizeOptions, 'lexicon' | 'maxChars' | 'ssml'> = {}): Plan {
    checkTextInput(text, o.maxChars);
    const t0 = performance.now();
    if (o.ssml ?? looksLikeSsml(text)) return this.phonemizeSsml(text, o, t0);
    const all = textToSentences(text, { vocab: this.voice.vocab, ...(o.lexicon ? { lexicon: o.lexicon } : {}) });
    const warnings = all.flatMap((s) => s.warnings);
    const sentences = all.filter((s) => s.words.some((w) => w.kind !== 'punctuation')).map((s) => mapPhones(s, this.voice));
    if (sentences.length === 0) throw new TTSInputError('the text has nothing to say: it normalises to no words');
    return { sentences, frontEndMs: performance.now() - t0, warnings };
  }

  /**
   * Synthesises sentence after sentence, yielding audio as soon as it is ready: whole sentences
   * with a vocoder without context (Griffin-Lim), else chunks (`firstChunkFrames` first, doubling
   * up to `chunkFrames`), each exactly the samples whole-sentence synthesis gives.
   */
  async *stream(text: string, o: SynthesizeOptions = {}): AsyncGenerator<SentenceChunk, void, undefined> {
    this.checkUsable();
    const c = this.controls(o);
    const sizer = chunkSizer(o);
    const plan = this.phonemize(text, o);
    const vocoder = await this.vocoderFor(o.vocoder);
    const sr = this.sampleRate, hop = this.hop;
    const leading = Math.round((plan.leadingPause ?? 0) * sr);
    let samples = leading;
    const n = plan.sentences.length;
    for (let i = 0; i < n; i++) {
      const s = plan.sentences[i]!;
      const st = plan.styles?.[i];
      const style = st?.style;
      const speaker = st?.speaker ?? c.speaker;
      const gain = style && style.volumeDb !== 0 ? 10 ** (style.volumeDb / 20) : 1;
      const pauseAfter = st?.pauseAfter ?? (i < n - 1 ? c.silence : 0);
      const sentenceStart = samples / sr;
      let sentence: ChunkedSentence | undefined;
      const output = c.output(); // per sentence: its silences stay exact zeros
      for (let k = 0; sentence === undefined || k < sentence.bounds.length; k++) {
        if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('aborted');
        const r = await this.exclusive(async () => {
          this.checkUsable();
          sentence ??= await ChunkedSentence.start(this.acoustic, vocoder, s.ids, {
            durationScale: c.durationScale / (style?.rate ?? 1), pitchShift: c.pitchShift + (style?.pitch ?? 0),
            energyScale: c.energyScale * (style?.energy ?? 1), seed: (c.seed + i) >>> 0,
            ...(c.steps !== undefined ? { steps: c.steps } : {}),
            ...(speaker !== undefined ? { speaker } : {}),
          }, sizer);
          return sentence.chunk(k);
        });
        const sent = sentence!;
        const [a, b] = sent.bounds[k]!;
        const final = k === sent.bounds.length - 1;
        const silence = final ? Math.round(pauseAfter * sr) : 0;
        const lead = i === 0 && k === 0 ? leading : 0;
        const voiced = output.process(r.audio, gain);
        let audio = voiced;
        if (lead || silence) {
          audio = new Float32Array(lead + voiced.length + silence);
          audio.set(voiced, lead);
        }
        const start = (samples - lead) / sr;
        samples += audio.length - lead;
        const phonesTimed = k === 0 ? phoneTimings(s.phones, sent.prepared.durations, hop, sr, sentenceStart) : [];
        yield {
          index: i, count: n, part: k, final, text: s.normalized, audio, sampleRate: sr, start, sentenceStart, frameOffset: a,
          phones: k === 0 ? s.phones : [], phonesTimed, words: k === 0 ? wordTimings(s.words, phonesTimed) : [],
          mel: r.mel, frames: b - a, durations: k === 0 ? sent.prepared.durations : [], silence: silence / sr, leadingSilence: lead / sr,
          warnings: i === 0 && k === 0 ? plan.warnings : [],
          timings: { frontEndMs: i === 0 && k === 0 ? plan.frontEndMs : 0, acousticMs: r.acousticMs + (k === 0 ? sent.prepareMs : 0), vocoderMs: r.vocoderMs },
        };
      }
    }
  }

  /**
   * Synthesises the whole text: `stream`'s chunks concatenated. Chunks only add work here, so
   * sentences are synthesised whole unless `firstChunkFrames` is given (the samples are the same).
   */
  async synthesize(text: string, o: SynthesizeOptions = {}): Promise<SynthesisOutput> {
    this.checkUsable();
    const chunks: SentenceChunk[] = [];
    for await (const c of this.stream(text, { ...o, firstChunkFrames: o.firstChunkFrames ?? Infinity })) chunks.push(c);
    const total = chunks.reduce((a, c) => a + c.audio.length, 0);
    const audio = new Float32Array(total);
    let at = 0;
    for (const c of chunks) {
      audio.set(c.audio, at);
      at += c.audio.length;
    }
    const mels = this.voice.config.audio.num_mels;
    const frames = chunks.reduce((a, c) => a + c.frames, 0);
    const mel = new Float32Array(frames * mels);
    let f = 0;
    for (const c of chunks) {
      mel.set(c.mel, f * mels);
      f += c.frames;
    }
    const sum = (k: keyof StageTimings) => chunks.reduce((a, c) => a + c.timings[k], 0);
    return {
      audio, sampleRate: this.sampleRate, duration: total / this.sampleRate,
      phones: chunks.flatMap((c) => c.phones), words: chunks.flatMap((c) => c.words), phonesTimed: chunks.flatMap((c) => c.phonesTimed),
      mel, frames, mels,
      sentences: sentenceSpans(chunks, this.sampleRate),
      pauses: chunks.flatMap(chunkPauses),
      warnings: chunks.flatMap((c) => c.warnings),
      timings: { frontEndMs: sum('frontEndMs'), acousticMs: sum('acousticMs'), vocoderMs: sum('vocoderMs') },
    };
  }
}
