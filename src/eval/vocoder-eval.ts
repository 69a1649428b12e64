// `prodiff eval-vocoder`: trained vocoders against Griffin-Lim on held-out utterances. Each input
// mel (the recording's, and optionally an acoustic model's with the durations forced) goes through
// every vocoder; the audio is scored against the recording's mel (log-mel L1 and MCD, the
// definitions of `prodiff eval`, so the two tables compare), timed (RTF) and transcribed with
// pocketsphinx (WER against the cache's text), next to the recording itself as the ASR ceiling.
import { mkdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { countTones, LevelMeter, loadAudio, logMel, LongTermSpectrum, PRODIFF_MEL, prodiffPitch, writeWav } from '../audio/index.js';
import { forcedMel, readCacheUtterance } from '../data/acoustic-mels.js';
import { cacheRecordings } from '../data/cache-recordings.js';
import { isCacheDir } from '../data/cache-vocoder-corpus.js';
import { readCacheIndex, type CacheEntry } from '../data/preprocess.js';
import { listWavs } from '../data/vocoder-data.js';
import { readSafetensors } from '../engine/safetensors.js';
import type { AcousticModel } from '../model/inference.js';
import { loadAcousticModel } from '../model/load-acoustic.js';
import { createVocoder, type Vocoder } from '../model/vocoder.js';
import { PghiVocoder } from '../model/vocos-vocoder.js';
import { AsrBatch, pocketsphinxMissing } from './asr.js';
import { addPitchCounts, comparePitch, emptyPitchCounts, f0Frames, MCD_ORDER, mcdSum, melL1, normalizeWords, pitchSummary, wordErrors, type MelImage } from './metrics.js';

export interface VocoderEvalOptions {
  /** A preprocessed cache (its `split`, with texts) or a folder of WAV files (no WER: no texts). */
  data: string;
  /** Vocoder runs (their generator.safetensors) or generator weight files. */
  vocoders: string[];
  /** The cache split to score (default 'test'); 'all' = every utterance (a cache made only for evaluation). */
  split?: CacheEntry['split'] | 'all';
  limit?: number;
  /** Also vocode this acoustic model's mels (teacher or student; cache only), durations forced. */
  acoustic?: string;
  /** Base seed of the acoustic model's sampler (one seed per utterance, as for fine-tuning). */
  acousticSeed?: number;
  /** Transcribe with pocketsphinx when installed (default true). */
  asr?: boolean;
  griffinLimIterations?: number;
  /** Leave the Griffin-Lim rows out (the slowest rows; default false). */
  noGriffinLim?: boolean;
  /** For 'pghi' generators: fit iterations and Griffin-Lim refinement iterations (default: the vocoder's). */
  pghi?: { fitIterations?: number; iterations?: number };
  threads?: number;
  /** Write every output as WAV here: <id>.<input>.<vocoder>.wav. */
  out?: string;
  log?: (line: string) => void;
}

export type VocoderInput = 'recording' | 'ground-truth mel' | 'acoustic mel';

export interface VocoderEvalRow {
  label: string;
  input: VocoderInput;
  /** 'griffin-lim', a generator file, or null for the recording. */
  vocoder: string | null;
  melL1: number | null;
  mcd: number | null;
  /** Pitch of the output against the recording's (both by the cache's pitch tracker). */
  logF0RmseCents: number | null;
  vde: number | null;
  ffe: number | null;
  rtf: number | null;
  wer: number | null;
  frames: number;
}

/** Output hygiene of one row's audio over all utterances (the recording's too, when it is at hand). */
export interface HygieneRow {
  label: string;
  /** Mean sample value. */
  dc: number;
  peakDb: number;
  speechRmsDb: number;
  /** Harmonics of sampleRate / hop up to 7 kHz standing >= 6 dB above their +-40 Hz neighbourhood. */
  tones: number;
  harmonics: number;
}

export interface VocoderEvalReport {
  data: string;
  split: string | null;
  utterances: string[];
  seconds: number;
  acoustic: string | null;
  asr: { used: boolean; note: string };
  definitions: Record<string, string>;
  settings: { griffinLimIterations: number; mcdOrder: number; threads: number; acousticSeed: number };
  rows: VocoderEvalRow[];
  /** A multi-speaker cache: the same rows for each speaker's utterances alone. */
  speakers: { speaker: string; utterances: number; rows: VocoderEvalRow[] }[];
  hygiene: HygieneRow[];
  perUtterance: { id: string; row: string; melL1?: number; mcd?: number; hypothesis?: string; wordErrors?: number; words?: number }[];
}

const VOCODER_METRIC_DEFINITIONS: Record<string, string> = {
  melL1: "mean |logmel(audio) - mel_recording| over frames x 80 bins, log10-mel units (as `prodiff eval`; the vocoder training logs the same in ln units, x 2.3026)",
  logF0RmseCents: "RMSE of 1200 * log2(f0 / f0_recording) over frames voiced in both, cents; f0 of the output and of the recording by the cache's pitch tracker (prodiffPitch)",
  vde: 'voicing decision error: frames voiced in one of output and recording but not the other / all frames',
  ffe: 'F0 frame error: (voicing errors + gross pitch errors, |f0/f0_recording - 1| > 20 %) / all frames',
  mcd: `dB; mel-cepstral distortion between logmel(audio) and the recording's mel, the definition of \`prodiff eval\`: orthonormal DCT-II of ln(mel), c_1..c_${MCD_ORDER}, frames one to one`,
  rtf: 'vocoder wall time / audio seconds (one warm-up call first; the acoustic model is not timed)',
  wer: 'pocketsphinx (en-us) word error rate against the normalised text: (S + D + I) / reference words, pooled over utterances',
  dc: 'mean sample value over all utterances',
  peakDb: 'largest |sample|, dBFS',
  speechRmsDb: 'RMS of the 1024-sample frames (hop 512) within 40 dB of each utterance\'s loudest frame, dBFS',
  tones: 'frame-rate tonal count: harmonics k sr/hop (86.13 Hz) up to 7 kHz whose level (largest bin within +-1 bin) stands >= 6 dB above the median of the bins within +-40 Hz (own +-2 bins left out), in the long-term average spectrum of all utterances (Welch: 4096-point periodic Hann, 50 % overlap)',
};

/** Level meter and long-term spectrum of one row. */
class HygieneMeter {
  readonly level = new LevelMeter();
  readonly lts = new LongTermSpectrum(PRODIFF_MEL.sampleRate, 4096);
  add(y: ArrayLike<number>): void {
    this.level.add(y);
    this.lts.add(y);
  }
  row(label: string): HygieneRow {
    const l = this.level.stats();
    const t = countTones(this.lts.spectrum(), this.lts.binHz(), { fundamental: PRODIFF_MEL.sampleRate / PRODIFF_MEL.hop });
    return { label, dc: l.dc, peakDb: l.peakDb, speechRmsDb: l.speechRmsDb, tones: t.count, harmonics: t.harmonics };
  }
}

interface Item {
  id: string;
  /** The recording's log10 mel [frames, mels]. */
  mel: Float32Array;
  frames: number;
  text?: string;
  wav?: string;
  entry?: CacheEntry;
  speaker?: string;
}

/** Utterances to score: the cache split (recordings looked up in its corpus), or every WAV below a folder. */
function loadItems(o: VocoderEvalOptions, log: (l: string) => void): { items: Item[]; split: string | null } {
  if (isCacheDir(o.data)) {
    const split = o.split ?? 'test';
    const index = readCacheIndex(o.data);
    if (index.audio.sampleRate !== PRODIFF_MEL.sampleRate || index.audio.hop !== PRODIFF_MEL.hop || index.audio.nMels !== PRODIFF_MEL.nMels) {
      throw new Error(`${o.data}: audio settings ${JSON.stringify(index.audio)} differ from ProDiff's`);
    }
    let wavs = new Map<string, string>();
    try {
      wavs = cacheRecordings(o.data, index).wavs;
    } catch (e) {
      log(`${(e as Error).message}: no recording row`);
    }
    const entries = index.utterances.filter((u) => split === 'all' || u.split === split).slice(0, o.limit);
    if (entries.length === 0) throw new Error(`${o.data}: no '${split}' utterances`);
    const multiSpeaker = index.speakers.length > 1;
    const items = entries.map((e) => {
      const u = readCacheUtterance(o.data, e.id);
      const wav = wavs.get(e.id);
      return { id: e.id, mel: u.mel, frames: u.frames, text: e.text, entry: e, ...(wav ? { wav } : {}), ...(multiSpeaker ? { speaker: e.speaker } : {}) };
    });
    return { items, split };
  }
  if (o.acoustic) throw new Error(`--acoustic needs --data to be a preprocessed cache (index.json); ${o.data} has none`);
  const files = listWavs(o.data);
  if (files.length === 0) throw new Error(`${o.data}: neither a cache (index.json) nor a folder with .wav files`);
  const items = files.slice(0, o.limit).map((f) => {
    const m = logMel(loadAudio(f, PRODIFF_MEL.sampleRate).samples, PRODIFF_MEL);
    return { id: relative(o.data, f).replace(/\.wav$/i, ''), mel: m.data, frames: m.frames, wav: f };
  });
  return { items, split: null };
}

/** A run folder stands for its generator.safetensors; the label names the run and its step. */
function vocoderFile(p: string): { file: string; label: string } {
  const file = p.endsWith('.safetensors') ? p : join(p, 'generator.safetensors');
  const step = readSafetensors(file).metadata.step;
  const name = p.endsWith('.safetensors') ? basename(p, '.safetensors') : basename(p);
  return { file, label: `vocos ${name}${step !== undefined ? ` step ${step}` : ''}` };
}

/** log-mel of the output, cut (or padded with its last frame) to the recording's frame count. */
function outputMel(y: Float32Array, frames: number): MelImage {
  const m = logMel(y, PRODIFF_MEL);
  const M = PRODIFF_MEL.nMels;
  const data = new Float32Array(frames * M);
  for (let t = 0; t < frames; t++) data.set(m.data.subarray(Math.min(t, m.frames - 1) * M, (Math.min(t, m.frames - 1) + 1) * M), t * M);
  return { data, frames, mels: M };
}

/** What a row adds up over its utterances. */
interface RowSums {
  l1: number;
  mcd: number;
  frames: number;
  pitch: ReturnType<typeof emptyPitchCounts>;
  ms: number;
  seconds: number;
  errors: number;
  words: number;
  transcribed: boolean;
}

function emptySums(): RowSums {
  return { l1: 0, mcd: 0, frames: 0, pitch: emptyPitchCounts(), ms: 0, seconds: 0, errors: 0, words: 0, transcribed: false };
}

/** The row's means from its sums (null where nothing was measured). */
function summaryRow(row: VocoderEvalRow, a: RowSums): VocoderEvalRow {
  const r = { ...row, frames: a.frames };
  if (a.frames) { r.melL1 = a.l1 / a.frames; r.mcd = a.mcd / a.frames; r.rtf = a.ms / 1000 / a.seconds; }
  if (a.pitch.frames > 0) {
    const p = pitchSummary(a.pitch);
    r.logF0RmseCents = p.logF0RmseCents; r.vde = p.vde; r.ffe = p.ffe;
  }
  if (a.transcribed && a.words > 0) r.wer = a.errors / a.words;
  return r;
}

export async function evaluateVocoders(o: VocoderEvalOptions): Promise<VocoderEvalReport> {
  const log = o.log ?? (() => {});
  const threads = o.threads ?? 1;
  const glIterations = o.griffinLimIterations ?? 32;
  const acousticSeed = o.acousticSeed ?? 0;
  if (o.noGriffinLim && o.vocoders.length === 0) throw new Error('nothing to evaluate: no vocoder given and the Griffin-Lim rows left out');
  const { items, split } = loadItems(o, log);
  const { sampleRate, hop, nMels: M } = PRODIFF_MEL;

  const vocoders: { label: string; file: string; v: Vocoder }[] = o.noGriffinLim ? [] : [
    { label: 'Griffin-Lim', file: 'griffin-lim', v: await createVocoder('griffin-lim', { mel: PRODIFF_MEL, options: { iterations: glIterations } }) },
  ];
  for (const p of o.vocoders) {
    const { file, label: name } = vocoderFile(p);
    const label = vocoders.some((v) => v.label === name) ? `${name} (${file})` : name;
    const v = await createVocoder('vocos', { mel: PRODIFF_MEL, file, threads, ...(o.pghi ? { options: o.pghi } : {}) });
    const settings = v instanceof PghiVocoder ? ` (fit ${v.iterations.fit}, refine ${v.iterations.refine})` : '';
    vocoders.push({ label: label + settings, file, v });
  }
  const acoustic: AcousticModel | undefined = o.acoustic ? (await loadAcousticModel(o.acoustic, threads)).model : undefined;

  let asr: AsrBatch | undefined;
  let asrNote = 'not requested';
  if (o.asr ?? true) {
    const missing = pocketsphinxMissing();
    if (missing) asrNote = `skipped: ${missing}`;
    else if (!items.some((i) => i.text)) asrNote = 'skipped: no reference texts (a WAV folder; use a cache)';
    else {
      asr = new AsrBatch();
      asrNote = 'pocketsphinx_batch, en-us acoustic model, en-us.lm.bin, cmudict-en-us.dict; audio resampled to 16 kHz';
    }
  }
  const withRecording = !!asr && items.some((i) => i.wav);
  const inputs: VocoderInput[] = ['ground-truth mel', ...(acoustic ? ['acoustic mel' as const] : [])];
  const rows: VocoderEvalRow[] = [
    ...(withRecording ? [{ label: 'recording', input: 'recording' as const, vocoder: null, melL1: null, mcd: null, logF0RmseCents: null, vde: null, ffe: null, rtf: null, wer: null, frames: 0 }] : []),
    ...inputs.flatMap((input) => vocoders.map((v) => ({ label: `${input} -> ${v.label}`, input, vocoder: v.file, melL1: null, mcd: null, logF0RmseCents: null, vde: null, ffe: null, rtf: null, wer: null, frames: 0 }))),
  ];
  // Sums per row, over all utterances and (a multi-speaker cache) over each speaker's.
  const speakerNames = [...new Set(items.flatMap((i) => (i.speaker !== undefined ? [i.speaker] : [])))];
  const newSums = () => new Map(rows.map((r) => [r.label, emptySums()]));
  const acc = newSums();
  const speakerAcc = new Map(speakerNames.map((s) => [s, newSums()]));
  const sumsOf = (label: string, speaker: string | undefined): RowSums[] => [acc.get(label)!, ...(speaker !== undefined ? [speakerAcc.get(speaker)!.get(label)!] : [])];
  const speakerOf = new Map(items.map((i) => [i.id, i.speaker]));
  const perUtterance: VocoderEvalReport['perUtterance'] = [];
  const hygiene = new Map<string, HygieneMeter>();
  const meter = (label: string) => hygiene.get(label) ?? hygiene.set(label, new HygieneMeter()).get(label)!;
  if (o.out) mkdirSync(o.out, { recursive: true });
  const stem = (label: string) => label.replace(/[^A-Za-z0-9.-]+/g, '_');

  // Sessions warm up on their first call; keep that out of the RTF.
  for (const v of vocoders.filter((x) => x.file !== 'griffin-lim')) await v.v.synthesize(items[0]!.mel, items[0]!.frames);

  let seconds = 0;
  try {
    for (const [k, it] of items.entries()) {
      const t0 = performance.now();
      const T = it.frames;
      const uttSeconds = (T * hop) / sampleRate;
      seconds += uttSeconds;
      const gt: MelImage = { data: it.mel, frames: T, mels: M };
      let f0Ref: ArrayLike<number> | undefined;
      if (it.wav) {
        const rec = loadAudio(it.wav, sampleRate).samples;
        f0Ref = f0Frames(prodiffPitch(rec, sampleRate, hop).f0, T);
        meter('recording').add(rec);
        if (withRecording) {
          asr!.add(`recording\u0000${it.id}`, rec, sampleRate);
          perUtterance.push({ id: it.id, row: 'recording' });
        }
      }
      for (const input of inputs) {
        const mel = input === 'ground-truth mel' ? it.mel : await forcedMel(acoustic!, readCacheUtterance(o.data, it.id), it.entry!, acousticSeed);
        for (const v of vocoders) {
          const label = `${input} -> ${v.label}`;
          const s0 = performance.now();
          const y = await v.v.synthesize(mel, T);
          const ms = performance.now() - s0;
          const out = outputMel(y, T);
          const l1 = melL1(out, gt), mcdS = mcdSum(out, gt);
          const pitch = f0Ref ? comparePitch(f0Ref, f0Frames(prodiffPitch(y, sampleRate, hop).f0, T)) : undefined;
          for (const a of sumsOf(label, it.speaker)) {
            a.ms += ms; a.seconds += uttSeconds;
            a.l1 += l1 * T; a.mcd += mcdS; a.frames += T;
            if (pitch) a.pitch = addPitchCounts(a.pitch, pitch);
          }
          perUtterance.push({ id: it.id, row: label, melL1: l1, mcd: mcdS / T });
          meter(label).add(y);
          asr?.add(`${label}\u0000${it.id}`, y, sampleRate);
          if (o.out) writeWav(join(o.out, `${stem(it.id)}.${stem(input)}.${stem(v.label)}.wav`), y, sampleRate);
        }
      }
      log(`[${k + 1}/${items.length}] ${it.id}: ${T} frames in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (asr) {
      log(`transcribing ${perUtterance.length} files with pocketsphinx ...`);
      const hyps = asr.run();
      const texts = new Map(items.map((i) => [i.id, normalizeWords(i.text ?? '')]));
      for (const u of perUtterance) {
        const h = hyps.get(`${u.row}\u0000${u.id}`);
        if (h === undefined) continue;
        const we = wordErrors(texts.get(u.id)!, normalizeWords(h));
        Object.assign(u, { hypothesis: h, wordErrors: we.errors, words: we.words });
        for (const a of sumsOf(u.row, speakerOf.get(u.id))) {
          a.errors += we.errors; a.words += we.words; a.transcribed = true;
        }
      }
    }
  } finally {
    asr?.dispose();
    for (const v of vocoders) await v.v.dispose?.();
  }

  const summarize = (sums: Map<string, RowSums>) => rows.map((r) => summaryRow(r, sums.get(r.label)!));
  return {
    data: o.data, split, utterances: items.map((i) => i.id), seconds, acoustic: o.acoustic ?? null,
    asr: { used: !!asr, note: asrNote }, definitions: VOCODER_METRIC_DEFINITIONS,
    settings: { griffinLimIterations: glIterations, mcdOrder: MCD_ORDER, threads, acousticSeed },
    rows: summarize(acc),
    speakers: speakerNames.map((speaker) => ({ speaker, utterances: items.filter((i) => i.speaker === speaker).length, rows: summarize(speakerAcc.get(speaker)!) })),
    hygiene: [...hygiene].map(([label, m]) => m.row(label)), perUtterance,
  };
}

export function formatVocoderTable(r: VocoderEvalReport): string {
  const head =
    `${r.utterances.length} ${r.split ? `'${r.split}' utterances of ${r.data}` : `WAV files below ${r.data}`} (${r.seconds.toFixed(1)} s)` +
    `${r.acoustic ? `; acoustic mels from ${r.acoustic} with the recordings' durations` : ''}; Griffin-Lim ${r.settings.griffinLimIterations} iterations; ` +
    `${r.settings.threads} thread(s); ASR: ${r.asr.used ? 'pocketsphinx' : r.asr.note}`;
  const perSpeaker = r.speakers.map((s) => `\nSpeaker ${s.speaker} (${s.utterances} utterances):\n\n${rowsTable(s.rows)}`);
  return [head, '', rowsTable(r.rows), ...perSpeaker].join('\n') + '\n' + formatHygieneTable(r.hygiene);
}

function rowsTable(rows: VocoderEvalRow[]): string {
  const fmt = (v: number | null, digits: number, pct = false) => (v === null ? '–' : pct ? `${(100 * v).toFixed(digits)}%` : v.toFixed(digits));
  const lines = [
    '| input | vocoder | mel L1 (log10) | MCD (dB) | logF0 RMSE (cents) | V/UV error | FFE | vocoder RTF | ASR WER |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const vocoder = row.input === 'recording' ? '–' : row.label.slice(row.input.length + 4);
    lines.push(`| ${row.input} | ${vocoder} | ${fmt(row.melL1, 4)} | ${fmt(row.mcd, 2)} | ${fmt(row.logF0RmseCents, 1)} | ${fmt(row.vde, 1, true)} | ${fmt(row.ffe, 1, true)} | ${fmt(row.rtf, 4)} | ${fmt(row.wer, 1, true)} |`);
  }
  return lines.join('\n');
}

/** The output hygiene table: DC, peak, speech level and the frame-rate tonal count per row. */
export function formatHygieneTable(rows: HygieneRow[]): string {
  if (rows.length === 0) return '';
  const lines = [
    '',
    '| audio | DC | peak (dBFS) | speech RMS (dBFS) | frame-rate tones |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((h) => `| ${h.label} | ${h.dc >= 0 ? '+' : ''}${h.dc.toExponential(1)} | ${h.peakDb.toFixed(1)} | ${h.speechRmsDb.toFixed(1)} | ${h.tones} of ${h.harmonics} |`),
  ];
  return lines.join('\n') + '\n';
}
