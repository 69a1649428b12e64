// The recordings behind a preprocessed cache. The cache keeps features, not audio; its index
// records the corpus folder as it was given to `prodiff preprocess`.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readCorpus } from './corpus.js';
import type { CacheIndex } from './preprocess.js';

/** The corpus folder of a cache: the recorded path as is (relative to the working directory), then next to the cache. */
export function cacheCorpusRoot(cacheDir: string, recorded: string): string | undefined {
  const candidates = isAbsolute(recorded) ? [recorded] : [resolve(recorded), resolve(dirname(resolve(cacheDir)), recorded)];
  return candidates.find((c) => existsSync(join(c, 'metadata.csv')) || existsSync(c));
}

/** Utterance id -> WAV path of every corpus utterance; fails naming where it looked. */
export function cacheRecordings(cacheDir: string, index: Pick<CacheIndex, 'corpus'>): { root: string; wavs: Map<string, string> } {
  const root = cacheCorpusRoot(cacheDir, index.corpus);
  if (!root) {
    throw new Error(`${cacheDir}: the cache holds no audio and its corpus '${index.corpus}' was found neither relative to the working directory nor next to the cache`);
  }
  return { root, wavs: new Map(readCorpus(root).utterances.map((u) => [u.id, u.wav])) };
}
