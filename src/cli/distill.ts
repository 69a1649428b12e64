// prodiff distill --teacher RUN --out RUN2 [--steps 2] [--stage-steps K] [--checkpoint-every N] [--validate-every N] [--data CACHE] [--resume]
import { distill } from '../train/distill.js';
import { numberFlag, optionalNumberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { requireInput } from './io.js';

const USAGE = `usage: prodiff distill --teacher RUN|MODEL.safetensors --out RUN2 [--steps 2] [--stage-steps 2000] [--lr 2e-4]
                      [--checkpoint-every N] [--validate-every N] [--data CACHE] [--resume]

Progressive distillation: the student starts as a copy of the teacher, its encoder and predictors
frozen, and learns to take in one step what two DDIM steps of the teacher take; stages halve the
step count (N -> N/2 -> ...) until --steps. Each stage writes RUN2/stage-<k>steps/ (log,
checkpoint, model, loss.png, valid-mel.png); the final student is RUN2/model.safetensors.
Checkpoints (atomic, also on Ctrl-C; --resume continues exactly) every --checkpoint-every steps
and validation on the cache's held-out split every --validate-every steps; both default to the
teacher's checkpoint_interval and val_check_interval.
`;

export const distillCommand: Command = {
  summary: 'progressive distillation: distill --teacher RUN --out RUN2 [--steps 2]',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {
      teacher: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string', default: '2' }, 'stage-steps': { type: 'string', default: '2000' },
      lr: { type: 'string' }, data: { type: 'string' }, resume: { type: 'boolean', default: false },
      'checkpoint-every': { type: 'string' }, 'validate-every': { type: 'string' },
    }, { maxPositionals: 0 });
    if (!p) return 0;
    const v = p.values;
    if (!v.teacher) throw new UsageError('--teacher RUN is required');
    if (!v.out) throw new UsageError('--out RUN2 is required');
    const int = (name: string, s: string) => numberFlag(name, s, { integer: true, min: 1 });
    const lr = optionalNumberFlag('lr', v.lr, { min: 0 });
    const checkpointEvery = optionalNumberFlag('checkpoint-every', v['checkpoint-every'], { integer: true, min: 1 });
    const validateEvery = optionalNumberFlag('validate-every', v['validate-every'], { integer: true, min: 1 });
    const steps = int('steps', v.steps!), stageSteps = int('stage-steps', v['stage-steps']!);
    requireInput(v.teacher, 'teacher');
    if (v.data) requireInput(v.data, 'cache');
    await distill({
      teacher: v.teacher, out: v.out, steps, stageSteps, resume: v.resume!,
      ...(lr !== undefined ? { lr } : {}), ...(v.data ? { cache: v.data } : {}),
      ...(checkpointEvery !== undefined ? { checkpointEvery } : {}),
      ...(validateEvery !== undefined ? { validateEvery } : {}),
    });
    return 0;
  },
};
