// Corpus readers: LJSpeech layout (metadata.csv `id|text|normalized text`, wavs/), optionally with
// a speaker column or one folder per speaker, and optional phone alignments (our TSV, a JSON list,
// or Praat TextGrid files as Montreal Forced Aligner writes them).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AlignedPhone } from './festival.js';

export interface Utterance {
  id: string;
  speaker: string;
  /** Text as written. */
  text: string;
  /** Normalised text (LJSpeech's third column; falls back to `text`). */
  normalized: string;
  wav: string;
  /** Phone timings when the corpus provides them. */
  alignment?: string;
}

export interface CorpusProblem {
  id: string;
  problem: string;
}

export interface Corpus {
  root: string;
  utterances: Utterance[];
  speakers: string[];
  /** Lines or files skipped, each with the reason. */
  skipped: CorpusProblem[];
}

const ALIGN_EXTS = ['.tsv', '.json', '.TextGrid'];

function findAlignment(dir: string, id: string): string | undefined {
  for (const ext of ALIGN_EXTS) {
    const p = join(dir, `${id}${ext}`);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function readSpeakerFolder(root: string, speaker: string, out: Corpus): void {
  const meta = join(root, 'metadata.csv');
  if (!existsSync(meta)) throw new Error(`${root}: no metadata.csv (expected the LJSpeech layout: metadata.csv and wavs/)`);
  const lines = readFileSync(meta, 'utf-8').split(/\r?\n/);
  const alignDir = join(root, 'alignments');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const cols = line.split('|');
    const where = `${meta}:${i + 1}`;
    if (cols.length < 2) {
      out.skipped.push({ id: where, problem: 'expected id|text[|normalized text]' });
      return;
    }
    // id|speaker|text|normalized when four columns are present.
    const [id, spk, text, norm] = cols.length >= 4 ? [cols[0]!, cols[1]!, cols[2]!, cols[3]!] : [cols[0]!, speaker, cols[1]!, cols[2] ?? cols[1]!];
    const wav = join(root, 'wavs', `${id}.wav`);
    if (!existsSync(wav)) {
      out.skipped.push({ id, problem: `missing audio ${wav}` });
      return;
    }
    if (text.trim() === '' && norm.trim() === '') {
      out.skipped.push({ id, problem: 'empty text' });
      return;
    }
    const alignment = existsSync(alignDir) ? findAlignment(alignDir, id) : undefined;
    out.utterances.push({ id: speaker === '' ? id : `${speaker}_${id}`.replace(/^_/, ''), speaker: spk, text, normalized: norm.trim() === '' ? text : norm, wav, ...(alignment ? { alignment } : {}) });
  });
}

/** Reads a corpus folder: LJSpeech layout, or one LJSpeech-layout folder per speaker. */
export function readCorpus(root: string): Corpus {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: not a directory`);
  const corpus: Corpus = { root, utterances: [], speakers: [], skipped: [] };
  if (existsSync(join(root, 'metadata.csv'))) readSpeakerFolder(root, '', corpus);
  else {
    const dirs = readdirSync(root).filter((d) => existsSync(join(root, d, 'metadata.csv'))).sort();
    if (dirs.length === 0) throw new Error(`${root}: no metadata.csv, and no speaker folders holding one`);
    for (const d of dirs) {
      const before = corpus.utterances.length;
      readSpeakerFolder(join(root, d), d, corpus);
      for (const u of corpus.utterances.slice(before)) u.speaker = u.speaker === '' ? d : u.speaker;
    }
  }
  for (const u of corpus.utterances) if (u.speaker === '') u.speaker = basename(root);
  corpus.speakers = [...new Set(corpus.utterances.map((u) => u.speaker))].sort();
  const seen = new Set<string>();
  for (const u of corpus.utterances) {
    if (seen.has(u.id)) throw new Error(`${root}: utterance id '${u.id}' appears twice`);
    seen.add(u.id);
  }
  return corpus;
}

/** Reads phone timings: our TSV (phone, start, end, word), JSON [{phone,start,end,word?}], or a TextGrid's "phones" tier. */
export function readAlignment(path: string): AlignedPhone[] {
  const text = readFileSync(path, 'utf-8');
  let phones: AlignedPhone[];
  if (path.endsWith('.tsv')) {
    const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    phones = rows.slice(rows[0]?.startsWith('phone\t') ? 1 : 0).map((l, i) => {
      const [phone, start, end, word] = l.split('\t');
      if (!phone || start === undefined || end === undefined) throw new Error(`${path}:${i + 2}: expected phone<TAB>start<TAB>end[<TAB>word]`);
      return { phone, start: Number(start), end: Number(end), word: word ?? '' };
    });
  } else if (path.endsWith('.json')) {
    const data = JSON.parse(text) as { phone: string; start: number; end: number; word?: string }[];
    if (!Array.isArray(data)) throw new Error(`${path}: expected a JSON list of {phone, start, end}`);
    phones = data.map((p) => ({ phone: String(p.phone), start: Number(p.start), end: Number(p.end), word: p.word ?? '' }));
  } else if (path.endsWith('.TextGrid')) {
    phones = readTextGridPhones(text, path);
  } else throw new Error(`${path}: unknown alignment format (use .tsv, .json or .TextGrid)`);
  phones.forEach((p, i) => {
    if (!Number.isFinite(p.start) || !Number.isFinite(p.end) || p.end < p.start) throw new Error(`${path}: phone ${i + 1} ('${p.phone}') has bad times ${p.start}..${p.end}`);
    if (i > 0 && Math.abs(p.start - phones[i - 1]!.end) > 1e-3) throw new Error(`${path}: phone ${i + 1} starts at ${p.start}, the previous ended at ${phones[i - 1]!.end}`);
  });
  if (phones.length === 0) throw new Error(`${path}: no phones`);
  return phones;
}

/** The "phones" tier of a long-format Praat TextGrid (MFA); empty intervals and sil/sp/spn become 'sil'. */
function readTextGridPhones(text: string, path: string): AlignedPhone[] {
  const tiers = text.split(/item \[\d+\]:/).slice(1);
  const tier = tiers.find((t) => /name = "phones"/.test(t));
  if (!tier) throw new Error(`${path}: no "phones" tier`);
  const wordsTier = tiers.find((t) => /name = "words"/.test(t));
  const intervals = (t: string) => [...t.matchAll(/xmin = ([\d.eE+-]+)\s*\n\s*xmax = ([\d.eE+-]+)\s*\n\s*text = "((?:[^"]|"")*)"/g)].map((m) => ({ start: Number(m[1]), end: Number(m[2]), text: m[3]!.replace(/""/g, '"') }));
  const words = wordsTier ? intervals(wordsTier) : [];
  return intervals(tier).map((iv) => {
    const sil = iv.text === '' || /^(sil|sp|spn)$/i.test(iv.text);
    const w = words.find((x) => x.start <= iv.start + 1e-6 && x.end >= iv.end - 1e-6);
    return { phone: sil ? 'sil' : iv.text, start: iv.start, end: iv.end, word: sil ? '' : (w?.text ?? '').toLowerCase() };
  });
}
