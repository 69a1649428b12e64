// The one training loop behind the teacher, the distillation stages and the vocoder GAN: it steps
// the task until `maxSteps`, logs every step to log.jsonl, draws the progress bar, validates and
// checkpoints on schedule (and when stopped), resumes exactly from the last checkpoint and draws
// the loss curves. A task supplies only what differs: how one step trains (a GAN does both of its
// updates in one step), what validation measures, what a checkpoint holds.
import { writeLossPlots } from './plots.js';
import { stopOnSignals, type RunDir } from './run.js';
import { Progress } from '../util/progress.js';

export interface StepOutcome {
  /** The step count after this step. */
  step: number;
  /** What log.jsonl records for this step (besides `step`). */
  record: Record<string, number>;
  /** Shown after the progress bar, e.g. "loss 0.1234". */
  summary: string;
}

export interface TrainingTask {
  /** Steps done so far (the trainer's step count). */
  step(): number;
  /** Restores the trainer(s), data order and random state from the run's checkpoint; returns where (for the log), if anything to say. */
  restore(): Promise<string | void> | string | void;
  trainStep(): Promise<StepOutcome>;
  /** Metrics on held-out data, `loss` first; the loop logs them as `{ step, valid }`. */
  validate?(): Promise<Record<string, number>>;
  /** Writes the checkpoint (atomically) and the model files of the current step. */
  checkpoint(): Promise<void> | void;
  /** Pictures of the run after each validation and at the end; default: loss.png from log.jsonl. */
  plots?(): Promise<void> | void;
}

export interface LoopOptions {
  run: RunDir;
  /** Progress bar label and plot title. */
  label: string;
  maxSteps: number;
  checkpointEvery: number;
  /** Steps between validations (none when absent or the task cannot validate). */
  validateEvery?: number;
  /** Also validate at the last step (when that is not a multiple of validateEvery). */
  validateAtEnd?: boolean;
  /** Continue from the run's checkpoint; otherwise a fresh run (an old log.jsonl is replaced). */
  resume: boolean;
  /** Logged first in a fresh run's log.jsonl. */
  startRecord?: Record<string, unknown>;
  /** Polled before each step; default: SIGINT/SIGTERM. The loop checkpoints and returns. */
  shouldStop?: () => boolean;
  /** Messages (resumed, validation results); printed above the progress bar by default. */
  note?: (line: string) => void;
  onStep?: (outcome: StepOutcome) => void;
}

export interface LoopResult {
  step: number;
  /** The step the run resumed at (0 for a fresh run). */
  resumedFrom: number;
  stopped: boolean;
  last?: StepOutcome;
}

function formatMetric(v: number | undefined): string {
  return v === undefined ? '-' : v.toFixed(4);
}

export async function runTrainingLoop(task: TrainingTask, o: LoopOptions): Promise<LoopResult> {
  const { run } = o;
  let bar: Progress | undefined;
  const note = (line: string) => (o.note ? o.note(line) : bar ? bar.note(line) : process.stderr.write(`${line}\n`));
  let resumedFrom = 0;
  if (o.resume) {
    const where = await task.restore();
    resumedFrom = task.step();
    // Records written after the checkpoint (a run killed between checkpoints) are redone.
    run.keepLogUpTo(resumedFrom);
    note(`resumed at step ${resumedFrom}${where ? ` (${where})` : ''}`);
  } else {
    run.clearLog();
    if (o.startRecord) run.log({ event: 'start', ...o.startRecord });
  }
  const signals = o.shouldStop ? undefined : stopOnSignals();
  const shouldStop = o.shouldStop ?? signals!.stopped;
  bar = new Progress({ label: o.label, total: o.maxSteps, unit: 'step' }, task.step());
  let checkpointed = o.resume ? resumedFrom : -1;
  let validated = o.resume ? resumedFrom : -1;
  let plotted = -1;
  const plots = async (step: number) => {
    await (task.plots ? task.plots() : writeLossPlots(run, o.label));
    plotted = step;
  };
  const validate = async (step: number) => {
    const v = await task.validate!();
    run.log({ step, valid: v });
    note(`step ${step}: valid ${Object.entries(v).map(([k, x]) => `${k} ${formatMetric(x)}`).join(' ')}`);
    validated = step;
    await plots(step);
  };
  const checkpoint = async (step: number) => {
    await task.checkpoint();
    checkpointed = step;
  };
  let last: StepOutcome | undefined;
  let stopped = false;
  try {
    while (task.step() < o.maxSteps) {
      if (shouldStop()) {
        stopped = true;
        break;
      }
      const r = await task.trainStep();
      last = r;
      run.log({ step: r.step, ...r.record });
      bar.update(r.step, r.summary);
      o.onStep?.(r);
      if (task.validate && o.validateEvery && r.step % o.validateEvery === 0) await validate(r.step);
      if (r.step % o.checkpointEvery === 0) await checkpoint(r.step);
    }
    const step = task.step();
    if (task.validate && o.validateAtEnd && validated !== step) await validate(step);
    if (checkpointed !== step) await checkpoint(step);
    if (plotted !== step) await plots(step);
    bar.finish();
    bar = undefined;
    run.log({ event: stopped ? 'stopped' : 'done', step });
    return { step, resumedFrom, stopped, ...(last ? { last } : {}) };
  } finally {
    signals?.dispose();
  }
}
