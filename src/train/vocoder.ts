// GAN training of the Vocos-style vocoder: two Trainers (discriminators, generator) alternating,
// each step one ORT run per side, the other side's latest weights fed as inputs, driven by the
// shared training loop (src/train/loop.ts). A run directory
// holds the configuration, atomic checkpoints (both optimisers, the data sampler's random state),
// a JSON-lines log, PNG loss curves and the latest generator weights (safetensors + ONNX).
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportOnnx, ortTensor, ParamStore, readSafetensors, schedules, Trainer, type Schedule } from '../engine/index.js';
import { writeFileAtomic } from '../engine/atomic.js';
import { SegmentSampler, type VocoderBatch, type VocoderCorpus } from '../data/vocoder-data.js';
import {
  discriminatorSpec, generatorGraph, generatorSpec, initVocoderParams, magnitudeSpec, isDiscriminatorParam, isGeneratorParam, type BatchShape, type OptimConfig, type VocoderModelConfig,
} from '../model/vocoder-gan.js';
import { isPghiGenerator, type VocosConfig } from '../model/vocos.js';
import { linePlotPng } from '../util/plot.js';
import { formatValue } from '../util/progress.js';
import { runTrainingLoop, type StepOutcome, type TrainingTask } from './loop.js';
import { RunDir } from './run.js';
import type { VocoderDataSource } from '../data/vocoder-source.js';

export interface VocoderTrainConfig {
  model: VocoderModelConfig;
  batch: number;
  /** Audio segment length in hops (the mel has one frame more). */
  segmentFrames: number;
  /** Peak learning rate of both optimisers (Vocos: 5e-4). */
  lr: number;
  /** Cosine decay from lr to lr * minLrRatio over scheduleSteps (linear warm-up first). */
  scheduleSteps: number;
  warmupSteps: number;
  minLrRatio: number;
  betas: [number, number];
  weightDecay: number;
  clipGradNorm: number;
  /** Generator steps with the mel loss only, before the discriminators start. */
  pretrainMelSteps: number;
  seed: number;
  /** Fine-tuning: a new run starts from another run's weights (see `resolveVocoderInit`). */
  init?: VocoderInit;
  /** Where the training data comes from (recorded so that a resume reads the same data). */
  data?: VocoderDataSource;
}

/**
 * The starting weights of a fine-tune: generator and discriminators of another run's checkpoint.
 * Only the parameters are taken; the optimiser moments start at zero and the step count at 0, so
 * the fine-tune has its own learning-rate schedule (and warm-up, which fresh moments want).
 */
export interface VocoderInit {
  run: string;
  step: number;
  generator: string;
  /** Absent when starting from a generator file alone (a bundled voice's vocoder): fresh discriminators. */
  discriminator?: string;
}

export const VOCODER_TRAIN_DEFAULTS: Omit<VocoderTrainConfig, 'model'> = {
  batch: 4, segmentFrames: 32, lr: 5e-4, scheduleSteps: 200_000, warmupSteps: 0, minLrRatio: 0.1,
  betas: [0.8, 0.9], weightDecay: 0.01, clipGradNorm: 0, pretrainMelSteps: 0, seed: 0,
};

export interface RunOptions {
  /** Stop after this many generator steps in total. */
  steps: number;
  checkpointEvery: number;
  /** Checkpoints kept on disk (the newest ones). */
  keepCheckpoints?: number;
  threads?: number;
  /** Called after every step with its log record. */
  onStep?: (record: StepRecord) => void;
  /** Called for messages (resume, checkpoint written). */
  onNote?: (msg: string) => void;
  /** Polled between steps; true ends the run after writing a checkpoint. Default: SIGINT/SIGTERM. */
  shouldStop?: () => boolean;
}

export interface StepRecord {
  step: number;
  elapsed_s: number;
  lr: number;
  g_loss: number;
  d_loss?: number;
  g_grad_norm: number;
  d_grad_norm?: number;
  [metric: string]: number | undefined;
}

interface CheckpointIndex {
  step: number;
  generator: string;
  /** Absent for a 'pghi' generator's run (no discriminators). */
  discriminator?: string;
  sampler: number[];
  elapsed_s: number;
}

export interface RunResult {
  step: number;
  resumedFrom: number;
  lastRecord?: StepRecord;
}

const CONFIG = 'config.json';
const INDEX = 'checkpoint.json';

function schedule(c: VocoderTrainConfig): Schedule {
  return schedules.cosine(c.lr, c.scheduleSteps, c.warmupSteps, c.lr * c.minLrRatio);
}

function feeds(b: VocoderBatch, mels: number): Record<string, ReturnType<typeof ortTensor>> {
  return {
    mel: ortTensor('float32', b.mel, [b.batch, mels, b.frames]),
    wav: ortTensor('float32', b.wav, [b.batch, b.samples]),
  };
}

/** Reads a run's configuration (written when the run was created). */
export function readRunConfig(runDir: string): VocoderTrainConfig | undefined {
  const p = join(runDir, CONFIG);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf-8')) as VocoderTrainConfig) : undefined;
}

/** The latest checkpoint of `runDir` as a fine-tune's starting point, and that run's configuration. */
export function resolveVocoderInit(runDir: string): { init: VocoderInit; config: VocoderTrainConfig } {
  const config = readRunConfig(runDir);
  const indexPath = join(runDir, INDEX);
  if (!config || !existsSync(indexPath)) throw new Error(`${runDir}: not a vocoder run with a checkpoint (no ${CONFIG} or ${INDEX})`);
  const idx = JSON.parse(readFileSync(indexPath, 'utf-8')) as CheckpointIndex;
  return { init: { run: resolve(runDir), step: idx.step, generator: resolve(runDir, idx.generator), ...(idx.discriminator ? { discriminator: resolve(runDir, idx.discriminator) } : {}) }, config };
}

/**
 * A generator file alone (`generator.safetensors` of a run, a voice's `vocoder.safetensors`) as the
 * start of a new run: its weights and generator configuration (from the file's metadata); the
 * discriminators start fresh.
 */
export function resolveGeneratorInit(file: string): { init: VocoderInit; generator: VocosConfig } {
  const st = readSafetensors(file);
  if (!st.metadata.config) throw new Error(`${file}: no 'config' metadata (expected a generator written by prodiff train-vocoder)`);
  for (const k of st.tensors.keys()) if (!isGeneratorParam(k)) throw new Error(`${file}: '${k}' is not a generator parameter; give a generator file or a run folder`);
  const generator = JSON.parse(st.metadata.config) as VocosConfig;
  const step = Number(st.metadata.step ?? 0);
  return { init: { run: resolve(file), step: Number.isFinite(step) ? step : 0, generator: resolve(file) }, generator };
}

/** Overwrites the generator and (when the init has them) discriminator parameters in `params` with those of `init`. */
function loadInitWeights(params: ParamStore, init: VocoderInit): void {
  const files = [
    { path: init.generator, owns: isGeneratorParam },
    ...(init.discriminator ? [{ path: init.discriminator, owns: isDiscriminatorParam }] : []),
  ];
  for (const { path, owns } of files) {
    if (!existsSync(path)) throw new Error(`${path}: the checkpoint to start from is gone (the run ${init.run} keeps only its newest checkpoints); start the fine-tune again`);
    const f = readSafetensors(path);
    for (const [name, p] of params.values) {
      if (!owns(name)) continue;
      const t = f.tensors.get(name);
      if (!t || !(t.data instanceof Float32Array)) throw new Error(`${path}: no float32 tensor '${name}': that run's model differs from this one`);
      if (t.shape.join(',') !== p.shape.join(',')) throw new Error(`${path}: '${name}' has shape [${t.shape}], this model's is [${p.shape}]`);
      params.set(name, p.shape, Float32Array.from(t.data));
    }
  }
}

/** Renders the run's log as loss curves (train mel L1 and the validation batch's, GAN terms). */
export function writeCurves(runDir: string, out = join(runDir, 'curves.png')): void {
  const recs = new RunDir(runDir).readLog();
  const points = (value: (r: Record<string, unknown>) => unknown) =>
    recs.flatMap((r) => { const v = value(r); return typeof v === 'number' && typeof r.step === 'number' ? [[r.step, v] as [number, number]] : []; });
  const series = (key: string) => ({ name: key, points: points((r) => r[key]) });
  // Runs logged before the shared loop wrote `val_mel_l1` at the top level.
  const valid = { name: 'valid mel_l1', points: points((r) => (r.valid as Record<string, number> | undefined)?.mel_l1 ?? r.val_mel_l1) };
  writeFileAtomic(out, linePlotPng([series('mel_l1'), valid], { title: 'vocoder: mel L1 (ln)', xLabel: 'step', yLabel: 'L1', logY: true }));
  const gan = ['g_adv_mpd', 'g_adv_mrd', 'fm_mpd', 'fm_mrd', 'd_mpd', 'd_mrd'].map(series);
  writeFileAtomic(out.replace(/\.png$/, '-gan.png'), linePlotPng(gan, { title: 'vocoder: adversarial, feature matching, discriminators', xLabel: 'step', yLabel: 'loss' }));
}

/**
 * Trains (or resumes) the run in `runDir` through the shared training loop; one loop step is a
 * discriminator update then a generator update. A new run writes `config`; an existing run
 * continues from its last checkpoint with its stored configuration (a differing `config` is an
 * error).
 */
export async function trainVocoder(corpus: VocoderCorpus, runDir: string, config: VocoderTrainConfig, o: RunOptions): Promise<RunResult> {
  mkdirSync(join(runDir, 'ckpt'), { recursive: true });
  const stored = readRunConfig(runDir);
  if (stored && JSON.stringify(stored) !== JSON.stringify(config)) {
    throw new Error(`${join(runDir, CONFIG)}: the run was created with a different configuration; resume it without changing model or training options, or use a new --out`);
  }
  if (!stored) writeFileAtomic(join(runDir, CONFIG), JSON.stringify(config, null, 2) + '\n');
  const run = new RunDir(runDir);
  const note = (msg: string) => (o.onNote ? o.onNote(msg) : process.stderr.write(`${msg}\n`));
  const cfg = config.model;
  const shape: BatchShape = { batch: config.batch, segmentFrames: config.segmentFrames };
  const optim: OptimConfig = { lr: schedule(config), betas: config.betas, weightDecay: config.weightDecay, clipGradNorm: config.clipGradNorm, threads: o.threads ?? 1 };

  const indexPath = join(runDir, INDEX);
  const resume = existsSync(indexPath);
  const params = initVocoderParams(cfg, shape, config.seed);
  if (config.init && !resume) {
    loadInitWeights(params, config.init);
    note(`starting from ${config.init.run} at step ${config.init.step} (weights only, fresh optimiser state${config.init.discriminator ? '' : ', fresh discriminators'})`);
  }
  // A 'pghi' generator learns its magnitudes by regression: no discriminators.
  const regression = isPghiGenerator(cfg.generator);
  const G = await Trainer.create(regression ? magnitudeSpec(cfg, shape, optim) : generatorSpec(cfg, shape, optim), params);
  const D = regression ? null : await Trainer.create(discriminatorSpec(cfg, shape, optim), params);
  const ganFeed = (on: boolean): Record<string, ReturnType<typeof ortTensor>> => (regression ? {} : { gan_weight: on ? gan1 : gan0 });

  const segOpts = { batch: config.batch, segmentFrames: config.segmentFrames, mel: cfg.mel };
  let sampler = new SegmentSampler(corpus, segOpts, config.seed);
  // A fixed validation batch (same on every resume): mel L1 of the generator.
  const valBatch = feeds(new SegmentSampler(corpus, segOpts, config.seed + 7919).next(), cfg.generator.mels);
  let elapsedBase = 0;
  const t0 = performance.now();
  const elapsed = () => +(elapsedBase + (performance.now() - t0) / 1000).toFixed(3);
  const checkpoints: string[] = [];
  const gan1 = ortTensor('float32', [1], []);
  const gan0 = ortTensor('float32', [0], []);

  const task: TrainingTask = {
    step: () => G.step,
    restore() {
      const idx = JSON.parse(readFileSync(indexPath, 'utf-8')) as CheckpointIndex;
      G.loadCheckpoint(join(runDir, idx.generator));
      if (D) {
        if (!idx.discriminator) throw new Error(`${indexPath}: no discriminator checkpoint`);
        D.loadCheckpoint(join(runDir, idx.discriminator));
      }
      if (G.step !== idx.step) throw new Error(`${indexPath}: generator checkpoint is at step ${G.step}, index says ${idx.step}`);
      sampler = new SegmentSampler(corpus, segOpts, Uint32Array.from(idx.sampler));
      elapsedBase = idx.elapsed_s;
    },
    async trainStep() {
      const batch = feeds(sampler.next(), cfg.generator.mels);
      const useGan = D !== null && G.step >= config.pretrainMelSteps;
      let d: Awaited<ReturnType<Trainer['trainStep']>> | undefined;
      if (D && useGan) {
        D.setFrozenTensors(G.paramTensors());
        d = await D.trainStep(batch);
      }
      if (D) G.setFrozenTensors(D.paramTensors());
      const g = await G.trainStep({ ...batch, ...ganFeed(useGan) });
      const record: Record<string, number> = { elapsed_s: elapsed(), lr: g.lr, g_loss: g.loss, g_grad_norm: g.gradNorm, ...g.metrics };
      if (d) Object.assign(record, { d_loss: d.loss, d_grad_norm: d.gradNorm, ...d.metrics });
      const shown = [`mel ${formatValue(g.metrics.mel_l1 ?? NaN)}`, ...(regression ? [`mag ${formatValue(g.metrics.mag_l1 ?? NaN)}`] : []), `g ${formatValue(g.loss)}`, ...(d ? [`d ${formatValue(d.loss)}`] : [])];
      return { step: g.step, record, summary: shown.join(' ') };
    },
    async validate() {
      const val = await G.evaluate({ ...valBatch, ...ganFeed(false) });
      return { mel_l1: val.metrics.mel_l1!, ...(regression ? { mag_l1: val.metrics.mag_l1! } : {}) };
    },
    checkpoint() {
      const step = G.step;
      const tag = String(step).padStart(8, '0');
      const gPath = `ckpt/gen-${tag}.safetensors`;
      const dPath = `ckpt/disc-${tag}.safetensors`;
      const meta = { kind: 'prodiff vocoder checkpoint', config: JSON.stringify(config) };
      G.saveCheckpoint(join(runDir, gPath), meta);
      D?.saveCheckpoint(join(runDir, dPath), meta);
      const idx: CheckpointIndex = { step, generator: gPath, ...(D ? { discriminator: dPath } : {}), sampler: Array.from(sampler.state()), elapsed_s: elapsed() };
      writeFileAtomic(indexPath, JSON.stringify(idx) + '\n');
      // The generator alone, for inference.
      const gen = G.exportParams(new ParamStore());
      gen.save(join(runDir, 'generator.safetensors'), { step: String(step), config: JSON.stringify(cfg.generator) });
      writeFileAtomic(join(runDir, 'generator.onnx'), exportOnnx(generatorGraph(cfg.generator), { values: (n) => gen.get(n).data }));
      checkpoints.push(gPath, ...(D ? [dPath] : []));
      const keep = (D ? 2 : 1) * (o.keepCheckpoints ?? 2);
      while (checkpoints.length > keep) rmSync(join(runDir, checkpoints.shift()!), { force: true });
    },
    plots: () => writeCurves(runDir),
  };
  const toRecord = (s: StepOutcome) => ({ step: s.step, ...s.record }) as StepRecord;
  try {
    const r = await runTrainingLoop(task, {
      run, label: 'vocoder', resume, maxSteps: o.steps,
      // Validation at each checkpoint and at the last step, as the curves have always shown it.
      checkpointEvery: o.checkpointEvery, validateEvery: o.checkpointEvery, validateAtEnd: true,
      ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
      ...(o.onNote ? { note: o.onNote } : {}),
      ...(o.onStep ? { onStep: (s: StepOutcome) => o.onStep!(toRecord(s)) } : {}),
    });
    return { step: r.step, resumedFrom: r.resumedFrom, ...(r.last ? { lastRecord: toRecord(r.last) } : {}) };
  } finally {
    await Promise.all([G.close(), D?.close()]);
  }
}

/** The trained generator's weights and configuration from a run directory. */
export function loadGenerator(runDir: string): { params: ParamStore; config: VocoderModelConfig['generator'] } {
  const cfg = readRunConfig(runDir);
  if (!cfg) throw new Error(`${runDir}: no ${CONFIG}`);
  const params = ParamStore.fromSafetensors(join(runDir, 'generator.safetensors'));
  for (const k of params.values.keys()) if (!isGeneratorParam(k)) throw new Error(`${runDir}/generator.safetensors: unexpected tensor '${k}'`);
  return { params, config: cfg.model.generator };
}
