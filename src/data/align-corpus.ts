// Aligning a whole corpus: DIR/<id>.tsv per utterance (the alignment TSV that `corpus synth`
// writes), DIR/report.tsv with every utterance's confidence (worst first) and the skipped ones with
// their reason. Resumable: a journal (DIR/.journal.jsonl) records each finished utterance, and
// utterances already in it are not done again. Every file appears atomically.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { Aligner, frontEndWords, UnalignableError, type AlignWord } from './aligner.js';
import { readCorpus, type Utterance } from './corpus.js';
import { formatAlignment } from './festival.js';

/**
 * Below this mean log-probability per frame an alignment is taken as a transcript that does not
 * match its audio (calibrated in docs/aligner.md: matching transcripts of held-out speakers scored
 * -1.4 .. -0.2, another utterance's transcript -7.9 .. -2.2).
 */
export const DEFAULT_MIN_CONFIDENCE = -2;

export interface JournalEntry {
  id: string;
  status: 'aligned' | 'skipped';
  confidence?: number;
  worstPhone?: number;
  seconds?: number;
  reason?: string;
}

export interface AlignCorpusOptions {
  minConfidence?: number;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
}

export interface AlignCorpusResult {
  aligned: number;
  skipped: JournalEntry[];
  /** Aligned utterances, lowest confidence first. */
  ranked: JournalEntry[];
  audioSeconds: number;
}

function readJournal(path: string): Map<string, JournalEntry> {
  const out = new Map<string, JournalEntry>();
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf-8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as JournalEntry;
      out.set(e.id, e);
    } catch {
      // a line cut by an interruption: that utterance is done again
    }
  }
  return out;
}

/** Aligns one utterance; the entry says what happened. */
export async function alignUtterance(aligner: Aligner, utt: Utterance, outPath: string, minConfidence = DEFAULT_MIN_CONFIDENCE): Promise<JournalEntry> {
  let words: AlignWord[];
  try {
    words = frontEndWords(utt.normalized);
  } catch (e) {
    return { id: utt.id, status: 'skipped', reason: `transcript: ${(e as Error).message}` };
  }
  if (words.length === 0) return { id: utt.id, status: 'skipped', reason: 'empty transcript (no words to align)' };
  let samples: Float32Array;
  try {
    samples = aligner.loadAudio(utt.wav);
  } catch (e) {
    return { id: utt.id, status: 'skipped', reason: `unusable audio: ${(e as Error).message}` };
  }
  const seconds = samples.length / aligner.config.sampleRate;
  try {
    const r = await aligner.align(samples, words);
    const base = { id: utt.id, confidence: r.confidence, worstPhone: r.worstPhone, seconds };
    if (r.confidence < minConfidence) return { ...base, status: 'skipped', reason: `transcript does not match the audio (confidence ${r.confidence.toFixed(2)} < ${minConfidence})` };
    writeFileAtomic(outPath, formatAlignment(r.phones));
    return { ...base, status: 'aligned' };
  } catch (e) {
    if (e instanceof UnalignableError) return { id: utt.id, status: 'skipped', seconds, reason: e.message };
    throw e;
  }
}

export function formatReport(entries: JournalEntry[]): string {
  const skipped = entries.filter((e) => e.status === 'skipped');
  const aligned = entries.filter((e) => e.status === 'aligned').sort((a, b) => a.confidence! - b.confidence!);
  const f = (x: number | undefined, d: number) => (x === undefined ? '' : x.toFixed(d));
  const rows = [...skipped, ...aligned].map((e) => `${e.id}\t${e.status}\t${f(e.confidence, 4)}\t${f(e.worstPhone, 4)}\t${f(e.seconds, 3)}\t${e.reason ?? ''}`);
  return `id\tstatus\tconfidence\tworst_phone\tseconds\treason\n${rows.join('\n')}${rows.length ? '\n' : ''}`;
}

/** Aligns every utterance of a corpus (LJSpeech layout, or one such folder per speaker) into `outDir`. */
export async function alignCorpus(corpusDir: string, outDir: string, aligner: Aligner, o: AlignCorpusOptions = {}): Promise<AlignCorpusResult> {
  const corpus = readCorpus(corpusDir);
  const unusable = corpus.skipped.map((s): JournalEntry => ({ id: s.id, status: 'skipped', reason: s.problem }));
  return alignUtterances(corpus.utterances, outDir, aligner, o, unusable);
}

/**
 * Aligns `utterances` into `outDir` (DIR/<id>.tsv, the journal, report.tsv listing `unusable` too):
 * the work behind `prodiff align` and preprocessing of a corpus without phone times.
 */
export async function alignUtterances(utterances: Utterance[], outDir: string, aligner: Aligner, o: AlignCorpusOptions = {}, unusable: JournalEntry[] = []): Promise<AlignCorpusResult> {
  mkdirSync(outDir, { recursive: true });
  const journalPath = join(outDir, '.journal.jsonl');
  const journal = readJournal(journalPath);
  const entries = new Map<string, JournalEntry>();
  for (const e of unusable) entries.set(e.id, e);
  let done = 0;
  const total = utterances.length;
  o.onProgress?.(0, total);
  for (const utt of utterances) {
    const out = join(outDir, `${utt.id}.tsv`);
    const prev = journal.get(utt.id);
    let e: JournalEntry;
    if (prev && (prev.status === 'skipped' || existsSync(out))) e = prev;
    else {
      e = await alignUtterance(aligner, utt, out, o.minConfidence);
      appendFileSync(journalPath, `${JSON.stringify(e)}\n`);
      if (e.status === 'skipped') o.log?.(`skipped ${utt.id}: ${e.reason}`);
    }
    entries.set(utt.id, e);
    o.onProgress?.(++done, total);
  }
  const all = [...entries.values()];
  writeFileAtomic(join(outDir, 'report.tsv'), formatReport(all));
  const aligned = all.filter((e) => e.status === 'aligned');
  return {
    aligned: aligned.length,
    skipped: all.filter((e) => e.status === 'skipped'),
    ranked: aligned.sort((a, b) => a.confidence! - b.confidence!),
    audioSeconds: aligned.reduce((s, e) => s + (e.seconds ?? 0), 0),
  };
}
