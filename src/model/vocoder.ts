// Vocoders: log-mel [frames, mels] -> waveform. Griffin-Lim is always available; neural vocoders
// (Vocos, HiFi-GAN) register a factory under their type name and are then chosen by a voice's
// `vocoder.type` or overridden per call.
import { melToLinear, griffinLim, GRIFFIN_LIM_DEFAULTS } from '../audio/griffinlim.js';
import { PRODIFF_MEL, type MelConfig } from '../audio/mel.js';
import { ortTensor, type Device, type ort } from '../engine/index.js';
import { Serial } from '../util/serial.js';

export interface Vocoder {
  /** Type name ('griffin-lim', 'vocos', ...). */
  readonly name: string;
  readonly sampleRate: number;
  /** Samples per mel frame. */
  readonly hop: number;
  /**
   * log10 mel, [frames, mels] row-major (ProDiff's layout) -> exactly frames * hop samples
   * (callers rely on this for timestamps; see `fitLength`).
   */
  synthesize(mel: Float32Array, frames: number): Promise<Float32Array>;
  /**
   * Frames of mel context each side that make the samples of a frame range exact: vocoding frames
   * [a - c, b + c) (clipped to the mel) and keeping frames [a, b)'s samples gives the samples of
   * vocoding the whole mel (see `synthesizeFrames`). Undefined where no finite context does
   * (Griffin-Lim iterates over the whole spectrogram): such a vocoder is given whole sentences.
   */
  readonly contextFrames?: number;
  /** Releases sessions (optional). */
  dispose?(): Promise<void>;
}

export interface VocoderContext {
  /** The mel analysis the acoustic model was trained on. */
  mel: MelConfig;
  /** Absolute path of the vocoder's weights file, if the voice has one (its URL in a browser). */
  file?: string;
  /** The weights file's contents, when already in memory (a voice fetched by URL); else `file` is read. */
  bytes?: Uint8Array;
  /**
   * The voice's `vocoder` section: `iterations` (Griffin-Lim's; a 'pghi' generator's refinement
   * iterations after its integrated phase, default 2), `fitIterations` (a 'pghi' generator's fit of
   * its magnitude to the mel, default 2), config.
   */
  options?: { iterations?: number; fitIterations?: number; config?: Record<string, unknown> };
  threads?: number;
  device?: Device;
}

export type VocoderFactory = (ctx: VocoderContext) => Promise<Vocoder>;

const factories = new Map<string, VocoderFactory>();

/**
 * Vocoder modules loaded on first use; each calls registerVocoder when imported. A new vocoder
 * adds one line here, e.g. `vocos: () => import('./vocos.js')`.
 */
const LAZY_MODULES: Record<string, () => Promise<unknown>> = {
  vocos: () => import('./vocos-vocoder.js'),
  hifigan: () => import('./hifigan.js'),
};

/** Makes a vocoder type available (the Vocos and HiFi-GAN modules call this). */
export function registerVocoder(type: string, factory: VocoderFactory): void {
  factories.set(type, factory);
}

/** Registered vocoder types ('griffin-lim' always). */
export function vocoderTypes(): string[] {
  return [...new Set([...factories.keys(), ...Object.keys(LAZY_MODULES)])];
}

export async function createVocoder(type: string, ctx: VocoderContext): Promise<Vocoder> {
  if (!factories.has(type) && Object.hasOwn(LAZY_MODULES, type)) await LAZY_MODULES[type]!();
  const f = factories.get(type);
  if (!f) throw new Error(`vocoder '${type}' is not available in this build (available: ${vocoderTypes().join(', ')})`);
  return f(ctx);
}

/** log-mel [frames, mels] (ProDiff's layout) -> [mels, frames] (a generator's [1, mels, T] input), times `scale`. */
export function melChannelsFirst(mel: Float32Array, frames: number, mels: number, scale = 1): Float32Array {
  const x = new Float32Array(mels * frames);
  for (let t = 0; t < frames; t++) for (let m = 0; m < mels; m++) x[m * frames + t] = mel[t * mels + m]! * scale;
  return x;
}

/** The frames [lo, hi) of a T-frame mel that `synthesizeFrames` vocodes for frames [a, b). */
export function vocoderWindow(context: number, T: number, a: number, b: number): [number, number] {
  return [Math.max(0, a - context), Math.min(T, b + context)];
}

/**
 * The samples of frames [a, b) of a T-frame log-mel ([T, mels] row-major; only rows
 * `vocoderWindow(...)` are read), (b - a) * hop of them, vocoding only that window.
 */
export async function synthesizeFrames(v: Vocoder, mel: Float32Array, T: number, mels: number, a: number, b: number): Promise<Float32Array> {
  if (v.contextFrames === undefined) throw new Error(`vocoder '${v.name}' has no finite context: vocode whole sentences`);
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b && b <= T)) throw new Error(`synthesizeFrames: bad frame range [${a}, ${b}) of ${T}`);
  const [lo, hi] = vocoderWindow(v.contextFrames, T, a, b);
  const y = await v.synthesize(mel.subarray(lo * mels, hi * mels), hi - lo);
  return y.slice((a - lo) * v.hop, (b - lo) * v.hop);
}

/** Pads with zeros or trims to exactly n samples. */
export function fitLength(y: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(n);
  const m = Math.min(n, y.length);
  for (let i = 0; i < m; i++) out[i] = y[i]!;
  return out;
}

/** Fast Griffin-Lim from the mel pseudo-inverse (the fallback; no weights needed). */
/**
 * A neural vocoder that is one ORT session, mel [1, mels, T] -> wav, its calls serialised so
 * concurrent users of one instance queue instead of competing for the same threads.
 */
export abstract class SessionVocoder implements Vocoder {
  abstract readonly name: string;
  private readonly serial = new Serial();
  protected constructor(
    private readonly session: ort.InferenceSession,
    readonly mels: number,
    readonly sampleRate: number,
    readonly hop: number,
    readonly contextFrames: number,
    /** Applied to the incoming log10 mel (e.g. ln 10 for a natural-log model). */
    private readonly melScale = 1,
  ) {}

  /** Runs the network on a [1, mels, frames] mel as given (no log-base conversion). */
  async generate(melCT: Float32Array, frames: number): Promise<Float32Array> {
    const r = await this.session.run({ mel: ortTensor('float32', melCT, [1, this.mels, frames]) });
    return r.wav!.data as Float32Array;
  }

  synthesize(mel: Float32Array, frames: number): Promise<Float32Array> {
    return this.serial.run(async () => {
      if (mel.length !== frames * this.mels) throw new Error(`${this.name}: ${mel.length} mel values for ${frames} frames of ${this.mels} bins`);
      if (frames === 0) return new Float32Array(0);
      return fitLength(await this.generate(melChannelsFirst(mel, frames, this.mels, this.melScale), frames), frames * this.hop);
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export class GriffinLimVocoder implements Vocoder {
  readonly name = 'griffin-lim';
  readonly sampleRate: number;
  readonly hop: number;
  constructor(
    readonly mel: MelConfig = PRODIFF_MEL,
    readonly iterations: number = GRIFFIN_LIM_DEFAULTS.iterations,
  ) {
    this.sampleRate = mel.sampleRate;
    this.hop = mel.hop;
  }

  async synthesize(mel: Float32Array, frames: number): Promise<Float32Array> {
    const nMels = this.mel.nMels;
    if (mel.length !== frames * nMels) throw new Error(`griffin-lim: ${mel.length} mel values for ${frames} frames of ${nMels} bins`);
    if (frames === 0) return new Float32Array(0);
    // The inverse STFT of T frames covers (T - 1) * hop samples; the last hop is padded with zeros.
    const y = frames > 1 ? griffinLim(melToLinear({ data: mel, frames, nMels }, this.mel), this.mel, { iterations: this.iterations }) : new Float64Array(0);
    return fitLength(y, frames * this.hop);
  }
}

registerVocoder('griffin-lim', async (ctx) => new GriffinLimVocoder(ctx.mel, ctx.options?.iterations));
