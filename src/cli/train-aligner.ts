// prodiff train-aligner CORPUS... --out DIR: trains the phone aligner (the bundled model was made
// with it, see docs/aligner.md).
import { existsSync } from 'node:fs';
import { ParamStore, Rng } from '../engine/index.js';
import { loadTrainingSet, validateAligner } from '../train/aligner-data.js';
import { AlignerTraining, DEFAULT_TRAIN, makeBatches, type TrainingUtterance } from '../train/aligner.js';
import { runTrainingLoop } from '../train/loop.js';
import { loadLoopCheckpoint, RunDir, saveLoopCheckpoint, rngFromState } from '../train/run.js';
import { DEFAULT_ALIGNER_CONFIG } from '../model/aligner.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';

const USAGE = `usage: prodiff train-aligner CORPUS... --out DIR [--valid CORPUS] [--steps 3000] [--batch 12] [--lr 0.002] [--resume] [--init WEIGHTS] [--limit N]

Trains the phone aligner (forward-sum loss, augmented audio) on corpora with or without phone
times (the transcript is all it needs: the phones of the times files when present, else the front
end's). --valid: a corpus with reference times; boundary accuracy is logged every 250 steps.
Writes DIR/log.jsonl, DIR/checkpoint.safetensors and the model DIR/model/{config.json,aligner.safetensors}.
`;

export const trainAlignerCommand: Command = {
  summary: 'train the phone aligner: train-aligner CORPUS... --out DIR',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {
      out: { type: 'string' }, valid: { type: 'string' }, steps: { type: 'string', default: String(DEFAULT_TRAIN.steps) },
      batch: { type: 'string', default: String(DEFAULT_TRAIN.batch) }, lr: { type: 'string', default: String(DEFAULT_TRAIN.lr) },
      resume: { type: 'boolean', default: false }, limit: { type: 'string' }, init: { type: 'string' },
    }, { maxPositionals: 64 });
    if (!p) return 0;
    const v = p.values;
    if (p.positionals.length === 0) throw new UsageError('give at least one CORPUS folder');
    if (!v.out) throw new UsageError('--out DIR is required');
    const steps = numberFlag('steps', v.steps!, { integer: true, min: 1 });
    const batch = numberFlag('batch', v.batch!, { integer: true, min: 1 });
    const lr = numberFlag('lr', v.lr!, { min: 0 });
    const limit = v.limit === undefined ? Infinity : numberFlag('limit', v.limit, { integer: true, min: 1 });
    const cfg = DEFAULT_ALIGNER_CONFIG;
    const log = (l: string) => process.stderr.write(`${l}\n`);
    const utts: TrainingUtterance[] = [];
    for (const c of p.positionals) utts.push(...loadTrainingSet(c, cfg, { log, limit }).utterances);
    if (utts.length === 0) throw new UsageError('no usable training utterances');
    const valid = v.valid ? loadTrainingSet(v.valid, cfg, { log, limit: 40, withReference: true }) : undefined;
    const run = new RunDir(v.out);
    const opts = { ...DEFAULT_TRAIN, steps, batch, lr };
    // --init: start from another run's weights (read after the data, so it can follow a live run).
    const training = await AlignerTraining.create(cfg, v.init ? ParamStore.fromSafetensors(v.init) : null, opts);
    let rng = new Rng(opts.seed);
    let batches: TrainingUtterance[][] = [];
    let pos = 0;
    let upcoming: ReturnType<typeof training.prepare> | undefined;
    const nextBatch = () => {
      if (pos >= batches.length || batches.length === 0) {
        batches = makeBatches(utts, opts.batch, opts.maxFrames, rng);
        pos = 0;
      }
      return training.prepare(batches[pos++]!, rng);
    };
    const task = {
      step: () => training.trainer.step,
      restore: () => {
        if (!existsSync(run.checkpoint)) throw new UsageError(`${v.out}: no checkpoint to resume`);
        const st = loadLoopCheckpoint(run, training.trainer);
        rng = rngFromState(st.rng, opts.seed);
        pos = st.data.position ?? 0;
        batches = [];
        upcoming = undefined;
        return `position ${pos}`;
      },
      trainStep: async () => {
        // The next batch is prepared (audio augmentation, features) while ORT runs this one.
        const pending = training.step(upcoming ?? nextBatch());
        upcoming = nextBatch();
        const r = await pending;
        return { step: training.trainer.step, record: { loss: r.loss, grad_norm: r.gradNorm, lr: r.lr }, summary: `loss ${r.loss.toFixed(4)}` };
      },
      ...(valid ? { validate: async () => validateAligner(training, valid.utterances, valid.references!) } : {}),
      checkpoint: () => {
        saveLoopCheckpoint(run, training.trainer, { data: { epoch: 0, position: pos } as never, rng: [...rng.state()] });
        training.saveModel(run.path('model'));
      },
    };
    await runTrainingLoop(task, { run, label: 'aligner', maxSteps: steps, checkpointEvery: 100, validateEvery: 250, validateAtEnd: true, resume: v.resume!, startRecord: { utterances: utts.length } });
    await training.close();
    return 0;
  },
};
