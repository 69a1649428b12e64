// One sentence synthesised chunk by chunk, exactly: the acoustic model is prepared once (encoder,
// durations, adaptor, whole-sentence noise), then each chunk's mel comes from the windowed denoiser
// and its samples from the vocoder run on the chunk plus `contextFrames` of mel each side. The
// mel is computed ahead of the chunk being vocoded by that context, each frame once.
import type { AcousticModel, PreparedUtterance, SynthesisOptions } from '../model/inference.js';
import { fitLength, synthesizeFrames, vocoderWindow, type Vocoder } from '../model/vocoder.js';

/** Default frames in a sentence's first chunk (about 0.37 s at hop 256 and 22.05 kHz). */
export const FIRST_CHUNK_FRAMES = 32;
/** Default largest chunk, frames (about 3 s). */
export const MAX_CHUNK_FRAMES = 256;

/**
 * Chunk sizes of a stream: the first chunk has `first` frames, each next one twice the last, up to
 * max(first, max) frames, continuing across sentences (after the first chunk, audio is buffered
 * ahead, so only it must be small). A sentence's remainder shorter than `first` joins the chunk
 * before it (except the stream's first chunk).
 */
export class ChunkSizer {
  private size: number;
  private started = false;
  constructor(
    readonly first: number,
    readonly max: number,
  ) {
    this.size = first;
  }

  /** The chunks [a, b) of the next sentence, of T frames. */
  split(T: number): [number, number][] {
    const out: [number, number][] = [];
    const cap = Math.max(this.first, this.max);
    let a = 0;
    while (a < T) {
      let b = Math.min(T, a + this.size);
      if (this.started && T - b < this.first) b = T;
      out.push([a, b]);
      a = b;
      this.started = true;
      this.size = Math.min(2 * this.size, cap);
    }
    return out;
  }
}

/** The chunks of one sentence streamed alone. */
export function chunkBounds(T: number, first: number, max: number): [number, number][] {
  return new ChunkSizer(first, max).split(T);
}

export interface ChunkResult {
  /** Log-mel of the chunk's frames, [b - a, mels]. */
  mel: Float32Array;
  /** (b - a) * hop samples. */
  audio: Float32Array;
  acousticMs: number;
  vocoderMs: number;
}

export class ChunkedSentence {
  private readonly mel: Float32Array;
  private melDone = 0;
  /** The chunks' frame ranges; one chunk where the vocoder has no finite context. */
  readonly bounds: [number, number][];

  private constructor(
    private readonly acoustic: AcousticModel,
    private readonly vocoder: Vocoder,
    readonly prepared: PreparedUtterance,
    sizer: ChunkSizer,
    readonly prepareMs: number,
  ) {
    const T = prepared.frames;
    this.mel = new Float32Array(T * prepared.mels);
    this.bounds = vocoder.contextFrames === undefined ? [[0, T]] : sizer.split(T);
  }

  static async start(acoustic: AcousticModel, vocoder: Vocoder, ids: number[], o: SynthesisOptions, sizer: ChunkSizer): Promise<ChunkedSentence> {
    const t0 = performance.now();
    const p = await acoustic.prepare(ids, o);
    return new ChunkedSentence(acoustic, vocoder, p, sizer, performance.now() - t0);
  }

  get frames(): number {
    return this.prepared.frames;
  }

  /** Chunk k's mel and samples (chunks in order: each needs the mel its predecessors computed). */
  async chunk(k: number): Promise<ChunkResult> {
    const [a, b] = this.bounds[k]!;
    const T = this.frames, M = this.prepared.mels;
    const ctx = this.vocoder.contextFrames;
    const need = ctx === undefined ? T : vocoderWindow(ctx, T, a, b)[1];
    const t0 = performance.now();
    if (need > this.melDone) {
      this.mel.set(await this.acoustic.denoiseFrames(this.prepared, this.melDone, need), this.melDone * M);
      this.melDone = need;
    }
    const t1 = performance.now();
    const wave = ctx === undefined ? await this.vocoder.synthesize(this.mel, T) : await synthesizeFrames(this.vocoder, this.mel, T, M, a, b);
    const t2 = performance.now();
    return { mel: this.mel.slice(a * M, b * M), audio: fitLength(wave, (b - a) * this.vocoder.hop), acousticMs: t1 - t0, vocoderMs: t2 - t1 };
  }
}
