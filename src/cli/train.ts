// prodiff train --config CFG --data CACHE --out RUN [--resume] [--max-steps N]
import { readFileSync } from 'node:fs';
import { parseHparams, type Hparams } from '../model/hparams.js';
import { trainTeacher } from '../train/teacher.js';
import { CliError, optionalNumberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { requireInput } from './io.js';

const USAGE = `usage: prodiff train --config CFG.json --data CACHE --out RUN [--resume] [--max-steps N]

  --config FILE    the run's hparams (configs/*.json); a resumed run may leave it out (RUN/config.json)
  --data CACHE     a preprocessed cache (prodiff preprocess)
  --out RUN        run directory (created; with --resume, continued from its checkpoint)
  --resume         continue RUN from its last checkpoint exactly
  --max-steps N    stop after step N (overrides the config's max_updates)

Trains the ProDiff teacher on a preprocessed cache. RUN gets config.json, log.jsonl (one JSON
object per step), checkpoint.safetensors (parameters, optimizer state, step, data order, RNG;
written atomically every checkpoint_interval steps and on Ctrl-C) and model.safetensors (the
weights under the official names, for inference and distillation), loss.png and valid-mel.png
(every val_check_interval steps). Configs: configs/*.json, official ProDiff hparams keys checked
against src/model/hparams.ts (a bad value is an error naming the key).
`;

/** Reads and validates a config file (hparams keys, see src/model/hparams.ts). */
export function readConfig(path: string): Hparams {
  let c: unknown;
  try {
    c = JSON.parse(readFileSync(path, 'utf-8')) as unknown;
  } catch (e) {
    throw new CliError(`${path}: cannot read the config (${(e as Error).message.replace(/^E[A-Z]+: /, '')})`);
  }
  return parseHparams(c, path);
}

export const trainCommand: Command = {
  summary: 'train the teacher: train --config CFG --data CACHE --out RUN [--resume]',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, { config: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean', default: false }, 'max-steps': { type: 'string' } }, { maxPositionals: 0 });
    if (!p) return 0;
    const v = p.values;
    if (!v.data) throw new UsageError('--data CACHE is required');
    if (!v.out) throw new UsageError('--out RUN is required');
    if (!v.config && !v.resume) throw new UsageError('--config FILE is required (or --resume to continue RUN)');
    const maxSteps = optionalNumberFlag('max-steps', v['max-steps'], { integer: true, min: 1 });
    requireInput(v.data, 'cache');
    const config = v.config ? readConfig(v.config) : readConfig(`${v.out}/config.json`);
    await trainTeacher({ config, cache: v.data, out: v.out, resume: v.resume!, ...(maxSteps !== undefined ? { maxSteps } : {}) });
    return 0;
  },
};
