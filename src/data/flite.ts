// A multi-speaker synthetic corpus from Debian's flite (voices slt, rms, awb, kal16; 16 kHz): one
// LJSpeech-layout folder per speaker with the phone times flite prints (`-psdur`), the stress of
// `t2p` and the words of prodiff's own front end. flite is a data-making tool, never a runtime
// dependency. See shared/notes/corpus.md for what was measured about these voices.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { readWav } from '../audio/wav.js';
import { textToPhones } from '../text/index.js';
import { festivalToArpabet, formatAlignment, pendingSynthItems, type AlignedPhone, type SynthItem, type SynthResult } from './festival.js';

export const FLITE_VOICES = ['slt', 'rms', 'awb', 'kal16'] as const;

/**
 * Acoustic onsets trail flite's labels by about 3-5 ms (shared/notes/corpus.md): inner boundaries
 * move this much later.
 */
const FLITE_LAG = 0.004;

function capture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-1000)));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}: ${err.trim().slice(-300)}`))));
  });
}

/** Edit-distance alignment of two symbol sequences: for each `a[i]`, the index in `b` it matches, or -1. */
export function matchSequences(a: readonly string[], b: readonly string[]): number[] {
  const n = a.length;
  const m = b.length;
  const cost = new Int32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = 0; i <= n; i++) cost[at(i, 0)] = i;
  for (let j = 0; j <= m; j++) cost[at(0, j)] = j;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const sub = cost[at(i - 1, j - 1)]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      cost[at(i, j)] = Math.min(sub, cost[at(i - 1, j)]! + 1, cost[at(i, j - 1)]! + 1);
    }
  }
  const out = new Array<number>(n).fill(-1);
  for (let i = n, j = m; i > 0 && j >= 0;) {
    if (j > 0 && cost[at(i, j)] === cost[at(i - 1, j - 1)]! + (a[i - 1] === b[j - 1] ? 0 : 1)) {
      out[i - 1] = j - 1;
      i--;
      j--;
    } else if (cost[at(i, j)] === cost[at(i - 1, j)]! + 1) i--;
    else j--;
  }
  return out;
}

const base = (p: string) => p.replace(/[012]$/, '');

/**
 * Joins flite's timed phones (`pau:0.176 dh:0.329 ...`), t2p's stressed phones and the front end's
 * words into ARPAbet rows: stress from t2p, words from the front end (matched phone by phone), inner
 * boundaries `lag` later, the last end the audio's duration.
 */
export function fliteAlignment(psdur: string, t2p: string, text: string, duration: number, lag = FLITE_LAG): AlignedPhone[] {
  const timed = psdur.trim().split(/\s+/).filter((x) => x !== '').map((pair) => {
    const k = pair.lastIndexOf(':');
    const end = Number(pair.slice(k + 1));
    if (k <= 0 || !Number.isFinite(end)) throw new Error(`flite printed '${pair}', expected phone:end`);
    return { name: pair.slice(0, k), end };
  });
  const stressed = t2p.trim().split(/\s+/).filter((x) => x !== '');
  if (stressed.length !== timed.length || stressed.some((s, i) => s.replace(/\d$/, '') !== timed[i]!.name)) {
    throw new Error('flite and t2p disagree about the phones');
  }
  const phones: AlignedPhone[] = timed.map((t, i) => {
    const stress = /(\d)$/.exec(stressed[i]!)?.[1] ?? '0';
    return { phone: festivalToArpabet(t.name, stress), start: i === 0 ? 0 : timed[i - 1]!.end, end: t.end, word: '' };
  });
  // Words: the front end's, each phone taking the word of the front-end phone it matches (an
  // unmatched phone takes its neighbour's, within the same stretch between pauses).
  const fe = textToPhones(text, { normalize: true });
  const feWords: number[] = [];
  const fePhones: string[] = [];
  const wordText: string[] = [];
  fe.words.forEach((w) => {
    if (w.kind === 'punctuation') return;
    const k = wordText.length;
    wordText.push(w.text.toLowerCase());
    for (let i = w.start; i < w.end; i++) {
      fePhones.push(base(fe.phones[i]!));
      feWords.push(k);
    }
  });
  const speech = phones.map((p, i) => ({ p, i })).filter((x) => x.p.phone !== 'sil');
  const match = matchSequences(speech.map((x) => base(x.p.phone)), fePhones);
  const wordOf = match.map((j) => (j >= 0 ? feWords[j]! : -1));
  for (let k = 0; k < wordOf.length; k++) {
    if (wordOf[k]! >= 0) continue;
    const prevSameRun = k > 0 && speech[k - 1]!.i === speech[k]!.i - 1 ? wordOf[k - 1]! : -1;
    if (prevSameRun >= 0) wordOf[k] = prevSameRun;
  }
  for (let k = wordOf.length - 1; k >= 0; k--) if (wordOf[k]! < 0) wordOf[k] = k + 1 < wordOf.length ? wordOf[k + 1]! : wordText.length - 1;
  for (let k = 1; k < wordOf.length; k++) if (wordOf[k]! < wordOf[k - 1]!) wordOf[k] = wordOf[k - 1]!;
  speech.forEach((x, k) => (x.p.word = wordText[wordOf[k]!] ?? ''));
  for (let i = 0; i < phones.length; i++) {
    const p = phones[i]!;
    if (i > 0) p.start = phones[i - 1]!.end;
    p.end = i === phones.length - 1 ? duration : Math.min(duration, p.end + lag);
    if (!(p.end >= p.start)) throw new Error(`phone ${i + 1} ('${p.phone}') ends before it starts`);
  }
  return phones;
}

function requireFlite(): void {
  for (const tool of ['flite', 't2p']) {
    const r = spawnSync(tool, ['-h'], { stdio: 'ignore' });
    if (r.error) throw new Error(`'${tool}' is not installed: apt-get install -y --no-install-recommends flite`);
  }
}

/**
 * Synthesises every item with one flite voice into `outDir` (wavs/ID.wav at flite's 16 kHz,
 * alignments/ID.tsv, metadata.csv). Items already present are skipped (resumable); output files
 * appear atomically.
 */
export async function synthesizeFliteCorpus(
  items: SynthItem[],
  o: { voice: string; outDir: string; jobs?: number; onProgress?: (done: number, total: number) => void },
): Promise<SynthResult> {
  if (!(FLITE_VOICES as readonly string[]).includes(o.voice)) throw new Error(`unknown flite voice '${o.voice}' (known: ${FLITE_VOICES.join(', ')})`);
  requireFlite();
  const wavDir = join(o.outDir, 'wavs');
  const alignDir = join(o.outDir, 'alignments');
  for (const d of [wavDir, alignDir]) mkdirSync(d, { recursive: true });
  const todo = pendingSynthItems(items, wavDir, alignDir);
  const failed: string[] = [];
  let done = items.length - todo.length;
  o.onProgress?.(done, items.length);
  const one = async (it: SynthItem) => {
    const tmpWav = join(wavDir, `${it.id}.tmp.wav`);
    try {
      const [psdur, stressed] = await Promise.all([capture('flite', ['-voice', o.voice, '-psdur', '-t', it.text, '-o', tmpWav]), capture('t2p', [it.text])]);
      const wav = readWav(tmpWav);
      const phones = fliteAlignment(psdur, stressed, it.text, wav.length / wav.sampleRate);
      writeFileAtomic(join(alignDir, `${it.id}.tsv`), formatAlignment(phones));
      renameSync(tmpWav, join(wavDir, `${it.id}.wav`));
    } catch (e) {
      rmSync(tmpWav, { force: true });
      failed.push(`${it.id}: ${(e as Error).message}`);
    }
    o.onProgress?.(++done, items.length);
  };
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, o.jobs ?? 2) }, async () => {
    while (next < todo.length) await one(todo[next++]!);
  }));
  const failedIds = new Set(failed.map((f) => f.split(':')[0]));
  const present = items.filter((it) => !failedIds.has(it.id) && existsSync(join(wavDir, `${it.id}.wav`)));
  writeFileAtomic(join(o.outDir, 'metadata.csv'), present.map((it) => `${it.id}|${it.text}|${it.text}`).join('\n') + '\n');
  return { written: todo.length - failed.length, skipped: items.length - todo.length, failed };
}
