// Training data for the vocoder: a small corpus interface (so a preprocessed feature cache can
// plug in later), a corpus read from a folder of WAV files, and a random-segment batch sampler.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Rng } from '../engine/random.js';
import { logMel, numFrames, type MelConfig } from '../audio/index.js';
import { loadAudio } from '../audio/resample.js';

/** One utterance: mono audio at the corpus rate and, optionally, its precomputed log-mel. */
export interface VocoderUtterance {
  id: string;
  wav: Float32Array;
  /**
   * log10 mel, [frames, nMels] row-major (ProDiff's layout), frames = 1 + floor(wav.length / hop).
   * Absent: computed from `wav`. A cache may store ground-truth mels here, or mels produced by the
   * acoustic model with teacher-forced durations (fine-tuning against the train/inference mismatch).
   */
  mel?: Float32Array;
}

/** What the vocoder trainer reads. Implementations decide where the data lives. */
export interface VocoderCorpus {
  readonly sampleRate: number;
  readonly size: number;
  /** Length in samples of utterance i (without loading it, where possible). */
  length(i: number): number;
  utterance(i: number): VocoderUtterance;
}

/** Every *.wav below `dir` (sorted, recursive), loaded as mono and resampled to `sampleRate`. */
export class WavFolderCorpus implements VocoderCorpus {
  private readonly files: string[];
  private readonly items: VocoderUtterance[];

  constructor(readonly dir: string, readonly sampleRate: number) {
    this.files = listWavs(dir);
    if (this.files.length === 0) throw new Error(`${dir}: no .wav files found`);
    this.items = this.files.map((f) => ({ id: relative(dir, f), wav: loadAudio(f, sampleRate).samples }));
  }

  get size(): number {
    return this.items.length;
  }

  length(i: number): number {
    return this.items[i]!.wav.length;
  }

  utterance(i: number): VocoderUtterance {
    return this.items[i]!;
  }
}

/** Every *.wav below `dir`, sorted, recursive. */
export function listWavs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.toLowerCase().endsWith('.wav')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** A batch in the generator's layout: mel [B, nMels, K + 1] (channels first), wav [B, K * hop]. */
export interface VocoderBatch {
  mel: Float32Array;
  wav: Float32Array;
  batch: number;
  frames: number;
  samples: number;
}

export interface SegmentOptions {
  batch: number;
  /** K: audio of K hops per segment, with K + 1 mel frames (center framing). */
  segmentFrames: number;
  mel: MelConfig;
}

/**
 * Draws random hop-aligned segments, each utterance weighted by how many segment positions it
 * offers. Utterances shorter than a segment are zero-padded. Mels come from the corpus or are
 * computed once per utterance (whole utterance, so segments see the same framing as inference).
 * The random state is exposed for checkpoints.
 */
export class SegmentSampler {
  private rng: Rng;
  private readonly mels = new Map<number, { wav: Float32Array; mel: Float32Array }>();
  private readonly cumulative: Float64Array;

  constructor(readonly corpus: VocoderCorpus, readonly o: SegmentOptions, seed: number | Uint32Array) {
    this.rng = new Rng(seed);
    if (corpus.sampleRate !== o.mel.sampleRate) throw new Error(`corpus rate ${corpus.sampleRate} Hz differs from the mel's ${o.mel.sampleRate} Hz`);
    this.cumulative = new Float64Array(corpus.size);
    let acc = 0;
    for (let i = 0; i < corpus.size; i++) {
      acc += this.positions(corpus.length(i));
      this.cumulative[i] = acc;
    }
  }

  private positions(n: number): number {
    return Math.max(1, Math.floor(n / this.o.mel.hop) - this.o.segmentFrames + 1);
  }

  /** The random state (save it in a checkpoint; pass it to the constructor to resume). */
  state(): Uint32Array {
    return this.rng.state();
  }

  private prepared(i: number): { wav: Float32Array; mel: Float32Array } {
    const hit = this.mels.get(i);
    if (hit) return hit;
    const { hop, nMels } = this.o.mel;
    const u = this.corpus.utterance(i);
    let wav = u.wav;
    const need = this.o.segmentFrames * hop;
    let mel = u.mel;
    if (mel && mel.length !== numFrames(u.wav.length, hop) * nMels) {
      throw new Error(`utterance ${u.id}: mel has ${mel.length / nMels} frames, audio of ${u.wav.length} samples needs ${numFrames(u.wav.length, hop)}`);
    }
    if (wav.length < need) {
      const padded = new Float32Array(need);
      padded.set(wav);
      if (mel) {
        // Extend with the mel of silence (log10 of the floor).
        const m = new Float32Array(numFrames(need, hop) * nMels).fill(Math.log10(this.o.mel.eps));
        m.set(mel);
        mel = m;
      }
      wav = padded;
    }
    const entry = { wav, mel: mel ?? logMel(wav, this.o.mel).data };
    this.mels.set(i, entry);
    return entry;
  }

  /** One batch of random segments. */
  next(): VocoderBatch {
    const { batch, segmentFrames: K } = this.o;
    const { hop, nMels } = this.o.mel;
    const F = K + 1;
    const L = K * hop;
    const mel = new Float32Array(batch * nMels * F);
    const wav = new Float32Array(batch * L);
    const total = this.cumulative[this.cumulative.length - 1]!;
    for (let b = 0; b < batch; b++) {
      const r = this.rng.uniform() * total;
      let i = 0;
      while (i < this.cumulative.length - 1 && this.cumulative[i]! <= r) i++;
      const u = this.prepared(i);
      const f = this.rng.int(this.positions(u.wav.length));
      wav.set(u.wav.subarray(f * hop, f * hop + L), b * L);
      for (let t = 0; t < F; t++) for (let m = 0; m < nMels; m++) mel[(b * nMels + m) * F + t] = u.mel[(f + t) * nMels + m]!;
    }
    return { mel, wav, batch, frames: F, samples: L };
  }
}
