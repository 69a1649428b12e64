// Training and validation data for the aligner: a corpus's audio at the aligner's rate with the
// words to align (the phones of its times files when present, else the front end's reading of the
// transcript), and validation by boundary accuracy against reference times.
import { loadAudio } from '../audio/resample.js';
import type { AlignerConfig } from '../model/aligner.js';
import { decodeAlignment, frontEndWords, type AlignWord } from '../data/aligner.js';
import { boundaryErrors, summarizeBoundaries } from '../data/boundary-accuracy.js';
import { readAlignment, readCorpus } from '../data/corpus.js';
import type { AlignedPhone } from '../data/festival.js';
import { ParamStore, Rng } from '../engine/index.js';
import { AlignerTraining, DEFAULT_TRAIN, makeBatches, trainingUtterance, type TrainingUtterance } from './aligner.js';

/** Words with their phones from timed phones (pauses dropped; a new word where the word label changes). */
export function wordsFromAlignment(phones: AlignedPhone[]): AlignWord[] {
  const words: AlignWord[] = [];
  let cur: AlignWord | undefined;
  for (const p of phones) {
    if (p.phone === 'sil') {
      cur = undefined;
      continue;
    }
    if (!cur || cur.text !== p.word) words.push((cur = { text: p.word, phones: [] }));
    cur.phones.push(p.phone);
  }
  return words;
}

export interface TrainingSet {
  utterances: TrainingUtterance[];
  /** Reference times per utterance (withReference). */
  references?: AlignedPhone[][];
}

export function loadTrainingSet(dir: string, cfg: AlignerConfig, o: { log?: (l: string) => void; limit?: number; withReference?: boolean; ignoreTimes?: boolean } = {}): TrainingSet {
  const corpus = readCorpus(dir);
  const utterances: TrainingUtterance[] = [];
  const references: AlignedPhone[][] = [];
  const limit = o.limit ?? Infinity;
  for (const u of corpus.utterances.slice(0, limit)) {
    try {
      const ref = u.alignment && !o.ignoreTimes ? readAlignment(u.alignment) : undefined;
      if (o.withReference && !ref) throw new Error('no reference times');
      const words = ref ? wordsFromAlignment(ref) : frontEndWords(u.normalized);
      const { samples } = loadAudio(u.wav, cfg.sampleRate);
      utterances.push(trainingUtterance(u.id, samples, words, cfg, ref));
      if (ref) references.push(ref);
    } catch (e) {
      o.log?.(`skipped ${u.id}: ${(e as Error).message}`);
    }
  }
  return { utterances, ...(o.withReference ? { references } : {}) };
}

/** Forward-sum loss and boundary accuracy (alignment by the current weights, no augmentation). */
export async function validateAligner(training: AlignerTraining, utts: TrainingUtterance[], refs: AlignedPhone[][]): Promise<Record<string, number>> {
  const errors: number[] = [];
  let loss = 0;
  for (let i = 0; i < utts.length; i++) {
    const u = utts[i]!;
    const batch = training.prepare([u], null);
    const logp = await training.logp(batch);
    loss += training.lossAndGradient(batch, logp, false).loss;
    const a = decodeAlignment(logp, batch.frames[0]!, u.tokens, u.words, training.config, u.seconds);
    errors.push(...boundaryErrors(a.phones, refs[i]!));
  }
  const s = summarizeBoundaries(errors);
  return { loss: loss / utts.length, within20: s.within20, within10: s.within10, median_ms: s.median * 1000 };
}

export interface AdaptOptions {
  steps: number;
  lr?: number;
  batch?: number;
  onProgress?: (done: number, total: number, loss: number) => void;
  log?: (line: string) => void;
}

/**
 * Fine-tunes aligner weights on a corpus's own audio and transcripts (the front end's phones) with
 * the same loss and augmentation; returns the adapted weights.
 */
export async function adaptAligner(config: AlignerConfig, params: ParamStore, corpusDir: string, o: AdaptOptions): Promise<ParamStore> {
  const set = loadTrainingSet(corpusDir, config, { ...(o.log ? { log: o.log } : {}), ignoreTimes: true });
  if (set.utterances.length === 0) throw new Error(`${corpusDir}: no utterance usable for adaptation`);
  const opts = { ...DEFAULT_TRAIN, steps: o.steps, lr: o.lr ?? 3e-4, batch: o.batch ?? 8, priorSteps: 0 };
  const training = await AlignerTraining.create(config, params, opts);
  const rng = new Rng(opts.seed);
  let batches: TrainingUtterance[][] = [];
  try {
    for (let s = 0; s < o.steps; s++) {
      if (batches.length === 0) batches = makeBatches(set.utterances, opts.batch, opts.maxFrames, rng);
      const r = await training.step(training.prepare(batches.pop()!, rng));
      o.onProgress?.(s + 1, o.steps, r.loss);
    }
    return training.trainer.exportParams(new ParamStore());
  } finally {
    await training.close();
  }
}
