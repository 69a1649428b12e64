// Progressive distillation (`prodiff distill`): a student of N/2 steps learns, from two DDIM steps
// of its frozen teacher, to jump in one (Salimans & Ho); repeated stage by stage down to the
// requested step count. The encoder and predictors are frozen; only `denoise_fn.*` trains. Each
// stage runs through the shared training loop (validation on the teacher's held-out split,
// checkpoints, exact resume).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, ortTensor, ParamStore, Rng, schedules, Trainer, type ort, type TrainerSpec } from '../engine/index.js';
import { loadProDiffWeights } from '../model/checkpoint.js';
import { vpsdeSchedule, type DiffusionSchedule } from '../model/diffusion.js';
import { distillationLoss, type ProDiffConfig } from '../model/prodiff.js';
import { Scope } from '../nn/index.js';
import { acousticTask, validationItems } from './acoustic-task.js';
import { CacheDataset, makeBatches } from './data.js';
import { runTrainingLoop } from './loop.js';
import { RunDir } from './run.js';
import { checkCacheSpeakers, declareTrainInputs } from './teacher.js';
import { saveModel } from '../model/checkpoint.js';

export interface DistillOptions {
  /** Teacher run folder (RUN/model.safetensors) or a model .safetensors file. */
  teacher: string;
  out: string;
  /** Preprocessed cache; default: the teacher run's. */
  cache?: string;
  /** Final number of sampling steps (a power-of-two fraction of the teacher's). Default 2. */
  steps?: number;
  /** Training steps per stage. */
  stageSteps: number;
  lr?: number;
  /** Steps between checkpoints; default: the teacher's checkpoint_interval. */
  checkpointEvery?: number;
  /** Steps between validations (on the held-out split); default: the teacher's val_check_interval. */
  validateEvery?: number;
  resume: boolean;
  log?: (line: string) => void;
  /** Polled before each step; default: SIGINT/SIGTERM stop the run (after a checkpoint). */
  shouldStop?: () => boolean;
}

/** Student draws: t = timescale * randint(1, N / timescale). */
function studentFeeds(rng: Rng, B: number, M: number, T: number, N: number, timescale: number): Record<string, ort.Tensor> {
  const draws = N / timescale;
  const t = BigInt64Array.from({ length: B }, () => BigInt(timescale * (1 + rng.int(draws))));
  return { t: ortTensor('int64', t, [B]), noise: ortTensor('float32', rng.normalArray(B * M * T), [B, 1, M, T]) };
}

export function distillSpec(cfg: ProDiffConfig, schedule: DiffusionSchedule, timescale: number, lr: number, threads: number): TrainerSpec {
  return {
    build(g, ctx) {
      const o = distillationLoss(new Scope(g), cfg, schedule, timescale, declareTrainInputs(g, cfg), { training: ctx.training });
      return { loss: o.loss };
    },
    optimizer: { betas: [0.9, 0.98], eps: 1e-9, weightDecay: 0, clipGradNorm: 1 },
    schedule: schedules.constant(lr),
    trainable: (n) => n.startsWith('denoise_fn.'),
    session: { threads },
  };
}

function modelPath(p: string): string {
  return p.endsWith('.safetensors') ? p : join(p, 'model.safetensors');
}

export async function distill(o: DistillOptions): Promise<void> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const teacherPath = modelPath(o.teacher);
  const loaded = loadProDiffWeights(teacherPath);
  const hp = loaded.hp;
  const N = loaded.options.teacherSteps;
  if (loaded.cfg.target === 'regression') throw new Error(`${teacherPath} is a regression model (diffusion_target 'regression'): it has no sampler steps to distil`);
  const finalSteps = o.steps ?? 2;
  if (!(Number.isInteger(finalSteps) && finalSteps >= 1 && N % finalSteps === 0 && Number.isInteger(Math.log2(N / finalSteps)))) {
    throw new Error(`--steps ${finalSteps}: the teacher has ${N} steps; the target must be N / 2^k`);
  }
  if (loaded.options.numSteps <= finalSteps) throw new Error(`${teacherPath} already samples in ${loaded.options.numSteps} steps`);
  const cache = o.cache ?? hp.cache;
  if (!cache) throw new Error('no --data given and the teacher records no cache');
  const data = new CacheDataset(cache);
  const cfg = loaded.cfg;
  checkCacheSpeakers(cfg, data, teacherPath);
  const schedule = vpsdeSchedule(N);
  const seed = hp.seed;
  const lr = o.lr ?? 2e-4;
  const batches = makeBatches(data.entries('train'), hp.max_frames, hp.max_sentences);
  const validItems = validationItems(data);
  const modelHp = { ...loaded.hparams, cache };

  // Stages: the teacher's timescale doubles until the student samples in `finalSteps` steps.
  let current = loaded.params;
  for (let scale = loaded.options.timescale * 2; N / scale >= finalSteps; scale *= 2) {
    const studentSteps = N / scale;
    const stageDir = new RunDir(join(o.out, `stage-${studentSteps}steps`));
    const done = existsSync(stageDir.path('model.safetensors')) && existsSync(stageDir.path('done'));
    if (done) {
      log(`stage ${studentSteps} steps: already done`);
      current = loadProDiffWeights(stageDir.path('model.safetensors')).params;
      continue;
    }
    const resume = o.resume && stageDir.hasCheckpoint();
    if (!resume && stageDir.hasCheckpoint()) throw new Error(`${stageDir.dir}: a stage checkpoint exists; use --resume to continue it`);
    // Student starts as a copy of its teacher; the teacher's denoiser is frozen under `teacher.`.
    const params = current.clone();
    for (const [k, v] of current.values) if (k.startsWith('denoise_fn.')) params.set(`teacher.${k}`, v.shape, Float32Array.from(v.data));
    const spec = distillSpec(cfg, schedule, scale, lr, hp.threads);
    const pg = new Graph();
    spec.build(pg, { training: true });
    params.checkAgainst(pg, teacherPath);
    const trainer = await Trainer.create(spec, params);
    const task = acousticTask({
      run: stageDir, trainer, params, cfg, data, batches, orderSeed: seed + scale, drawSeed: seed + 17 * scale,
      draws: (rng, B, T) => studentFeeds(rng, B, cfg.mels, T, N, scale),
      validItems,
      sampler: { teacherSteps: N, numSteps: studentSteps, timescale: scale },
      checkpointMeta: { kind: 'distill', timescale: String(scale) },
      saveModel: () => saveModel(stageDir.path('model.safetensors'), trainer.exportParams(params), modelHp, schedule, scale, { step: String(trainer.step), kind: 'student' }),
    });
    try {
      const r = await runTrainingLoop(task, {
        run: stageDir, label: `distill ${studentSteps * 2}->${studentSteps}`, resume,
        maxSteps: o.stageSteps, checkpointEvery: o.checkpointEvery ?? hp.checkpoint_interval, validateEvery: o.validateEvery ?? hp.val_check_interval,
        startRecord: { teacher: teacherPath, student_steps: studentSteps, timescale: scale },
        note: (line) => log(`stage ${studentSteps} steps: ${line}`),
        ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
      });
      if (r.stopped) return;
      stageDir.writeJson('done', { step: trainer.step });
      current = trainer.exportParams(params.clone());
      for (const k of [...current.values.keys()]) if (k.startsWith('teacher.')) current.values.delete(k);
    } finally {
      await trainer.close();
    }
  }
  // The final student, at the top of the output folder.
  const finalParams = new ParamStore();
  for (const [k, v] of current.values) if (!k.startsWith('teacher.')) finalParams.set(k, v.shape, v.data);
  saveModel(join(o.out, 'model.safetensors'), finalParams, modelHp, schedule, N / finalSteps, { kind: 'student' });
}
