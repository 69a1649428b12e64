// A synthetic training corpus from Debian's Festival speech synthesizer: LJSpeech layout plus the
// exact phone timings Festival's HTS engine writes back into the utterance (see
// shared/notes/corpus.md). Festival is a data-making tool here, never a runtime dependency.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';

/**
 * Festival voices we know how to select, by short name, and how far their audio trails their
 * segment labels (added to inner boundaries). slt (HTS): measured from energy edges. kal and ked
 * (diphone, LPC): the shift that best matched the bundled aligner on 40 sentences (+10 ms: 89.6 %
 * and 79.6 % of boundaries within 20 ms, against 77.8 % and 76.1 % unshifted); their labels are
 * rougher than the HTS voice's, extra speakers rather than references.
 */
export const FESTIVAL_VOICES: Record<string, FestivalVoice> = {
  slt: { scheme: 'voice_cmu_us_slt_arctic_hts', debianPackage: 'festvox-us-slt-hts', about: 'CMU ARCTIC slt, HTS', lag: 0.01 },
  kal: { scheme: 'voice_kal_diphone', debianPackage: 'festvox-kallpc16k', about: 'CMU kal, US male, diphone', lag: 0.01 },
  ked: { scheme: 'voice_ked_diphone', debianPackage: 'festvox-kdlpc16k', about: 'CMU ked, US male, diphone', lag: 0.01 },
};

export interface FestivalVoice {
  /** The Scheme function that selects the voice. */
  scheme: string;
  /** The Debian package that installs it (beside `festival`). */
  debianPackage: string;
  about: string;
  /** Seconds the audio trails the segment labels. */
  lag: number;
}

export interface AlignedPhone {
  /** ARPAbet with stress digit on vowels, or 'sil' for a pause. */
  phone: string;
  start: number;
  end: number;
  /** The word the phone belongs to (lower case), '' for pauses. */
  word: string;
}

const VOWELS = new Set(['aa', 'ae', 'ah', 'ao', 'aw', 'ay', 'eh', 'er', 'ey', 'ih', 'iy', 'ow', 'oy', 'uh', 'uw']);
const CONSONANTS = new Set(['b', 'ch', 'd', 'dh', 'f', 'g', 'hh', 'jh', 'k', 'l', 'm', 'n', 'ng', 'p', 'r', 's', 'sh', 't', 'th', 'v', 'w', 'y', 'z', 'zh']);
const SILENCES = new Set(['pau', 'h#', 'brth']);

/** Maps one Festival (radio phone set) segment to ARPAbet; throws on an unknown phone. */
export function festivalToArpabet(phone: string, stress: string): string {
  if (SILENCES.has(phone)) return 'sil';
  if (phone === 'ax') return 'AH0';
  if (VOWELS.has(phone)) return `${phone.toUpperCase()}${stress === '1' || stress === '2' ? '1' : '0'}`;
  if (CONSONANTS.has(phone)) return phone.toUpperCase();
  throw new Error(`unknown Festival phone '${phone}'`);
}

/**
 * Parses the segment dump written by the Scheme below (name, start, end, vowel flag, stress, word)
 * into ARPAbet phones. Inner boundaries move by `lag` seconds (Festival's audio trails its labels by
 * ~10 ms); the last end becomes the audio duration.
 */
export function parseSegments(text: string, duration: number, lag = 0.01): AlignedPhone[] {
  const rows = text.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'));
  const phones = rows.map((r, i) => {
    if (r.length < 6) throw new Error(`segment line ${i + 1} has ${r.length} fields`);
    const [name, start, end, , stress, word] = r as [string, string, string, string, string, string];
    const phone = festivalToArpabet(name, stress);
    return { phone, start: Number(start), end: Number(end), word: phone === 'sil' ? '' : word.toLowerCase() };
  });
  for (let i = 0; i < phones.length; i++) {
    const p = phones[i]!;
    if (i > 0) p.start = Math.min(duration, phones[i - 1]!.end);
    p.end = i === phones.length - 1 ? duration : Math.min(duration, p.end + lag);
    if (!(p.end >= p.start)) throw new Error(`segment ${i + 1} ('${p.phone}') ends before it starts`);
  }
  return phones;
}

export function formatAlignment(phones: AlignedPhone[]): string {
  return `phone\tstart\tend\tword\n${phones.map((p) => `${p.phone}\t${p.start.toFixed(5)}\t${p.end.toFixed(5)}\t${p.word}`).join('\n')}\n`;
}

function schemeString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function schemeScript(voice: string, items: { id: string; text: string; wav: string; lab: string }[]): string {
  const header = `(${voice})
(define (prodiff-dump utt path)
  (let ((fd (fopen path "w")))
    (mapcar (lambda (seg)
      (format fd "%s\\t%f\\t%f\\t%s\\t%s\\t%s\\n" (item.name seg) (item.feat seg "segment_start") (item.feat seg "end")
        (item.feat seg "ph_vc") (item.feat seg "R:SylStructure.parent.stress") (item.feat seg "R:SylStructure.parent.parent.name")))
      (utt.relation.items utt 'Segment))
    (fclose fd)))
(define (prodiff-synth id text wav lab)
  (unwind-protect
    (let ((utt (SynthText text)))
      (utt.save.wave utt wav 'riff)
      (prodiff-dump utt lab)
      (format stderr "OK %s\\n" id))
    (format stderr "FAILED %s\\n" id)))
`;
  return header + items.map((it) => `(prodiff-synth ${schemeString(it.id)} ${schemeString(it.text)} ${schemeString(it.wav)} ${schemeString(it.lab)})`).join('\n') + '\n';
}

/** The voice by its short name, once festival and sox are known to be installed. */
function requireTools(voice: string): FestivalVoice {
  const v = FESTIVAL_VOICES[voice];
  if (!v) throw new Error(`unknown Festival voice '${voice}' (known: ${Object.keys(FESTIVAL_VOICES).join(', ')})`);
  for (const tool of ['festival', 'sox']) {
    const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (r.error) throw new Error(`'${tool}' is not installed: apt-get install -y --no-install-recommends festival ${v.debianPackage} sox`);
  }
  return v;
}

export interface SynthItem {
  id: string;
  /** Text exactly as our own normaliser wrote it (Festival would otherwise expand numbers its own way). */
  text: string;
}

export interface SynthResult {
  written: number;
  skipped: number;
  failed: string[];
}

/** Runs a command; `onLine` sees its standard error line by line (unbuffered, unlike a piped stdout). */
function run(cmd: string, args: string[], onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      err = (err + s).slice(-2000);
      buf += s;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) onLine?.(l);
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${err.slice(-500)}`))));
  });
}

function wavDuration(path: string): number {
  // RIFF 16-bit mono from sox: data size / (rate * 2), read from the header.
  const b = readFileSync(path);
  let off = 12;
  let rate = 0;
  let bytesPerFrame = 2;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      rate = b.readUInt32LE(off + 12);
      bytesPerFrame = b.readUInt16LE(off + 20);
    } else if (id === 'data') return Math.min(size, b.length - off - 8) / bytesPerFrame / rate;
    off += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

/**
 * Checks a synthesis batch (ids safe as file names and unique, one non-empty line of text each) and
 * returns the items not yet made: those without both their WAV and their alignment (resumable runs).
 */
export function pendingSynthItems(items: SynthItem[], wavDir: string, alignDir: string): SynthItem[] {
  const ids = new Set<string>();
  for (const it of items) {
    if (!/^[A-Za-z0-9_-]+$/.test(it.id)) throw new Error(`utterance id '${it.id}' must be letters, digits, '_' or '-'`);
    if (ids.has(it.id)) throw new Error(`duplicate utterance id '${it.id}'`);
    ids.add(it.id);
    if (it.text.includes('\n') || it.text.trim() === '') throw new Error(`utterance '${it.id}': text must be one non-empty line`);
  }
  return items.filter((it) => !(existsSync(join(wavDir, `${it.id}.wav`)) && existsSync(join(alignDir, `${it.id}.tsv`))));
}

/**
 * Synthesises every item into `outDir` (wavs/ID.wav at 22050 Hz 16-bit, alignments/ID.tsv,
 * metadata.csv). Items already present are skipped, so an interrupted run can be resumed.
 */
export async function synthesizeCorpus(
  items: SynthItem[],
  o: { voice: string; outDir: string; jobs?: number; sampleRate?: number; onProgress?: (done: number, total: number) => void },
): Promise<SynthResult> {
  const voice = requireTools(o.voice);
  const jobs = Math.max(1, o.jobs ?? 2);
  const wavDir = join(o.outDir, 'wavs');
  const alignDir = join(o.outDir, 'alignments');
  const work = join(o.outDir, '.work');
  for (const d of [wavDir, alignDir, work]) mkdirSync(d, { recursive: true });
  const todo = pendingSynthItems(items, wavDir, alignDir);
  const failed: string[] = [];
  let done = items.length - todo.length;
  o.onProgress?.(done, items.length);

  const shards = Array.from({ length: jobs }, (_, k) => todo.filter((_, i) => i % jobs === k)).filter((s) => s.length > 0);
  const rate = o.sampleRate ?? 22050;
  const finish = async (it: SynthItem) => {
    const raw = join(work, `${it.id}.wav`);
    const lab = join(work, `${it.id}.lab`);
    const tmpWav = join(wavDir, `${it.id}.wav.tmp`);
    // -D: no dither, so the corpus is bit-identical run to run.
    await run('sox', ['-D', raw, '-t', 'wav', '-r', String(rate), '-b', '16', '-c', '1', tmpWav, 'rate', '-v']);
    const phones = parseSegments(readFileSync(lab, 'utf-8'), wavDuration(tmpWav), voice.lag);
    writeFileAtomic(join(alignDir, `${it.id}.tsv`), formatAlignment(phones));
    renameSync(tmpWav, join(wavDir, `${it.id}.wav`));
    rmSync(raw, { force: true });
    rmSync(lab, { force: true });
  };
  await Promise.all(
    shards.map(async (shard, k) => {
      const script = join(work, `job${k}.scm`);
      writeFileAtomic(script, schemeScript(voice.scheme, shard.map((it) => ({ ...it, wav: join(work, `${it.id}.wav`), lab: join(work, `${it.id}.lab`) }))));
      const pending: Promise<void>[] = [];
      const byId = new Map(shard.map((it) => [it.id, it]));
      await run('festival', ['-b', script], (line) => {
        const [status, id] = line.trim().split(' ');
        const it = id ? byId.get(id) : undefined;
        if (!it) return;
        if (status === 'OK') {
          pending.push(finish(it).then(
            () => o.onProgress?.(++done, items.length),
            (e: Error) => {
              failed.push(`${it.id}: ${e.message}`);
            },
          ));
        } else failed.push(`${it.id}: Festival could not synthesise it`);
      });
      await Promise.all(pending);
    }),
  );
  rmSync(work, { recursive: true, force: true });
  const failedIds = new Set(failed.map((f) => f.split(':')[0]));
  const present = items.filter((it) => !failedIds.has(it.id) && existsSync(join(wavDir, `${it.id}.wav`)));
  writeFileAtomic(join(o.outDir, 'metadata.csv'), present.map((it) => `${it.id}|${it.text}|${it.text}`).join('\n') + '\n');
  return { written: todo.length - failed.length, skipped: items.length - todo.length, failed };
}
