// Teacher training (`prodiff train`): the N-step x0-predicting diffusion model with all of
// ProDiff's losses, on length-bucketed batches, with validation, exact resume and a JSON-lines log.
import { Graph, ortTensor, ParamStore, Rng, schedules, Trainer, type ort, type TrainerSpec } from '../engine/index.js';
import { prodiffConfigFromHparams } from '../model/prodiff.js';
import { vpsdeSchedule, type DiffusionSchedule } from '../model/diffusion.js';
import { saveModel } from '../model/checkpoint.js';
import { lossWeightsFromHparams, silenceIdsFromVocab, silenceTable } from '../model/losses.js';
import { teacherTrainingLoss, type ProDiffConfig, type TeacherTrainInputs } from '../model/prodiff.js';
import { Scope } from '../nn/index.js';
import { Progress } from '../util/progress.js';
import { writeLossPlots, writeMelPlot } from './plots.js';
import { batchFeeds, BatchOrder, CacheDataset, makeBatches, type LoadedUtterance } from './data.js';
import { loadLoopCheckpoint, rngFromState, RunDir, saveLoopCheckpoint, stopOnSignals } from './run.js';

export type Hparams = Record<string, unknown>;

/** The run's full hparams: the config file plus what the data decides (vocabulary, f0 statistics, speakers). */
export function hparamsForData(config: Hparams, data: CacheDataset): Hparams {
  const idx = data.index;
  const hp: Hparams = { ...config, vocab: idx.vocab, vocab_size: idx.vocab.length, f0_mean: idx.f0.mean, f0_std: idx.f0.std };
  if (idx.speakers.length > 1) {
    hp.use_spk_id = true;
    hp.num_spk = idx.speakers.length;
  }
  return hp;
}

const num = (hp: Hparams, k: string, def?: number): number => {
  const v = hp[k];
  if (typeof v === 'number') return v;
  if (def !== undefined) return def;
  throw new Error(`config: '${k}' missing or not a number`);
};

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
    ...(cfg.fs2.numSpk > 0 ? { spk: g.input('spk_id', 'int64', ['B']) } : {}),
  };
}

export function teacherSpec(hp: Hparams, cfg: ProDiffConfig, schedule: DiffusionSchedule): TrainerSpec {
  const vocab = hp.vocab as string[];
  const sil = silenceTable(cfg.fs2.vocabSize, silenceIdsFromVocab(vocab));
  const weights = lossWeightsFromHparams(hp);
  return {
    build(g, ctx) {
      const silT = g.constant({ dtype: 'float32', shape: [sil.length], values: sil }, 'silence_table');
      const o = teacherTrainingLoss(new Scope(g), cfg, schedule, declareTrainInputs(g, cfg), weights, silT, { training: ctx.training });
      return { loss: o.total, metrics: o.losses };
    },
    optimizer: {
      betas: [num(hp, 'optimizer_adam_beta1', 0.9), num(hp, 'optimizer_adam_beta2', 0.98)],
      eps: 1e-9,
      weightDecay: num(hp, 'weight_decay', 0),
      clipGradNorm: num(hp, 'clip_grad_norm', 1),
    },
    schedule: schedules.warmupRsqrt(num(hp, 'lr', 1), num(hp, 'warmup_updates', 2000), num(hp, 'hidden_size')),
    session: { threads: num(hp, 'threads', 2) },
  };
}

/** Diffusion index and noise for a batch, drawn from the run's RNG (so a resumed run draws the same). */
export function diffusionFeeds(rng: Rng, B: number, M: number, T: number, maxIndex: number): Record<string, ort.Tensor> {
  const t = BigInt64Array.from({ length: B }, () => BigInt(rng.int(maxIndex + 1)));
  return { t: ortTensor('int64', t, [B]), noise: ortTensor('float32', rng.normalArray(B * M * T), [B, 1, M, T]) };
}

export interface TeacherRunOptions {
  config: Hparams;
  cache: string;
  out: string;
  resume: boolean;
  /** Overrides the config's max_updates. */
  maxSteps?: number;
  log?: (line: string) => void;
}

async function validate(trainer: Trainer, items: LoadedUtterance[], cfg: ProDiffConfig, N: number, speakers: boolean): Promise<Record<string, number>> {
  // Fixed t and noise for validation, so values are comparable across steps.
  const rng = new Rng(987654);
  const sums: Record<string, number> = {};
  let count = 0;
  for (const u of items) {
    const feeds = batchFeeds([u], cfg.mels, { speakers });
    const T = u.mel2ph.length;
    const r = await trainer.evaluate({ ...feeds, ...diffusionFeeds(rng, 1, cfg.mels, T, N) });
    sums.loss = (sums.loss ?? 0) + r.loss;
    for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v;
    count++;
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, count)]));
}

export async function trainTeacher(o: TeacherRunOptions): Promise<void> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const run = new RunDir(o.out);
  const data = new CacheDataset(o.cache);
  const hp = hparamsForData(o.config, data);
  if (o.resume && !run.hasCheckpoint()) throw new Error(`${o.out}: --resume given but there is no checkpoint.safetensors`);
  if (!o.resume && run.hasCheckpoint()) throw new Error(`${o.out}: a run already exists here; use --resume to continue it or choose another --out`);
  const cfg = prodiffConfigFromHparams(hp);
  const N = num(hp, 'timesteps', 4);
  const schedule = vpsdeSchedule(N);
  const seed = num(hp, 'seed', 1234);
  const spec = teacherSpec(hp, cfg, schedule);
  const pg = new Graph();
  spec.build(pg, { training: true });
  const params = new ParamStore().initialize(pg, new Rng(seed));
  const trainer = await Trainer.create(spec, params);
  const batches = makeBatches(data.entries('train'), num(hp, 'max_frames', 3200), num(hp, 'max_sentences', 16));
  if (batches.length === 0) throw new Error(`${o.cache}: no training utterances`);
  let order = new BatchOrder(batches.length, seed);
  let rng = new Rng(seed + 1);
  if (o.resume) {
    const st = loadLoopCheckpoint(run, trainer);
    order = new BatchOrder(batches.length, seed, st.data);
    rng = rngFromState(st.rng, seed + 1);
    log(`resumed at step ${trainer.step} (epoch ${st.data.epoch}, batch ${st.data.position})`);
  } else {
    run.writeJson('config.json', { ...hp, cache: o.cache, kind: 'teacher' });
    run.log({ event: 'start', params: [...params.values.values()].reduce((a, v) => a + v.data.length, 0), batches: batches.length, train: data.entries('train').length });
  }
  const speakers = cfg.fs2.numSpk > 0;
  const maxSteps = o.maxSteps ?? num(hp, 'max_updates', 20000);
  const validEvery = num(hp, 'val_check_interval', 500);
  const ckptEvery = num(hp, 'checkpoint_interval', 250);
  const validItems = data.entries('valid').slice(0, 8).map((e) => data.get(e));
  const signals = stopOnSignals();
  const bar = new Progress({ label: 'teacher', total: maxSteps, unit: 'step' }, trainer.step);
  const checkpoint = () => {
    saveLoopCheckpoint(run, trainer, { data: order.state, rng: Array.from(rng.state()) }, { kind: 'teacher' });
    saveModel(run.path('model.safetensors'), trainer.exportParams(params), { ...hp, cache: o.cache }, schedule, 1, { step: String(trainer.step), kind: 'teacher' });
  };
  try {
    while (trainer.step < maxSteps && !signals.stopped()) {
      const items = batches[order.next()]!.map((e) => data.get(e));
      const feeds = batchFeeds(items, cfg.mels, { speakers });
      const T = items.reduce((m, u) => Math.max(m, u.mel2ph.length), 0);
      const t0 = performance.now();
      const r = await trainer.trainStep({ ...feeds, ...diffusionFeeds(rng, items.length, cfg.mels, T, N) });
      const ms = performance.now() - t0;
      run.log({ step: r.step, loss: r.loss, grad_norm: r.gradNorm, lr: r.lr, ms: Math.round(ms), batch: items.length, frames: T, ...r.metrics });
      bar.update(r.step, `loss ${r.loss.toFixed(4)} l1 ${(r.metrics.l1 ?? 0).toFixed(4)}`);
      if (r.step % validEvery === 0 && validItems.length > 0) {
        const v = await validate(trainer, validItems, cfg, N, speakers);
        run.log({ step: r.step, valid: v });
        log(`\nstep ${r.step}: valid loss ${v.loss!.toFixed(4)}`);
        writeLossPlots(run, 'teacher');
        await writeMelPlot(run, cfg, trainer.exportParams(params.clone()), { teacherSteps: N, numSteps: N, timescale: 1 }, validItems[0]!, r.step);
      }
      if (r.step % ckptEvery === 0) checkpoint();
    }
    checkpoint();
    writeLossPlots(run, 'teacher');
    bar.finish();
    run.log({ event: signals.stopped() ? 'stopped' : 'done', step: trainer.step });
  } finally {
    signals.dispose();
    await trainer.close();
  }
}
