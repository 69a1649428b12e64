// PNG pictures of a run: loss curves from log.jsonl, and ground-truth vs predicted mels.
import { writeFileAtomic } from '../engine/atomic.js';
import type { ParamStore } from '../engine/index.js';
import { AcousticModel, type AcousticModelOptions } from '../model/inference.js';
import type { ProDiffConfig } from '../model/prodiff.js';
import { linePlotPng, melComparePng, type Series } from '../util/plot.js';
import type { LoadedUtterance } from './data.js';
import type { RunDir } from './run.js';

/** Mean over windows of `k` steps, so curves of noisy per-batch losses read well. */
function smooth(points: [number, number][], k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += k) {
    const w = points.slice(i, i + k);
    out.push([w[w.length - 1]![0], w.reduce((a, p) => a + p[1], 0) / w.length]);
  }
  return out;
}

/** loss.png (total loss, train and valid) and, when present, losses.png (each term). */
export function writeLossPlots(run: RunDir, title: string): void {
  const records = run.readLog();
  const train = records.filter((r) => typeof r.loss === 'number' && typeof r.step === 'number');
  const valid = records.filter((r) => typeof r.valid === 'object' && r.valid !== null);
  const k = Math.max(1, Math.floor(train.length / 400));
  const series: Series[] = [{ name: 'train', points: smooth(train.map((r) => [r.step as number, r.loss as number]), k) }];
  if (valid.length) series.push({ name: 'valid', points: valid.map((r) => [r.step as number, (r.valid as Record<string, number>).loss!]) });
  writeFileAtomic(run.path('loss.png'), linePlotPng(series, { title, xLabel: 'step', yLabel: 'loss', logY: true }));
  const terms = ['l1', 'ssim', 'pdur', 'wdur', 'sdur', 'uv', 'f0', 'e'].filter((t) => train.some((r) => typeof r[t] === 'number'));
  if (terms.length) {
    const termSeries = terms.map((t) => ({ name: t, points: smooth(train.map((r) => [r.step as number, r[t] as number]), k) }));
    writeFileAtomic(run.path('losses.png'), linePlotPng(termSeries, { title: `${title}: loss terms (train)`, xLabel: 'step', yLabel: 'loss', logY: true }));
  }
}

/** valid-mel.png: a validation utterance's ground-truth mel above the model's (sampled, predicted durations). */
export async function writeMelPlot(run: RunDir, cfg: ProDiffConfig, params: ParamStore, options: AcousticModelOptions, item: LoadedUtterance, step: number): Promise<void> {
  const model = await AcousticModel.create(cfg, params, { ...options, threads: 1 });
  const r = await model.synthesize(Array.from(item.tokens, Number), { seed: 1, speaker: item.entry.speakerId });
  const png = melComparePng([
    { title: `ground truth: ${item.entry.id}`, data: item.mel, frames: item.mel2ph.length, nMels: cfg.mels },
    { title: `step ${step}, ${options.numSteps} steps`, data: r.mel, frames: r.frames, nMels: r.mels },
  ]);
  writeFileAtomic(run.path('valid-mel.png'), png);
}
