// The training task of the acoustic model (teacher and each distillation stage): one Trainer on
// length-bucketed batches of a preprocessed cache in a resumable shuffled order, diffusion draws
// from the run's RNG, validation on the cache's held-out split. The two differ only in the draws
// (t and noise), the sampler that pictures a validation mel, and what is saved.
import { Rng, type ort, type ParamStore, type Trainer } from '../engine/index.js';
import type { AcousticModelOptions } from '../model/inference.js';
import type { ProDiffConfig } from '../model/prodiff.js';
import { batchFeeds, BatchOrder, type CacheDataset, type LoadedUtterance } from './data.js';
import type { CacheEntry } from '../data/preprocess.js';
import type { StepOutcome, TrainingTask } from './loop.js';
import { writeMelPlot } from './plots.js';
import { loadLoopCheckpoint, rngFromState, saveLoopCheckpoint, type RunDir } from './run.js';

/** Validation utterances: the first few of the held-out split, the same for teacher and students. */
export function validationItems(data: CacheDataset, count = 8): LoadedUtterance[] {
  return data.entries('valid').slice(0, count).map((e) => data.get(e));
}

export interface AcousticTaskOptions {
  run: RunDir;
  trainer: Trainer;
  /** The trainable parameters (exported into a copy for the validation mel picture). */
  params: ParamStore;
  cfg: ProDiffConfig;
  data: CacheDataset;
  batches: CacheEntry[][];
  /** Seed of the batch order, and of the draws' RNG. */
  orderSeed: number;
  drawSeed: number;
  /** t and noise for B utterances of T frames. */
  draws(rng: Rng, B: number, T: number): Record<string, ort.Tensor>;
  validItems: LoadedUtterance[];
  /** How valid-mel.png samples (this model's steps); none: no picture. */
  sampler?: AcousticModelOptions;
  /** Metadata of checkpoint.safetensors. */
  checkpointMeta: Record<string, string>;
  /** Writes the run's model.safetensors (and whatever else goes with a checkpoint). */
  saveModel(): void;
}

const VALIDATION_SEED = 987654;

export function acousticTask(o: AcousticTaskOptions): TrainingTask {
  const { trainer, cfg, data, run } = o;
  const speakers = cfg.fs2.numSpk > 0;
  let order = new BatchOrder(o.batches.length, o.orderSeed);
  let rng = new Rng(o.drawSeed);
  const frames = (items: LoadedUtterance[]) => items.reduce((m, u) => Math.max(m, u.mel2ph.length), 0);
  return {
    step: () => trainer.step,
    restore() {
      const st = loadLoopCheckpoint(run, trainer);
      order = new BatchOrder(o.batches.length, o.orderSeed, st.data);
      rng = rngFromState(st.rng, o.drawSeed);
      return `epoch ${st.data.epoch}, batch ${st.data.position}`;
    },
    async trainStep(): Promise<StepOutcome> {
      const items = o.batches[order.next()]!.map((e) => data.get(e));
      const T = frames(items);
      const t0 = performance.now();
      const r = await trainer.trainStep({ ...batchFeeds(items, cfg.mels, { speakers }), ...o.draws(rng, items.length, T) });
      const ms = Math.round(performance.now() - t0);
      const l1 = r.metrics.l1 !== undefined ? ` l1 ${r.metrics.l1.toFixed(4)}` : '';
      return {
        step: r.step,
        record: { loss: r.loss, grad_norm: r.gradNorm, lr: r.lr, ms, batch: items.length, frames: T, ...r.metrics },
        summary: `loss ${r.loss.toFixed(4)}${l1}`,
      };
    },
    ...(o.validItems.length > 0 ? {
      async validate() {
        // Fixed draws, so that values are comparable across steps (and across a resume).
        const vrng = new Rng(VALIDATION_SEED);
        const sums: Record<string, number> = {};
        for (const u of o.validItems) {
          const r = await trainer.evaluate({ ...batchFeeds([u], cfg.mels, { speakers }), ...o.draws(vrng, 1, u.mel2ph.length) });
          sums.loss = (sums.loss ?? 0) + r.loss;
          for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v;
        }
        if (o.sampler) await writeMelPlot(run, cfg, trainer.exportParams(o.params.clone()), o.sampler, o.validItems[0]!, trainer.step);
        return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / o.validItems.length]));
      },
    } : {}),
    checkpoint() {
      saveLoopCheckpoint(run, trainer, { data: order.state, rng: Array.from(rng.state()) }, o.checkpointMeta);
      o.saveModel();
    },
  };
}
