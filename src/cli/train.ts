// prodiff train --config CFG --data CACHE --out RUN [--resume] [--max-steps N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseHparams, type Hparams } from '../model/hparams.js';
import { trainTeacher } from '../train/teacher.js';
import type { Command } from './command.js';

const USAGE = `usage: prodiff train --config CFG.json --data CACHE --out RUN [--resume] [--max-steps N]

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
    throw new Error(`${path}: cannot read the config (${(e as Error).message})`);
  }
  return parseHparams(c, path);
}

export const trainCommand: Command = {
  summary: 'train the teacher: train --config CFG --data CACHE --out RUN [--resume]',
  async run(args) {
    const { values: v } = parseArgs({ args, options: { config: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean', default: false }, 'max-steps': { type: 'string' } } });
    if (!v.data || !v.out || (!v.config && !v.resume)) {
      process.stderr.write(USAGE);
      return 2;
    }
    const config = v.config ? readConfig(v.config) : readConfig(`${v.out}/config.json`);
    const maxSteps = v['max-steps'] !== undefined ? Number(v['max-steps']) : undefined;
    if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0)) throw new Error(`--max-steps must be a positive integer, got '${v['max-steps']}'`);
    await trainTeacher({ config, cache: v.data, out: v.out, resume: v.resume!, ...(maxSteps !== undefined ? { maxSteps } : {}) });
    return 0;
  },
};
