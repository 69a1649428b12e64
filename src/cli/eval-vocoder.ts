// prodiff eval-vocoder RUN|GENERATOR.safetensors [...] --data CACHE|DIR [--acoustic RUN] [--json OUT]
import { evaluateVocoders, formatVocoderTable } from '../eval/vocoder-eval.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { checkWritable, requireInput, writeOutput } from './io.js';

const USAGE = `usage: prodiff eval-vocoder [RUN|GENERATOR.safetensors ...] --data CACHE|DIR [--split test] [--limit N]
                   [--acoustic RUN] [--acoustic-seed 0] [--json OUT.json] [--out WAVDIR] [--no-asr]
                   [--gl-iterations 32] [--no-griffin-lim] [--pghi-fit N] [--pghi-refine N] [--threads 1]

Vocodes held-out utterances with each trained vocoder (a train-vocoder run or its generator file)
and with Griffin-Lim: from the recording's mel and, with --acoustic (a teacher or student run), from
that model's mel with the recording's durations forced (what a listener hears). Reports per row the
log-mel L1 and MCD of the audio against the recording's mel (the definitions of prodiff eval), the
vocoder's RTF, and the pocketsphinx word error rate next to the recording's own (when pocketsphinx
is installed and the data has texts: a cache's split, default test; --split all takes every
utterance, for a cache of held-out recordings made only to evaluate). A multi-speaker cache also
gets the table for each speaker's utterances alone. A WAV folder gives mel L1, MCD and RTF only.
Prints a markdown table; --json writes the report with per-utterance numbers ('-' = standard
output, instead of the table). --pghi-fit / --pghi-refine set a 'pghi' generator's
fit of its magnitude to the mel and its Griffin-Lim refinement iterations (defaults 2 and 2).
--no-griffin-lim leaves out the Griffin-Lim rows (the slowest).
`;

export const evalVocoderCommand: Command = {
  summary: 'vocoders vs Griffin-Lim on held-out utterances: mel L1, MCD, RTF, ASR WER (eval-vocoder RUN... --data CACHE [--acoustic RUN])',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {
      data: { type: 'string' }, split: { type: 'string', default: 'test' }, limit: { type: 'string' }, acoustic: { type: 'string' }, 'acoustic-seed': { type: 'string', default: '0' },
      json: { type: 'string' }, out: { type: 'string' }, 'no-asr': { type: 'boolean', default: false }, 'gl-iterations': { type: 'string', default: '32' }, 'no-griffin-lim': { type: 'boolean', default: false },
      threads: { type: 'string', default: '1' }, 'pghi-fit': { type: 'string' }, 'pghi-refine': { type: 'string' },
    });
    if (!p) return 0;
    const { values: v, positionals } = p;
    if (!v.data) throw new UsageError('--data is required');
    const int = (name: string, s: string, min: number) => numberFlag(name, s, { integer: true, min });
    if (!['train', 'valid', 'test', 'all'].includes(v.split!)) throw new UsageError(`--split must be train, valid, test or all, got '${v.split}'`);
    requireInput(v.data, 'data');
    if (v.json) checkWritable(v.json, 'report');
    const report = await evaluateVocoders({
      data: v.data, vocoders: positionals, split: v.split as 'train' | 'valid' | 'test' | 'all', asr: !v['no-asr'], noGriffinLim: v['no-griffin-lim']!,
      acousticSeed: int('acoustic-seed', v['acoustic-seed']!, 0), griffinLimIterations: int('gl-iterations', v['gl-iterations']!, 1), threads: int('threads', v.threads!, 1),
      ...(v['pghi-fit'] !== undefined || v['pghi-refine'] !== undefined ? { pghi: {
        ...(v['pghi-fit'] !== undefined ? { fitIterations: int('pghi-fit', v['pghi-fit'], 0) } : {}),
        ...(v['pghi-refine'] !== undefined ? { iterations: int('pghi-refine', v['pghi-refine'], 0) } : {}),
      } } : {}),
      ...(v.acoustic ? { acoustic: v.acoustic } : {}), ...(v.out ? { out: v.out } : {}), ...(v.limit !== undefined ? { limit: int('limit', v.limit, 1) } : {}),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    if (v.json !== '-') process.stdout.write(formatVocoderTable(report));
    if (v.json) await writeOutput(v.json, JSON.stringify(report, null, 1) + '\n');
    return 0;
  },
};
