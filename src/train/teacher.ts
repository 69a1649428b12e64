// Teacher training (`prodiff train`): the N-step x0-predicting diffusion model with all of
// ProDiff's losses, on length-bucketed batches, through the shared training loop (validation,
// checkpoints, exact resume, JSON-lines log).
import { Graph, ortTensor, ParamStore, Rng, schedules, Trainer, type ort, type TrainerSpec } from '../engine/index.js';
import { vpsdeSchedule, type DiffusionSchedule } from '../model/diffusion.js';
import { saveModel } from '../model/checkpoint.js';
import { HparamsError, hparamsToJson, requireHparam, withHparams, type Hparams } from '../model/hparams.js';
import { lossWeightsFromHparams, silenceIdsFromVocab, silenceTable } from '../model/losses.js';
import { declareSpeakerInputs, prodiffConfigFromHparams, teacherTrainingLoss, type ProDiffConfig, type TeacherTrainInputs } from '../model/prodiff.js';
import { Scope } from '../nn/index.js';
import { acousticTask, validationItems } from './acoustic-task.js';
import { CacheDataset, makeBatches } from './data.js';
import { runTrainingLoop } from './loop.js';
import { RunDir } from './run.js';

/** The run's full hparams: the config plus what the data decides (vocabulary, f0 statistics, speakers). */
export function hparamsForData(config: Hparams, data: CacheDataset): Hparams {
  const idx = data.index;
  const fromData: Record<string, unknown> = { vocab: idx.vocab, vocab_size: idx.vocab.length, f0_mean: idx.f0.mean, f0_std: idx.f0.std };
  if (config.use_spk_embed) {
    throw new HparamsError(config.source, 'use_spk_embed', 'needs a per-utterance external speaker embedding, which prodiff preprocess does not compute; train with speaker ids (use_spk_id, set automatically for a corpus of several speakers)');
  }
  // Like the official binarizer: ids are the sorted speaker names' positions, num_spk may leave room for more.
  if (idx.speakers.length > 1 || config.use_spk_id) {
    fromData.use_spk_id = true;
    fromData.num_spk = config.use_spk_id ? Math.max(config.num_spk, idx.speakers.length) : idx.speakers.length;
    fromData.speakers = idx.speakers;
  }
  if (config.diffusion_target === 'epsilon' && (!config.spec_min || !config.spec_max)) Object.assign(fromData, melRange(data));
  return withHparams(config, fromData, `${config.source} + ${data.dir}`);
}

/** Per-bin minimum and maximum of the train split's mels (an epsilon model's x0 clip range). */
export function melRange(data: CacheDataset): { spec_min: number[]; spec_max: number[] } {
  const M = data.index.audio.nMels;
  const lo = new Array<number>(M).fill(Infinity), hi = new Array<number>(M).fill(-Infinity);
  for (const e of data.entries('train')) {
    const mel = data.get(e).mel;
    for (let i = 0; i < mel.length; i++) {
      const m = i % M, v = mel[i]!;
      if (v < lo[m]!) lo[m] = v;
      if (v > hi[m]!) hi[m] = v;
    }
  }
  if (!Number.isFinite(lo[0]!)) throw new Error(`${data.dir}: no train utterances to take the mel range from`);
  return { spec_min: lo, spec_max: hi };
}

/** A cache whose speakers the model cannot tell apart (more speakers than its table) is an error naming both. */
export function checkCacheSpeakers(cfg: ProDiffConfig, data: CacheDataset, model: string): void {
  const n = data.index.speakers.length;
  if (n > 1 && cfg.fs2.numSpk < n) {
    throw new Error(`${data.dir} has ${n} speakers (${data.index.speakers.join(', ')}) but ${model} ${cfg.fs2.numSpk > 0 ? `has ${cfg.fs2.numSpk}` : 'is single-speaker'}`);
  }
}

/** The graph inputs of teacher training and distillation (names match batchFeeds and diffusionFeeds). */
export function declareTrainInputs(g: Graph, cfg: ProDiffConfig): TeacherTrainInputs {
  const M = cfg.mels;
  return {
    tokens: g.input('txt_tokens', 'int64', ['B', 'L']),
    mel2ph: g.input('mel2ph', 'int64', ['B', 'T']),
    f0: g.input('f0', 'float32', ['B', 'T']),
    uv: g.input('uv', 'float32', ['B', 'T']),
    energy: g.input('energy', 'float32', ['B', 'T']),
    mels: g.input('mels', 'float32', ['B', 'T', M]),
    t: g.input('t', 'int64', ['B']),
    noise: g.input('noise', 'float32', ['B', 1, M, 'T']),
    ...declareSpeakerInputs(g, cfg.fs2),
  };
}

export function teacherSpec(hp: Hparams, cfg: ProDiffConfig, schedule: DiffusionSchedule): TrainerSpec {
  const vocab = requireHparam(hp, 'vocab', 'the silence phones of the word duration loss');
  const sil = silenceTable(cfg.fs2.vocabSize, silenceIdsFromVocab([...vocab]));
  const weights = lossWeightsFromHparams(hp);
  return {
    build(g, ctx) {
      const silT = g.constant({ dtype: 'float32', shape: [sil.length], values: sil }, 'silence_table');
      const o = teacherTrainingLoss(new Scope(g), cfg, schedule, declareTrainInputs(g, cfg), weights, silT, { training: ctx.training });
      return { loss: o.total, metrics: o.losses };
    },
    optimizer: {
      betas: [hp.optimizer_adam_beta1, hp.optimizer_adam_beta2],
      eps: 1e-9,
      weightDecay: hp.weight_decay,
      clipGradNorm: hp.clip_grad_norm,
    },
    schedule: schedules.warmupRsqrt(hp.lr, hp.warmup_updates, cfg.fs2.hidden),
    session: { threads: hp.threads },
  };
}

/** Diffusion index and noise for a batch, drawn from the run's RNG (so a resumed run draws the same). */
export function diffusionFeeds(rng: Rng, B: number, M: number, T: number, maxIndex: number): Record<string, ort.Tensor> {
  const t = BigInt64Array.from({ length: B }, () => BigInt(rng.int(maxIndex + 1)));
  return { t: ortTensor('int64', t, [B]), noise: ortTensor('float32', rng.normalArray(B * M * T), [B, 1, M, T]) };
}

export interface TeacherRunOptions {
  /** The config (see `parseHparams`; `readConfig` reads a file). */
  config: Hparams;
  cache: string;
  out: string;
  resume: boolean;
  /** Overrides the config's max_updates. */
  maxSteps?: number;
  log?: (line: string) => void;
  /** Polled before each step; default: SIGINT/SIGTERM stop the run (after a checkpoint). */
  shouldStop?: () => boolean;
}

export async function trainTeacher(o: TeacherRunOptions): Promise<void> {
  const run = new RunDir(o.out);
  const data = new CacheDataset(o.cache);
  const hp = hparamsForData(o.config, data);
  if (o.resume && !run.hasCheckpoint()) throw new Error(`${o.out}: --resume given but there is no checkpoint.safetensors`);
  if (!o.resume && run.hasCheckpoint()) throw new Error(`${o.out}: a run already exists here; use --resume to continue it or choose another --out`);
  const cfg = prodiffConfigFromHparams(hp);
  const N = hp.timesteps;
  const schedule = vpsdeSchedule(N);
  const spec = teacherSpec(hp, cfg, schedule);
  const pg = new Graph();
  spec.build(pg, { training: true });
  const params = new ParamStore().initialize(pg, new Rng(hp.seed));
  const trainer = await Trainer.create(spec, params);
  const batches = makeBatches(data.entries('train'), hp.max_frames, hp.max_sentences);
  if (batches.length === 0) throw new Error(`${o.cache}: no training utterances`);
  const modelHp = { ...hparamsToJson(hp), cache: o.cache };
  if (!o.resume) run.writeJson('config.json', { ...modelHp, kind: 'teacher' });
  const task = acousticTask({
    run, trainer, params, cfg, data, batches, orderSeed: hp.seed, drawSeed: hp.seed + 1,
    draws: (rng, B, T) => diffusionFeeds(rng, B, cfg.mels, T, N),
    validItems: validationItems(data),
    sampler: { teacherSteps: N, numSteps: N, timescale: 1 },
    checkpointMeta: { kind: 'teacher' },
    saveModel: () => saveModel(run.path('model.safetensors'), trainer.exportParams(params), modelHp, schedule, 1, { step: String(trainer.step), kind: 'teacher' }),
  });
  try {
    await runTrainingLoop(task, {
      run, label: 'teacher', resume: o.resume,
      maxSteps: o.maxSteps ?? hp.max_updates, checkpointEvery: hp.checkpoint_interval, validateEvery: hp.val_check_interval,
      startRecord: { params: [...params.values.values()].reduce((a, v) => a + v.data.length, 0), batches: batches.length, train: data.entries('train').length },
      ...(o.log ? { note: o.log } : {}),
      ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
    });
  } finally {
    await trainer.close();
  }
}
