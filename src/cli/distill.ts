// prodiff distill --teacher RUN --out RUN2 [--steps 2] [--stage-steps K] [--checkpoint-every N] [--validate-every N] [--data CACHE] [--resume]
import { parseArgs } from 'node:util';
import { distill } from '../train/distill.js';
import type { Command } from './command.js';

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
    const { values: v } = parseArgs({
      args,
      options: {
        teacher: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string', default: '2' }, 'stage-steps': { type: 'string', default: '2000' },
        lr: { type: 'string' }, data: { type: 'string' }, resume: { type: 'boolean', default: false },
        'checkpoint-every': { type: 'string' }, 'validate-every': { type: 'string' },
      },
    });
    if (!v.teacher || !v.out) {
      process.stderr.write(USAGE);
      return 2;
    }
    const int = (name: string, s: string) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got '${s}'`);
      return n;
    };
    await distill({
      teacher: v.teacher, out: v.out, steps: int('steps', v.steps!), stageSteps: int('stage-steps', v['stage-steps']!), resume: v.resume!,
      ...(v.lr ? { lr: Number(v.lr) } : {}), ...(v.data ? { cache: v.data } : {}),
      ...(v['checkpoint-every'] !== undefined ? { checkpointEvery: int('checkpoint-every', v['checkpoint-every']) } : {}),
      ...(v['validate-every'] !== undefined ? { validateEvery: int('validate-every', v['validate-every']) } : {}),
    });
    return 0;
  },
};
