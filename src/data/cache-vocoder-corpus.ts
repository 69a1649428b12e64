// Vocoder training data from a preprocessed cache: one split's utterances (train by default, so the
// held-out ones stay held out), the recording from the corpus folder, and as the mel either the
// cache's ground-truth mel or an acoustic model's mel precomputed by `precomputeAcousticMels`.
// Both mels have the recording's framing: frames = 1 + floor(samples / hop), as `SegmentSampler`
// expects.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadAudio } from '../audio/resample.js';
import { numFrames } from '../audio/stft.js';
import { readAcousticMel, readCacheUtterance } from './acoustic-mels.js';
import { cacheRecordings } from './cache-recordings.js';
import { readCacheIndex, type CacheEntry, type CacheIndex } from './preprocess.js';
import type { VocoderCorpus, VocoderUtterance } from './vocoder-data.js';

/** A folder holding a preprocessed cache (rather than plain WAV files). */
export const isCacheDir = (dir: string): boolean => existsSync(join(dir, 'index.json'));

export interface CacheVocoderOptions {
  split?: CacheEntry['split'];
  /** Folder of acoustic-model mels (`precomputeAcousticMels`); absent: the cache's ground-truth mels. */
  mels?: string;
}

export class CacheVocoderCorpus implements VocoderCorpus {
  readonly index: CacheIndex;
  readonly entries: CacheEntry[];
  readonly sampleRate: number;
  private readonly wavs: Map<string, string>;

  constructor(readonly cache: string, readonly o: CacheVocoderOptions = {}) {
    this.index = readCacheIndex(cache);
    const split = o.split ?? 'train';
    this.entries = this.index.utterances.filter((u) => u.split === split);
    if (this.entries.length === 0) throw new Error(`${cache}: no '${split}' utterances`);
    this.sampleRate = this.index.audio.sampleRate;
    this.wavs = cacheRecordings(cache, this.index).wavs;
    const noAudio = this.entries.filter((e) => !this.wavs.has(e.id));
    if (noAudio.length) throw new Error(`${cache}: ${noAudio.length} utterances have no recording in the corpus (first: ${noAudio[0]!.id})`);
    if (o.mels) {
      const missing = this.entries.filter((e) => !existsSync(join(o.mels!, `${e.id}.safetensors`)));
      if (missing.length) throw new Error(`${o.mels}: no acoustic-model mel for ${missing.length} of ${this.entries.length} '${split}' utterances (first: ${missing[0]!.id}); precompute them first`);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** From the index (seconds = samples / rate), without reading the audio. */
  length(i: number): number {
    return Math.round(this.entries[i]!.seconds * this.sampleRate);
  }

  utterance(i: number): VocoderUtterance {
    const e = this.entries[i]!;
    const wav = loadAudio(this.wavs.get(e.id)!, this.sampleRate).samples;
    const frames = numFrames(wav.length, this.index.audio.hop);
    if (frames !== e.frames) {
      throw new Error(`${e.id}: the recording ${this.wavs.get(e.id)} has ${wav.length} samples (${frames} frames), the cache has ${e.frames} frames: the corpus changed since preprocessing`);
    }
    const mel = this.o.mels ? readAcousticMel(this.o.mels, e.id, e.frames) : readCacheUtterance(this.cache, e.id).mel;
    if (!mel) throw new Error(`${join(this.o.mels!, `${e.id}.safetensors`)}: unreadable or not ${e.frames} frames long; precompute it again`);
    return { id: e.id, wav, mel };
  }
}
