// Progressive distillation (`prodiff distill`): a student of N/2 steps learns, from two DDIM steps
// of its frozen teacher, to jump in one (Salimans & Ho); repeated stage by stage down to the
// requested step count. The encoder and predictors are frozen; only `denoise_fn.*` trains.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, ortTensor, ParamStore, Rng, schedules, Trainer, type ort, type TrainerSpec } from '../engine/index.js';
import { loadProDiffWeights } from '../model/checkpoint.js';
import { vpsdeSchedule, type DiffusionSchedule } from '../model/diffusion.js';
import { distillationLoss, type ProDiffConfig } from '../model/prodiff.js';
import { Scope } from '../nn/index.js';
import { Progress } from '../util/progress.js';
import { writeLossPlots } from './plots.js';
import { batchFeeds, BatchOrder, CacheDataset, makeBatches } from './data.js';
import { loadLoopCheckpoint, rngFromState, RunDir, saveLoopCheckpoint, stopOnSignals } from './run.js';
import { declareTrainInputs, type Hparams } from './teacher.js';
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
  resume: boolean;
  log?: (line: string) => void;
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
  const hp = loaded.hparams as Hparams;
  const N = loaded.options.teacherSteps;
  const finalSteps = o.steps ?? 2;
  if (!(Number.isInteger(finalSteps) && finalSteps >= 1 && N % finalSteps === 0 && Number.isInteger(Math.log2(N / finalSteps)))) {
    throw new Error(`--steps ${finalSteps}: the teacher has ${N} steps; the target must be N / 2^k`);
  }
  if (loaded.options.numSteps <= finalSteps) throw new Error(`${teacherPath} already samples in ${loaded.options.numSteps} steps`);
  const cache = o.cache ?? (typeof hp.cache === 'string' ? hp.cache : undefined);
  if (!cache) throw new Error('no --data given and the teacher records no cache');
  const data = new CacheDataset(cache);
  const cfg = loaded.cfg;
  const schedule = vpsdeSchedule(N);
  const seed = typeof hp.seed === 'number' ? hp.seed : 1234;
  const threads = typeof hp.threads === 'number' ? hp.threads : 2;
  const lr = o.lr ?? 2e-4;
  const batches = makeBatches(data.entries('train'), typeof hp.max_frames === 'number' ? hp.max_frames : 2000, typeof hp.max_sentences === 'number' ? hp.max_sentences : 12);
  const speakers = cfg.fs2.numSpk > 0;

  // Stages: the teacher's timescale doubles until the student samples in `finalSteps` steps.
  let current = loaded.params;
  for (let scale = loaded.options.timescale * 2; N / scale >= finalSteps; scale *= 2) {
    const stageDir = new RunDir(join(o.out, `stage-${N / scale}steps`));
    const done = existsSync(stageDir.path('model.safetensors')) && existsSync(stageDir.path('done'));
    if (done) {
      log(`stage ${N / scale} steps: already done`);
      current = loadProDiffWeights(stageDir.path('model.safetensors')).params;
      continue;
    }
    // Student starts as a copy of its teacher; the teacher's denoiser is frozen under `teacher.`.
    const params = current.clone();
    for (const [k, v] of current.values) if (k.startsWith('denoise_fn.')) params.set(`teacher.${k}`, v.shape, Float32Array.from(v.data));
    const spec = distillSpec(cfg, schedule, scale, lr, threads);
    const pg = new Graph();
    spec.build(pg, { training: true });
    params.checkAgainst(pg, teacherPath);
    const trainer = await Trainer.create(spec, params);
    let order = new BatchOrder(batches.length, seed + scale);
    let rng = new Rng(seed + 17 * scale);
    if (o.resume && stageDir.hasCheckpoint()) {
      const st = loadLoopCheckpoint(stageDir, trainer);
      order = new BatchOrder(batches.length, seed + scale, st.data);
      rng = rngFromState(st.rng, seed + 17 * scale);
      log(`stage ${N / scale} steps: resumed at step ${trainer.step}`);
    } else if (stageDir.hasCheckpoint()) {
      throw new Error(`${stageDir.dir}: a stage checkpoint exists; use --resume to continue it`);
    } else {
      stageDir.log({ event: 'start', teacher: teacherPath, student_steps: N / scale, timescale: scale });
    }
    const signals = stopOnSignals();
    const bar = new Progress({ label: `distill ${(N / scale) * 2}->${N / scale}`, total: o.stageSteps, unit: 'step' }, trainer.step);
    const save = () => {
      saveLoopCheckpoint(stageDir, trainer, { data: order.state, rng: Array.from(rng.state()) }, { kind: 'distill', timescale: String(scale) });
      saveModel(stageDir.path('model.safetensors'), trainer.exportParams(params), { ...hp, cache }, schedule, scale, { step: String(trainer.step), kind: 'student' });
    };
    try {
      while (trainer.step < o.stageSteps && !signals.stopped()) {
        const items = batches[order.next()]!.map((e) => data.get(e));
        const feeds = batchFeeds(items, cfg.mels, { speakers });
        const T = items.reduce((m, u) => Math.max(m, u.mel2ph.length), 0);
        const r = await trainer.trainStep({ ...feeds, ...studentFeeds(rng, items.length, cfg.mels, T, N, scale) });
        stageDir.log({ step: r.step, loss: r.loss, grad_norm: r.gradNorm, lr: r.lr, batch: items.length, frames: T });
        bar.update(r.step, `loss ${r.loss.toFixed(4)}`);
        if (r.step % 250 === 0) save();
      }
      save();
      writeLossPlots(stageDir, `distillation to ${N / scale} steps`);
      bar.finish();
      if (signals.stopped()) return;
      stageDir.writeJson('done', { step: trainer.step });
      current = trainer.exportParams(params.clone());
      for (const k of [...current.values.keys()]) if (k.startsWith('teacher.')) current.values.delete(k);
    } finally {
      signals.dispose();
      await trainer.close();
    }
  }
  // The final student, at the top of the output folder.
  const finalParams = new ParamStore();
  for (const [k, v] of current.values) if (!k.startsWith('teacher.')) finalParams.set(k, v.shape, v.data);
  saveModel(join(o.out, 'model.safetensors'), finalParams, { ...hp, cache }, schedule, N / finalSteps, { kind: 'student' });
}
