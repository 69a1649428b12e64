// The vocoder's training data, described as plain JSON (stored in the run's configuration so that a
// resumed run reads the same data), and opened as a `VocoderCorpus`.
import { CacheVocoderCorpus } from './cache-vocoder-corpus.js';
import { WavFolderCorpus, type VocoderCorpus } from './vocoder-data.js';

export type VocoderDataSource =
  /** Every WAV file below a folder, the mel computed from the audio. */
  | { kind: 'wavs'; dir: string }
  /** A preprocessed cache's train split: the recordings and the cache's ground-truth mels. */
  | { kind: 'cache'; cache: string }
  /** A cache's train split: the recordings and an acoustic model's mels with forced durations. */
  | { kind: 'acoustic-mels'; cache: string; acoustic: string; mels: string; seed: number };

export function openVocoderCorpus(src: VocoderDataSource, sampleRate: number): VocoderCorpus {
  if (src.kind === 'wavs') return new WavFolderCorpus(src.dir, sampleRate);
  const corpus = new CacheVocoderCorpus(src.cache, src.kind === 'acoustic-mels' ? { mels: src.mels } : {});
  if (corpus.sampleRate !== sampleRate) throw new Error(`${src.cache}: the cache is at ${corpus.sampleRate} Hz, the vocoder at ${sampleRate} Hz`);
  return corpus;
}

export function describeSource(src: VocoderDataSource): string {
  switch (src.kind) {
    case 'wavs': return `WAV files below ${src.dir}`;
    case 'cache': return `train split of ${src.cache} (recordings, ground-truth mels)`;
    case 'acoustic-mels': return `train split of ${src.cache} (recordings, mels of ${src.acoustic} with forced durations, from ${src.mels})`;
  }
}
