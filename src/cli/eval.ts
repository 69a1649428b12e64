// prodiff eval RUN [RUN...] --data CACHE [--split test] [--limit N] [--json out.json] [--asr]
import { join } from 'node:path';
import { evaluate, formatTable, type NaiveSampler } from '../eval/evaluate.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { checkWritable, requireInput, writeOutput } from './io.js';

const USAGE = `usage: prodiff eval RUN|MODEL.safetensors [RUN...] --data CACHE [--split test] [--limit N] [--json OUT.json] [--asr]
                   [--naive ddpm,ddim] [--naive-steps 4,2,1] [--seed 0] [--seeds 1] [--ndb-bins 50] [--plot MELS.png]
                   [--gl-iterations 32] [--vocoder VOCODER.safetensors|VOICE] [--threads N] [--speaker NAME]

Evaluates teachers and distilled students on a preprocessed cache with the ground-truth durations
(so frames align): mel L1, SSIM, MCD, log-F0 RMSE, voicing error and FFE (pitch re-estimated from
the Griffin-Lim audio), acoustic RTF, and with --asr the pocketsphinx word error rate (when
pocketsphinx is installed; the corpus recordings are the ceiling row). A teacher also gets naive
rows: the teacher sampled in N/2 steps (and in each given student's step count; --naive-steps
lists the counts instead, divisors of N), with the student's DDPM step indices and with
deterministic DDIM. Epsilon teachers and regression models (diffusion_target) get rows of their own. Prints a markdown table; --json writes
the report with every definition and the per-utterance numbers ('-' = standard output, instead of
the table). Diversity: --seeds K samples every utterance with seeds seed..seed+K-1 (quality metrics
use the first) and reports the spread across seeds; NDB/K and JSD compare all generated frames
with k-means bins (--ndb-bins) of the split's ground-truth frames. --plot writes the first
utterance's ground-truth mel and each system's, stacked, as PNG.
--vocoder (with --asr): every row's mel is also vocoded with that Vocos generator (a file, or a
voice folder's vocoder.safetensors) and transcribed: a second WER column beside Griffin-Lim's.
--speaker NAME keeps one speaker's utterances of a multi-speaker cache (a table per speaker).
`;

export const evalCommand: Command = {
  summary: 'evaluate teachers and students: eval RUN [RUN...] --data CACHE [--split test] [--limit N] [--json OUT] [--asr]',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {
      data: { type: 'string' }, split: { type: 'string', default: 'test' }, limit: { type: 'string' }, json: { type: 'string' }, asr: { type: 'boolean', default: false },
      naive: { type: 'string', default: 'ddpm,ddim' }, 'naive-steps': { type: 'string' }, seed: { type: 'string', default: '0' }, seeds: { type: 'string', default: '1' }, 'ndb-bins': { type: 'string', default: '50' }, plot: { type: 'string' }, 'gl-iterations': { type: 'string', default: '32' }, threads: { type: 'string' }, speaker: { type: 'string' }, vocoder: { type: 'string' },
    });
    if (!p) return 0;
    const { values: v, positionals } = p;
    if (positionals.length === 0) throw new UsageError('give at least one RUN or MODEL.safetensors');
    if (!v.data) throw new UsageError('--data CACHE is required');
    const int = (name: string, s: string, min: number) => numberFlag(name, s, { integer: true, min });
    if (!['train', 'valid', 'test'].includes(v.split!)) throw new UsageError(`--split must be train, valid or test, got '${v.split}'`);
    const naive = v.naive!.split(',').map((s) => s.trim()).filter((s) => s && s !== 'none');
    for (const s of naive) if (s !== 'ddpm' && s !== 'ddim') throw new UsageError(`--naive: '${s}' is not ddpm or ddim`);
    const naiveSteps = v['naive-steps']?.split(',').map((s) => int('naive-steps', s.trim(), 1));
    for (const r of positionals) requireInput(r, 'run');
    requireInput(v.data, 'cache');
    if (v.json) checkWritable(v.json, 'report');
    let vocoder: string | undefined;
    if (v.vocoder !== undefined) {
      vocoder = v.vocoder.endsWith('.safetensors') ? v.vocoder : join(v.vocoder, 'vocoder.safetensors');
      requireInput(vocoder, 'vocoder');
      if (!v.asr) throw new UsageError('--vocoder is used for the ASR column: give --asr too');
    }
    if (v.plot) checkWritable(v.plot, 'plot');
    const report = await evaluate({
      runs: positionals, cache: v.data, split: v.split as 'train' | 'valid' | 'test', asr: v.asr!, naive: naive as NaiveSampler[], ...(naiveSteps ? { naiveSteps } : {}), ...(v.plot ? { plot: v.plot } : {}),
      seed: int('seed', v.seed!, 0), seeds: int('seeds', v.seeds!, 1), ndbBins: int('ndb-bins', v['ndb-bins']!, 2), griffinLimIterations: int('gl-iterations', v['gl-iterations']!, 1),
      ...(v.limit !== undefined ? { limit: int('limit', v.limit, 1) } : {}), ...(v.speaker !== undefined ? { speaker: v.speaker } : {}), ...(v.threads !== undefined ? { threads: int('threads', v.threads, 1) } : {}),
      ...(vocoder ? { vocoder } : {}),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    if (v.json !== '-') process.stdout.write(formatTable(report));
    if (v.json) await writeOutput(v.json, JSON.stringify(report, null, 1) + '\n');
    return 0;
  },
};
