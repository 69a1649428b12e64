// `prodiff preprocess CORPUS --out CACHE`: per utterance the token ids, durations, mel2ph, log-mel,
// f0/uv and energy, written as one safetensors file each; an index with the split, speakers and the
// train-set f0 statistics. Work is spread over worker threads; finished utterances are skipped.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { f0Stats, PRODIFF_MEL } from '../audio/index.js';
import { writeFileAtomic } from '../engine/atomic.js';
import { readSafetensors, writeSafetensors } from '../engine/safetensors.js';
import { PhoneVocab, textToPhones } from '../text/index.js';
import { alignTokens, durationsToMel2ph } from './align.js';
import { readAlignment, readCorpus, type Utterance } from './corpus.js';
import { featuresOf } from './features.js';
import { loadAudio } from '../audio/resample.js';
import type { AlignedPhone } from './festival.js';
import { alignUtterances } from './align-corpus.js';
import { Aligner, BUNDLED_ALIGNER } from './aligner.js';

const CACHE_VERSION = 1;

export interface CacheEntry {
  id: string;
  speaker: string;
  speakerId: number;
  frames: number;
  tokens: number;
  seconds: number;
  split: 'train' | 'valid' | 'test';
  text: string;
}

export interface CacheIndex {
  version: number;
  corpus: string;
  audio: { sampleRate: number; hop: number; nFft: number; nMels: number; fmin: number; fmax: number };
  /** Token list: id -> token. */
  vocab: string[];
  speakers: string[];
  f0: { mean: number; std: number };
  utterances: CacheEntry[];
  skipped: { id: string; problem: string }[];
}

export interface WorkItem {
  utt: Utterance;
  /** Keep at most this many seconds of the leading and trailing pause (undefined: no trimming). */
  trimSilence?: number;
  out: string;
  vocab: string[];
  speakerId: number;
}

export interface WorkResult {
  frames: number;
  tokens: number;
  seconds: number;
}

/**
 * Splits deterministically by a hash of the sentence key (at least one valid and one test
 * utterance when possible). The key is the utterance id without its speaker folder prefix, so in a
 * multi-speaker corpus that reads the same sentences with every voice, a held-out sentence is held
 * out for every speaker: test sentences are unseen text, not only unseen audio.
 */
export function splitOf(sentenceKey: string, validFraction = DEFAULT_VALID_FRACTION, testFraction = DEFAULT_TEST_FRACTION): CacheEntry['split'] {
  let h = 2166136261;
  for (let i = 0; i < sentenceKey.length; i++) h = Math.imul(h ^ sentenceKey.charCodeAt(i), 16777619) >>> 0;
  const u = h / 2 ** 32;
  return u < testFraction ? 'test' : u < testFraction + validFraction ? 'valid' : 'train';
}

export const DEFAULT_VALID_FRACTION = 0.02;
export const DEFAULT_TEST_FRACTION = 0.02;

/** The utterance id without the `SPEAKER_` prefix that a speaker folder gives it. */
export function sentenceKey(id: string, speaker: string): string {
  return speaker !== '' && id.startsWith(`${speaker}_`) ? id.slice(speaker.length + 1) : id;
}

/** Features, tokens and durations of one utterance, written to `item.out` (runs in a worker). */
export function processUtterance(item: WorkItem): WorkResult {
  const { utt } = item;
  if (!utt.alignment) throw new Error('no phone alignment (alignments/ID.tsv, .json or .TextGrid)');
  let phones = readAlignment(utt.alignment);
  let { samples } = loadAudio(utt.wav, PRODIFF_MEL.sampleRate);
  if (item.trimSilence !== undefined) ({ samples, phones } = trimEdgePauses(samples, PRODIFF_MEL.sampleRate, phones, item.trimSilence));
  const feats = featuresOf(samples);
  const fe = textToPhones(utt.normalized, { normalize: true });
  if (fe.words.length === 0) throw new Error('text yields no phones');
  const a = alignTokens(fe, phones, feats.frames, PRODIFF_MEL.sampleRate, PRODIFF_MEL.hop);
  const vocab = new Map(item.vocab.map((t, i) => [t, i]));
  const ids = a.tokens.map((t) => {
    const id = vocab.get(t);
    if (id === undefined) throw new Error(`token '${t}' is not in the phone set`);
    return id;
  });
  writeSafetensors(
    item.out,
    {
      tokens: { shape: [ids.length], data: BigInt64Array.from(ids.map(BigInt)) },
      durations: { shape: [ids.length], data: BigInt64Array.from(a.durations.map(BigInt)) },
      mel2ph: { shape: [feats.frames], data: BigInt64Array.from(durationsToMel2ph(a.durations), (v) => BigInt(v)) },
      mel: { shape: [feats.frames, feats.nMels], data: feats.mel },
      f0: { shape: [feats.frames], data: feats.f0 },
      uv: { shape: [feats.frames], data: feats.uv },
      energy: { shape: [feats.frames], data: feats.energy },
    },
    { id: utt.id, speaker: utt.speaker, text: utt.normalized, phones: a.tokens.join(' ') },
  );
  return { frames: feats.frames, tokens: ids.length, seconds: feats.seconds };
}

/**
 * Cuts the leading and trailing pauses (`sil` rows at the ends) down to `keep` seconds each,
 * trimming the audio to match and moving the times.
 */
export function trimEdgePauses(samples: Float32Array, rate: number, phones: AlignedPhone[], keep: number): { samples: Float32Array; phones: AlignedPhone[] } {
  const out = phones.map((p) => ({ ...p }));
  const first = out[0]!;
  const last = out[out.length - 1]!;
  const cut = first.phone === 'sil' && out.length > 1 ? Math.max(0, first.end - first.start - keep) : 0;
  const end = last.phone === 'sil' && out.length > 1 ? Math.min(last.end, last.start + keep) : last.end;
  const a = Math.round((first.start + cut) * rate);
  const b = Math.max(a, Math.min(samples.length, Math.round(end * rate)));
  const shift = first.start + cut;
  for (const p of out) {
    p.start = Math.max(0, Math.min(end, p.start) - shift);
    p.end = Math.max(0, Math.min(end, p.end) - shift);
  }
  out[0]!.start = 0;
  return { samples: samples.slice(a, b), phones: out };
}

export interface PreprocessOptions {
  /** Keep at most this many seconds of each utterance's leading and trailing pause (default: no trimming). */
  trimSilence?: number;
  workers?: number;
  /** Aligner model folder for utterances without phone times (default: the bundled aligner). */
  alignerModel?: string;
  /** Shares of the sentences held out for validation and test (defaults 0.02 each). */
  validFraction?: number;
  testFraction?: number;
  onAlignProgress?: (done: number, total: number) => void;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
}

function readDone(path: string): WorkResult | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const f = readSafetensors(path);
    const frames = f.tensors.get('mel')!.shape[0]!;
    return { frames, tokens: f.tensors.get('tokens')!.shape[0]!, seconds: (frames * PRODIFF_MEL.hop) / PRODIFF_MEL.sampleRate };
  } catch {
    return undefined; // unreadable: redo it
  }
}

export async function preprocess(corpusDir: string, cacheDir: string, o: PreprocessOptions = {}): Promise<CacheIndex> {
  const log = o.log ?? (() => {});
  const validFraction = o.validFraction ?? DEFAULT_VALID_FRACTION;
  const testFraction = o.testFraction ?? DEFAULT_TEST_FRACTION;
  for (const [name, f] of [['validFraction', validFraction], ['testFraction', testFraction]] as const) {
    if (!(f >= 0 && f < 1)) throw new Error(`preprocess: ${name} must be in [0, 1), got ${f}`);
  }
  if (validFraction + testFraction >= 1) throw new Error(`preprocess: validFraction + testFraction must be below 1 (got ${validFraction + testFraction}), or nothing is left to train on`);
  const corpus = readCorpus(corpusDir);
  const vocab = PhoneVocab.default().tokens.slice();
  const uttDir = join(cacheDir, 'utts');
  mkdirSync(uttDir, { recursive: true });
  const speakerIds = new Map(corpus.speakers.map((s, i) => [s, i]));
  const skipped = [...corpus.skipped];
  for (const s of corpus.skipped) log(`skipped ${s.id}: ${s.problem}`);

  // Utterances without phone times are aligned first (prodiff align's code path), into CACHE/alignments.
  const unaligned = corpus.utterances.filter((u) => !u.alignment);
  if (unaligned.length > 0) {
    const alignDir = join(cacheDir, 'alignments');
    log(`${unaligned.length} utterances have no phone times: aligning them with the built-in aligner`);
    const aligner = await Aligner.load(o.alignerModel ?? BUNDLED_ALIGNER);
    try {
      const r = await alignUtterances(unaligned, alignDir, aligner, o.onAlignProgress ? { onProgress: o.onAlignProgress } : {});
      for (const e of r.skipped) {
        skipped.push({ id: e.id, problem: `alignment: ${e.reason}` });
        log(`skipped ${e.id}: alignment: ${e.reason}`);
      }
      const alignedIds = new Set(r.ranked.map((e) => e.id));
      for (const utt of unaligned) if (alignedIds.has(utt.id)) utt.alignment = join(alignDir, `${utt.id}.tsv`);
    } finally {
      await aligner.close();
    }
    corpus.utterances = corpus.utterances.filter((u) => u.alignment);
  }

  const results = new Map<string, WorkResult>();
  const todo: WorkItem[] = [];
  for (const utt of corpus.utterances) {
    const out = join(uttDir, `${utt.id}.safetensors`);
    const done = readDone(out);
    if (done) results.set(utt.id, done);
    else todo.push({ utt, out, vocab, speakerId: speakerIds.get(utt.speaker)!, ...(o.trimSilence !== undefined ? { trimSilence: o.trimSilence } : {}) });
  }
  let finished = results.size;
  o.onProgress?.(finished, corpus.utterances.length);

  const nWorkers = Math.max(1, Math.min(o.workers ?? availableParallelism(), todo.length));
  if (todo.length > 0) {
    const workerUrl = new URL('./preprocess-worker.js', import.meta.url);
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let active = 0;
      const workers = Array.from({ length: nWorkers }, () => new Worker(workerUrl));
      const feed = (w: Worker) => {
        if (next >= todo.length) {
          void w.terminate();
          if (--active === 0) resolve();
          return;
        }
        w.postMessage(todo[next++]);
      };
      for (const w of workers) {
        active++;
        w.on('message', (m: { id: string; ok: boolean; result?: WorkResult; error?: string }) => {
          if (m.ok) results.set(m.id, m.result!);
          else {
            skipped.push({ id: m.id, problem: m.error! });
            log(`skipped ${m.id}: ${m.error}`);
          }
          o.onProgress?.(++finished, corpus.utterances.length);
          feed(w);
        });
        w.on('error', reject);
        feed(w);
      }
    });
  }

  const utterances: CacheEntry[] = corpus.utterances
    .filter((u) => results.has(u.id))
    .map((u) => {
      const r = results.get(u.id)!;
      return { id: u.id, speaker: u.speaker, speakerId: speakerIds.get(u.speaker)!, frames: r.frames, tokens: r.tokens, seconds: r.seconds, split: splitOf(sentenceKey(u.id, u.speaker), validFraction, testFraction), text: u.normalized };
    });
  if (utterances.length === 0) throw new Error(`${corpusDir}: no utterance could be preprocessed (${skipped.length} skipped)`);
  // Small corpora still get one validation and one test sentence (for every speaker that reads it).
  const keyOf = (u: CacheEntry) => sentenceKey(u.id, u.speaker);
  const trainKeys = [...new Set(utterances.filter((u) => u.split === 'train').map(keyOf))];
  if (trainKeys.length >= 3) {
    const move = (key: string, split: CacheEntry['split']) => { for (const u of utterances) if (keyOf(u) === key) u.split = split; };
    if (!utterances.some((u) => u.split === 'valid')) move(trainKeys[0]!, 'valid');
    if (!utterances.some((u) => u.split === 'test')) move(trainKeys[trainKeys.length - 1]!, 'test');
  }
  // Train-set f0 statistics over voiced frames.
  const tracks = utterances.filter((u) => u.split === 'train').map((u) => readSafetensors(join(uttDir, `${u.id}.safetensors`)).tensors.get('f0')!.data as Float32Array);
  const stats = f0Stats(tracks);
  const index: CacheIndex = {
    version: CACHE_VERSION,
    corpus: corpusDir,
    audio: { sampleRate: PRODIFF_MEL.sampleRate, hop: PRODIFF_MEL.hop, nFft: PRODIFF_MEL.nFft, nMels: PRODIFF_MEL.nMels, fmin: PRODIFF_MEL.fmin, fmax: PRODIFF_MEL.fmax },
    vocab,
    speakers: corpus.speakers,
    f0: { mean: stats.mean, std: stats.std },
    utterances,
    skipped,
  };
  writeFileAtomic(join(cacheDir, 'index.json'), JSON.stringify(index, null, 1));
  return index;
}

export function readCacheIndex(cacheDir: string): CacheIndex {
  const path = join(cacheDir, 'index.json');
  if (!existsSync(path)) throw new Error(`${cacheDir}: no index.json (run prodiff preprocess first)`);
  const idx = JSON.parse(readFileSync(path, 'utf-8')) as CacheIndex;
  if (idx.version !== CACHE_VERSION) throw new Error(`${path}: cache version ${idx.version}, this prodiff reads ${CACHE_VERSION}: preprocess again`);
  return idx;
}
