// `prodiff eval`: teachers and distilled students synthesised with the ground-truth durations of a
// preprocessed cache (so every frame aligns with the recording's mel), vocoded with Griffin-Lim,
// their pitch re-estimated from the vocoded audio with the same tracker that made the cache's f0,
// and (when pocketsphinx is installed) transcribed. One row per system; see metrics.ts.
import { basename, dirname, join } from 'node:path';
import { loadAudio, melToWaveGriffinLim, PRODIFF_MEL, prodiffPitch } from '../audio/index.js';
import { readCorpus } from '../data/corpus.js';
import { cacheCorpusRoot } from '../data/cache-recordings.js';
import { readCacheIndex, type CacheEntry } from '../data/preprocess.js';
import { readSafetensors } from '../engine/safetensors.js';
import { loadProDiffWeights, type LoadedWeights } from '../model/checkpoint.js';
import { AcousticModel } from '../model/inference.js';
import { acousticWeightsPath } from '../model/load-acoustic.js';
import { createVocoder } from '../model/vocoder.js';
import { AsrBatch, pocketsphinxMissing } from './asr.js';
import { writeFileAtomic } from '../engine/atomic.js';
import { melComparePng, type MelImage as PlotMel } from '../util/plot.js';
import { SpeakerCentroids } from './speaker-id.js';
import { assignToCentroids, binProportions, kMeans, ndbJsd, seedSpread, type FrameSet } from './diversity.js';
import { addPitchCounts, comparePitch, emptyPitchCounts, f0Frames, MCD_ORDER, mcdSum, melL1, melSsim, normalizeWords, pitchSummary, wordErrors, type MelImage, type PitchCounts } from './metrics.js';

export type NaiveSampler = 'ddpm' | 'ddim';

export interface EvalOptions {
  /** Run folders (their model.safetensors) or model files: teachers and/or distilled students. */
  runs: string[];
  cache: string;
  split?: CacheEntry['split'];
  /** At most this many utterances of the split (in index order). */
  limit?: number;
  /** Only this speaker's utterances (a multi-speaker cache: one table per speaker). */
  speaker?: string;
  /** Transcribe with pocketsphinx when it is installed (skipped, with a note, when it is not). */
  asr?: boolean;
  /** Samplers of the naive teacher rows: 'ddpm' = the student's own sampler with the teacher's weights, 'ddim' = deterministic DDIM. Default both. */
  naive?: NaiveSampler[];
  /** Writes the first utterance's ground-truth mel and every system's (first seed) stacked, as PNG. */
  plot?: string;
  /** Step counts of the naive teacher rows (divisors of N; default N/2 and each given student's count). */
  naiveSteps?: number[];
  /** Sampler noise seed (default 0). */
  seed?: number;
  /** Samples per utterance for the diversity figures: seeds seed, seed+1, ... (default 1: no seed spread); quality metrics use the first. */
  seeds?: number;
  /** k-means bins of NDB/JSD (default 50; no NDB/JSD when the reference has fewer than 10 frames a bin). */
  ndbBins?: number;
  griffinLimIterations?: number;
  /** A Vocos generator (.safetensors, e.g. a voice's vocoder.safetensors): with `asr`, every row's mel is also vocoded with it and transcribed (werVocoder). */
  vocoder?: string;
  threads?: number;
  log?: (line: string) => void;
}

export type RowKind = 'recording' | 'ground-truth-mel' | 'teacher' | 'teacher-naive' | 'student' | 'regression';

export interface EvalRow {
  label: string;
  kind: RowKind;
  model: string | null;
  /** Denoiser calls per utterance. */
  steps: number | null;
  timescale: number | null;
  sampler: NaiveSampler | null;
  melL1: number | null;
  ssim: number | null;
  mcd: number | null;
  logF0RmseCents: number | null;
  vde: number | null;
  gpe: number | null;
  ffe: number | null;
  /** Acoustic real-time factor: encoder + adaptor + sampler wall time / audio duration (Griffin-Lim not included). */
  rtf: number | null;
  wer: number | null;
  /** WER of the same mels through `vocoder` (null without one). */
  werVocoder: number | null;
  /** Multi-speaker caches: share of utterances whose mel is nearest its own speaker's centroid of recordings (null otherwise). */
  speakerAccuracy: number | null;
  /** Mean std across seeds per mel element (needs seeds >= 2). */
  seedSpread: number | null;
  /** Share of k-means bins of the ground-truth frames whose share of generated frames differs (5 % z-test). */
  ndb: number | null;
  /** Jensen-Shannon divergence (bits) of the generated and ground-truth bin histograms. */
  jsd: number | null;
  frames: number;
}

export interface EvalUtteranceResult {
  id: string;
  system: string;
  melL1?: number;
  ssim?: number;
  mcd?: number;
  pitch?: PitchCounts;
  hypothesis?: string;
  wordErrors?: number;
  words?: number;
  vocoderHypothesis?: string;
  vocoderWordErrors?: number;
}

export interface EvalReport {
  cache: string;
  split: string;
  utterances: string[];
  seconds: number;
  asr: { used: boolean; note: string };
  definitions: Record<string, string>;
  settings: { seed: number; seeds: number; ndbBins: number; griffinLimIterations: number; mcdOrder: number; threads: number | null };
  rows: EvalRow[];
  perUtterance: EvalUtteranceResult[];
}

const METRIC_DEFINITIONS: Record<string, string> = {
  melL1: 'mean |mel - mel_gt| over frames x 80 bins, log10-mel units',
  ssim: "mean SSIM over the [frames, 80] image as the training loss defines it: both mels + 6, 11x11 Gaussian window (sigma 1.5), zero padding, C1 = 1e-4, C2 = 9e-4",
  mcd: `dB; per frame c = orthonormal DCT-II (scipy norm='ortho') of ln(mel) = ln(10) * log10-mel over the 80 bins, MCD = (10 / ln 10) * sqrt(2 * sum_{k=1..${MCD_ORDER}} (c_k - c_gt_k)^2), averaged over all frames; frames compared one to one (ground-truth durations, no DTW)`,
  logF0RmseCents: 'RMSE of 1200 * log2(f0 / f0_gt) over frames voiced in both, cents; f0 re-estimated from the Griffin-Lim audio with the cache\'s pitch tracker, f0_gt = the cache\'s f0 of the recording',
  vde: 'voicing decision error: frames where exactly one track is voiced / all frames',
  gpe: 'gross pitch error: frames voiced in both with |f0 / f0_gt - 1| > 20% / frames voiced in both',
  ffe: 'F0 frame error: (voicing errors + gross pitch errors) / all frames',
  speakerAccuracy: 'multi-speaker caches: share of utterances whose mel is nearest (Euclidean) to its own speaker\'s centroid; a centroid is the mean over up to 50 train-split recordings of the mean mel-cepstrum c1..c24 of the speech frames (within 40 dB of the loudest)',
  rtf: 'acoustic real-time factor: encoder + adaptor + sampler wall time / audio seconds (vocoder excluded)',
  seedSpread: 'diversity: standard deviation across the seeds of one utterance (same durations) per mel element, averaged (log10-mel units); 0 = deterministic',
  ndb: 'diversity: NDB/K (Richardson & Weiss 2018): k-means bins of the ground-truth mel frames of the split, share of bins where a two-proportion z-test (5 %) finds the generated frames (all seeds) in a different proportion; lower = closer to the data distribution',
  jsd: 'diversity: Jensen-Shannon divergence in bits of the generated and ground-truth bin histograms (same bins as NDB); 0 = same',
  wer: 'pocketsphinx (en-us) word error rate of the Griffin-Lim audio against the normalised text: (S + D + I) / reference words, pooled over utterances',
  werVocoder: 'the same word error rate with the mels vocoded by the given neural vocoder (--vocoder) instead of Griffin-Lim',
};

interface System {
  label: string;
  kind: RowKind;
  model: string | null;
  steps: number | null;
  timescale: number | null;
  sampler: NaiveSampler | null;
  acoustic?: AcousticModel;
}

interface Accumulator {
  frames: number;
  l1: number;
  ssim: number;
  mcd: number;
  melFrames: number;
  pitch: PitchCounts;
  pitchUsed: boolean;
  ms: number;
  seconds: number;
  timed: boolean;
  wordErrors: number;
  vocoderWordErrors: number;
  vocoderWords: number;
  words: number;
  transcribed: boolean;
  speakerCorrect: number;
  speakerTotal: number;
  spreadSum: number;
  spreadCount: number;
  /** Generated mel frames (every seed), for NDB/JSD. */
  generated: Float32Array[];
}

const newAcc = (): Accumulator => ({ frames: 0, l1: 0, ssim: 0, mcd: 0, melFrames: 0, pitch: emptyPitchCounts(), pitchUsed: false, ms: 0, seconds: 0, timed: false, wordErrors: 0, words: 0, vocoderWordErrors: 0, vocoderWords: 0, transcribed: false, speakerCorrect: 0, speakerTotal: 0, spreadSum: 0, spreadCount: 0, generated: [] });

async function buildSystems(o: EvalOptions, log: (l: string) => void): Promise<System[]> {
  const loaded: { path: string; w: LoadedWeights }[] = o.runs.map((r) => ({ path: acousticWeightsPath(r), w: loadProDiffWeights(acousticWeightsPath(r)) }));
  const systems: System[] = [];
  const threads = o.threads;
  const naive = o.naive ?? ['ddpm', 'ddim'];
  for (const { path, w } of loaded) {
    const { teacherSteps: N, numSteps, timescale } = w.options;
    const target = w.cfg.target ?? 'x0';
    if (target === 'regression') {
      // One call gives its mel whatever the step count: sampled with one DDIM step, no naive rows.
      systems.push({ label: 'regression (same network, no diffusion)', kind: 'regression', model: path, steps: 1, timescale: N, sampler: 'ddim', acoustic: await AcousticModel.create(w.cfg, w.params, { teacherSteps: N, numSteps: 1, timescale: N, threads, sampler: 'ddim' }) });
    } else if (timescale === 1) {
      const what = target === 'epsilon' ? 'epsilon teacher' : 'teacher';
      systems.push({ label: `${what} ${N} steps`, kind: 'teacher', model: path, steps: N, timescale: 1, sampler: 'ddpm', acoustic: await AcousticModel.create(w.cfg, w.params, { ...w.options, threads }) });
      // Naive fewer steps: N/2, and every step count of a student of the same schedule given too.
      const counts = new Set<number>();
      if (o.naiveSteps) {
        for (const n of o.naiveSteps) if (n !== N && N % n === 0) counts.add(n);
      } else {
        if (N % 2 === 0) counts.add(N / 2);
        for (const s of loaded) if (s.w.options.timescale > 1 && s.w.options.teacherSteps === N) counts.add(s.w.options.numSteps);
      }
      for (const n of [...counts].sort((a, b) => b - a)) {
        for (const sampler of naive) {
          const label = sampler === 'ddpm' ? `${what} naive ${n} steps (DDPM, student's step indices)` : `${what} naive ${n} steps (DDIM)`;
          systems.push({ label, kind: 'teacher-naive', model: path, steps: n, timescale: N / n, sampler, acoustic: await AcousticModel.create(w.cfg, w.params, { teacherSteps: N, numSteps: n, timescale: N / n, threads, sampler }) });
        }
      }
    } else {
      systems.push({ label: `student ${numSteps} steps (distilled from ${N})`, kind: 'student', model: path, steps: numSteps, timescale, sampler: 'ddpm', acoustic: await AcousticModel.create(w.cfg, w.params, { ...w.options, threads }) });
    }
    log(`loaded ${path}: ${target === 'regression' ? 'regression model' : timescale === 1 ? 'teacher' : 'student'}, ${numSteps} steps (schedule of ${N}), predicts ${target}`);
  }
  // The same model given twice adds nothing.
  const seen = new Set<string>();
  const kept = systems.filter((s) => {
    const key = `${s.model}|${s.steps}|${s.sampler}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Rows are keyed by label: two models of the same kind (two teachers) are told apart by their run.
  const uses = new Map<string, number>();
  for (const s of kept) uses.set(s.label, (uses.get(s.label) ?? 0) + 1);
  for (const s of kept) if (uses.get(s.label)! > 1) s.label = `${s.label} (${runName(s.model!, kept.map((k) => k.model!))})`;
  return kept;
}

/** A model's short name: its run folder (or file), the whole path where that is not unique. */
function runName(path: string, all: string[]): string {
  const short = (p: string) => (basename(p) === 'model.safetensors' ? basename(dirname(p)) : basename(p));
  const name = short(path);
  return new Set(all.filter((p) => p !== path).map(short)).has(name) ? path : name;
}

export async function evaluate(o: EvalOptions): Promise<EvalReport> {
  const log = o.log ?? (() => {});
  const split = o.split ?? 'test';
  const index = readCacheIndex(o.cache);
  if (o.speaker !== undefined && !index.speakers.includes(o.speaker)) throw new Error(`${o.cache}: no speaker '${o.speaker}' (speakers: ${index.speakers.join(', ')})`);
  let entries = index.utterances.filter((u) => u.split === split && (o.speaker === undefined || u.speaker === o.speaker));
  if (entries.length === 0) throw new Error(`${o.cache}: no '${split}' utterances${o.speaker !== undefined ? ` of speaker '${o.speaker}'` : ''}`);
  if (o.limit !== undefined) {
    if (!(Number.isInteger(o.limit) && o.limit >= 1)) throw new Error(`limit ${o.limit} must be a positive integer`);
    entries = entries.slice(0, o.limit);
  }
  if (o.runs.length === 0) throw new Error('no model to evaluate');
  const seed = o.seed ?? 0;
  const seeds = o.seeds ?? 1;
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new Error(`seeds ${seeds} must be a positive integer`);
  const ndbBins = o.ndbBins ?? 50;
  if (!(Number.isInteger(ndbBins) && ndbBins >= 2)) throw new Error(`ndbBins ${ndbBins} must be an integer >= 2`);
  const groundTruthFrames: Float32Array[] = [];
  const plotMels: PlotMel[] = [];
  const glIterations = o.griffinLimIterations ?? 32;
  const { sampleRate, hop } = PRODIFF_MEL;
  if (index.audio.sampleRate !== sampleRate || index.audio.hop !== hop || index.audio.nMels !== PRODIFF_MEL.nMels) {
    throw new Error(`${o.cache}: audio settings ${JSON.stringify(index.audio)} differ from ProDiff's (${sampleRate} Hz, hop ${hop}, ${PRODIFF_MEL.nMels} mels)`);
  }

  // ASR: only when asked and installed; the corpus recordings are the ceiling row.
  let asrNote = 'not requested (--asr)';
  let asr: AsrBatch | undefined;
  let wavs: Map<string, string> | undefined;
  if (o.asr) {
    const missing = pocketsphinxMissing();
    if (missing) asrNote = `skipped: ${missing}`;
    else {
      asr = new AsrBatch();
      asrNote = 'pocketsphinx_batch, en-us acoustic model, en-us.lm.bin, cmudict-en-us.dict; audio resampled to 16 kHz';
      const root = cacheCorpusRoot(o.cache, index.corpus);
      if (root) {
        try {
          wavs = new Map(readCorpus(root).utterances.map((u) => [u.id, u.wav]));
        } catch (e) {
          log(`corpus ${root} unreadable (${(e as Error).message}): no recording row`);
        }
      } else log(`corpus '${index.corpus}' not found: no recording row`);
      if (!wavs) asrNote += '; the corpus recordings were not found, so there is no ceiling row';
    }
  }

  const vocoder = asr && o.vocoder ? await createVocoder('vocos', { mel: PRODIFF_MEL, file: o.vocoder, ...(o.threads ? { threads: o.threads } : {}) }) : undefined;
  if (o.vocoder && !asr) log(`--vocoder ${o.vocoder} ignored: it only feeds the ASR, which is not running (${asrNote})`);
  const systems = await buildSystems(o, log);
  const rows: System[] = [
    ...(asr && wavs ? [{ label: 'corpus recording (ASR ceiling)', kind: 'recording' as const, model: null, steps: null, timescale: null, sampler: null }] : []),
    { label: 'ground-truth mel + Griffin-Lim', kind: 'ground-truth-mel', model: null, steps: null, timescale: null, sampler: null },
    ...systems,
  ];
  const acc = new Map(rows.map((r) => [r.label, newAcc()]));
  const perUtterance: EvalUtteranceResult[] = [];
  const speakerIds = index.speakers.length > 1 ? speakerCentroids(o.cache, index) : undefined;
  const reference = new Map<string, string[]>();
  let seconds = 0;

  // One untimed call per system first, so that RTF does not count session warm-up.
  {
    const f = readSafetensors(join(o.cache, 'utts', `${entries[0]!.id}.safetensors`));
    const tokens = Array.from(f.tensors.get('tokens')!.data as BigInt64Array, Number);
    const mel2ph = f.tensors.get('mel2ph')!.data as BigInt64Array;
    for (const s of systems) await s.acoustic!.synthesize(tokens, { mel2ph, seed, speaker: entries[0]!.speakerId });
  }

  try {
    for (const [ui, e] of entries.entries()) {
      const path = join(o.cache, 'utts', `${e.id}.safetensors`);
      const f = readSafetensors(path);
      const need = (n: string) => {
        const t = f.tensors.get(n);
        if (!t) throw new Error(`${path}: missing '${n}' (preprocess again)`);
        return t;
      };
      const melT = need('mel');
      const T = melT.shape[0]!, M = melT.shape[1]!;
      const gt: MelImage = { data: melT.data as Float32Array, frames: T, mels: M };
      groundTruthFrames.push(melT.data as Float32Array);
      if (o.plot && ui === 0) plotMels.push({ title: `${e.id}: ground truth`, data: gt.data as Float32Array, frames: T, nMels: M });
      const f0Ref = need('f0').data as Float32Array;
      const tokens = Array.from(need('tokens').data as BigInt64Array, Number);
      const mel2ph = need('mel2ph').data as BigInt64Array;
      const uttSeconds = (T * hop) / sampleRate;
      seconds += uttSeconds;
      reference.set(e.id, normalizeWords(e.text));
      const t0 = performance.now();

      const score = async (row: System, mel: MelImage, ms: number | undefined) => {
        const a = acc.get(row.label)!;
        const l1 = melL1(mel, gt), ssim = melSsim(mel, gt), mcdS = mcdSum(mel, gt);
        a.l1 += l1 * T; a.ssim += ssim * T; a.mcd += mcdS; a.melFrames += T; a.frames += T;
        if (speakerIds) { a.speakerTotal++; if (speakerIds.classify(mel) === e.speakerId) a.speakerCorrect++; }
        const wave = melToWaveGriffinLim({ data: Float32Array.from(mel.data), frames: T, nMels: M }, PRODIFF_MEL, { iterations: glIterations, seed: 0 });
        const f0 = prodiffPitch(wave, sampleRate, hop).f0;
        const pc = comparePitch(f0Ref, f0Frames(f0, T));
        a.pitch = addPitchCounts(a.pitch, pc);
        a.pitchUsed = true;
        if (ms !== undefined) { a.ms += ms; a.seconds += uttSeconds; a.timed = true; }
        asr?.add(`${row.label}\u0000${e.id}`, wave, sampleRate);
        if (vocoder) asr!.add(`${row.label}\u0000${e.id}\u0000vocoder`, await vocoder.synthesize(Float32Array.from(mel.data), T), vocoder.sampleRate);
        perUtterance.push({ id: e.id, system: row.label, melL1: l1, ssim, mcd: mcdS / T, pitch: pc });
      };

      for (const row of rows) {
        if (row.kind === 'recording') {
          const wav = wavs!.get(e.id);
          if (!wav) { log(`${e.id}: not in the corpus, no recording transcribed`); continue; }
          asr!.add(`${row.label}\u0000${e.id}`, loadAudio(wav, sampleRate).samples, sampleRate);
          perUtterance.push({ id: e.id, system: row.label });
        } else if (row.kind === 'ground-truth-mel') {
          await score(row, gt, undefined);
        } else {
          const r = await row.acoustic!.synthesize(tokens, { mel2ph, seed, speaker: e.speakerId });
          if (r.frames !== T || r.mels !== M) throw new Error(`${row.label}: ${r.frames} x ${r.mels} frames for ${T} x ${M}`);
          await score(row, { data: r.mel, frames: T, mels: M }, r.timings.encoderMs + r.timings.adaptorMs + r.timings.denoiserMs);
          if (o.plot && ui === 0) plotMels.push({ title: row.label, data: r.mel, frames: T, nMels: M });
          const samples = [r.mel];
          for (let k = 1; k < seeds; k++) samples.push((await row.acoustic!.synthesize(tokens, { mel2ph, seed: seed + k, speaker: e.speakerId })).mel);
          const a = acc.get(row.label)!;
          a.generated.push(...samples);
          if (seeds >= 2) {
            const sp = seedSpread(samples);
            a.spreadSum += sp.sum; a.spreadCount += sp.count;
          }
        }
      }
      log(`[${ui + 1}/${entries.length}] ${e.id}: ${T} frames, ${rows.length} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }

    if (asr) {
      log(`transcribing ${rows.length * entries.length} files with pocketsphinx ...`);
      const hyps = asr.run();
      for (const u of perUtterance) {
        const h = hyps.get(`${u.system}\u0000${u.id}`);
        if (h === undefined) continue;
        const we = wordErrors(reference.get(u.id)!, normalizeWords(h));
        u.hypothesis = h; u.wordErrors = we.errors; u.words = we.words;
        const a = acc.get(u.system)!;
        a.wordErrors += we.errors; a.words += we.words; a.transcribed = true;
        const hv = hyps.get(`${u.system}\u0000${u.id}\u0000vocoder`);
        if (hv === undefined) continue;
        const wv = wordErrors(reference.get(u.id)!, normalizeWords(hv));
        u.vocoderHypothesis = hv; u.vocoderWordErrors = wv.errors;
        a.vocoderWordErrors += wv.errors; a.vocoderWords += wv.words;
      }
    }
  } finally {
    asr?.dispose();
    await vocoder?.dispose?.();
  }

  if (o.plot) writeFileAtomic(o.plot, melComparePng(plotMels));

  // NDB/JSD bins: k-means of the split's ground-truth frames (at most 20000, evenly picked).
  const concat = (parts: Float32Array[]): Float32Array => {
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    return all;
  };
  const M = PRODIFF_MEL.nMels;
  const groundTruth: FrameSet = { data: concat(groundTruthFrames), dim: M };
  const referenceFrames = groundTruth.data.length / M;
  let centroids: FrameSet | undefined;
  let referenceShares: Float64Array | undefined;
  if (referenceFrames >= 10 * ndbBins) {
    const stride = Math.max(1, Math.floor(referenceFrames / 20000));
    const picked = new Float32Array(Math.ceil(referenceFrames / stride) * M);
    let n = 0;
    for (let f = 0; f < referenceFrames; f += stride, n++) picked.set(groundTruth.data.subarray(f * M, f * M + M), n * M);
    centroids = kMeans({ data: picked.subarray(0, n * M), dim: M }, ndbBins, { seed: 0 });
    referenceShares = binProportions(assignToCentroids(groundTruth, centroids), ndbBins);
  } else log(`${referenceFrames} ground-truth frames: too few for ${ndbBins} NDB bins (10 a bin), no NDB/JSD`);

  const out: EvalRow[] = rows.map((r) => {
    const a = acc.get(r.label)!;
    const diversity = centroids && a.generated.length > 0 ? ndbJsd(groundTruth, { data: concat(a.generated), dim: M }, { centroids, ...(referenceShares ? { referenceShares } : {}) }) : undefined;
    const p = a.pitchUsed ? pitchSummary(a.pitch) : undefined;
    return {
      label: r.label, kind: r.kind, model: r.model, steps: r.steps, timescale: r.timescale, sampler: r.sampler,
      melL1: a.melFrames ? a.l1 / a.melFrames : null,
      ssim: a.melFrames ? a.ssim / a.melFrames : null,
      mcd: a.melFrames ? a.mcd / a.melFrames : null,
      logF0RmseCents: p ? p.logF0RmseCents : null,
      vde: p ? p.vde : null,
      gpe: p ? p.gpe : null,
      ffe: p ? p.ffe : null,
      rtf: a.timed ? a.ms / 1000 / a.seconds : null,
      wer: a.transcribed && a.words > 0 ? a.wordErrors / a.words : null,
      speakerAccuracy: a.speakerTotal > 0 ? a.speakerCorrect / a.speakerTotal : null,
      werVocoder: a.vocoderWords > 0 ? a.vocoderWordErrors / a.vocoderWords : r.kind === 'recording' && vocoder && a.words > 0 ? a.wordErrors / a.words : null,
      seedSpread: a.spreadCount > 0 ? a.spreadSum / a.spreadCount : null,
      ndb: diversity ? diversity.ndbRatio : null,
      jsd: diversity ? diversity.jsdBits : null,
      frames: a.frames,
    };
  });
  return {
    cache: o.cache, split, utterances: entries.map((e) => e.id), seconds,
    asr: { used: !!asr, note: asrNote },
    definitions: METRIC_DEFINITIONS,
    settings: { seed, seeds, ndbBins, griffinLimIterations: glIterations, mcdOrder: MCD_ORDER, threads: o.threads ?? null },
    rows: out, perUtterance,
  };
}

/** Speaker centroids from up to 50 train-split recordings (their cache mels) of each speaker. */
function speakerCentroids(cache: string, index: ReturnType<typeof readCacheIndex>): SpeakerCentroids {
  const perSpeaker = new Map<number, CacheEntry[]>();
  for (const u of index.utterances) {
    if (u.split !== 'train') continue;
    const list = perSpeaker.get(u.speakerId) ?? perSpeaker.set(u.speakerId, []).get(u.speakerId)!;
    if (list.length < 50) list.push(u);
  }
  const utterances = [...perSpeaker.values()].flat().map((u) => {
    const mel = readSafetensors(join(cache, 'utts', `${u.id}.safetensors`)).tensors.get('mel')!;
    return { speaker: u.speakerId, mel: { data: mel.data as Float32Array, frames: mel.shape[0]!, mels: mel.shape[1]! } };
  });
  return SpeakerCentroids.fit(index.speakers, utterances);
}

/** The report as a markdown table (plus a line on the data and the ASR). */
export function formatTable(r: EvalReport): string {
  const fmt = (v: number | null, digits: number, pct = false) => (v === null ? '–' : pct ? `${(100 * v).toFixed(digits)}%` : v.toFixed(digits));
  const withVocoder = r.rows.some((row) => row.werVocoder !== null);
  const withSpeakers = r.rows.some((row) => row.speakerAccuracy !== null);
  const lines = [
    `${r.utterances.length} '${r.split}' utterances (${r.seconds.toFixed(1)} s) of ${r.cache}, ground-truth durations; Griffin-Lim ${r.settings.griffinLimIterations} iterations; ASR: ${r.asr.used ? 'pocketsphinx' : r.asr.note}`,
    '',
    `| system | steps | mel L1 | SSIM | MCD (dB) | logF0 RMSE (cents) | V/UV error | FFE | acoustic RTF | ASR WER |${withVocoder ? ' WER (vocoder) |' : ''}${withSpeakers ? ' speaker ID |' : ''} seed spread | NDB/K | JSD |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|${withVocoder ? '---:|' : ''}${withSpeakers ? '---:|' : ''}---:|---:|---:|`,
  ];
  for (const row of r.rows) {
    lines.push(`| ${row.label} | ${row.steps ?? '–'} | ${fmt(row.melL1, 4)} | ${fmt(row.ssim, 4)} | ${fmt(row.mcd, 2)} | ${fmt(row.logF0RmseCents, 1)} | ${fmt(row.vde, 1, true)} | ${fmt(row.ffe, 1, true)} | ${fmt(row.rtf, 4)} | ${fmt(row.wer, 1, true)} |${withVocoder ? ` ${fmt(row.werVocoder, 1, true)} |` : ''}${withSpeakers ? ` ${fmt(row.speakerAccuracy, 1, true)} |` : ''} ${fmt(row.seedSpread, 4)} | ${fmt(row.ndb, 2)} | ${fmt(row.jsd, 4)} |`);
  }
  return lines.join('\n') + '\n';
}
