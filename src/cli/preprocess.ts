// prodiff preprocess CORPUS --out CACHE
import { preprocess } from '../data/preprocess.js';
import { Progress } from '../util/progress.js';
import { numberFlag, optionalNumberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { requireInput } from './io.js';

const USAGE = `usage: prodiff preprocess CORPUS --out CACHE [--workers N] [--aligner DIR] [--trim-silence SECONDS]
                          [--valid-fraction 0.02] [--test-fraction 0.02]

Computes token ids, durations, mel2ph, log-mel, f0/uv and energy for every utterance of an
LJSpeech-layout corpus, plus the train/valid/test split and train-set f0 statistics
(CACHE/index.json). Phone times come from the corpus (alignments/ID.tsv, .json or .TextGrid);
utterances without them are first aligned with the built-in aligner (as prodiff align does) into
CACHE/alignments/ (--aligner: another aligner model folder, e.g. one adapted by prodiff align
--adapt). --trim-silence S cuts each utterance's leading and trailing pause (by its phone times)
to at most S seconds, audio and times alike (default: no trimming; the pauses are given to <BOS>
and <EOS>). Re-running skips finished utterances. The split hashes each sentence (the utterance id
without its speaker folder), so a multi-speaker corpus holds the same sentences out for every
speaker; --valid-fraction / --test-fraction set the held-out shares.
`;

export const preprocessCommand: Command = {
  summary: 'corpus -> feature cache: preprocess CORPUS --out CACHE',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, { out: { type: 'string' }, workers: { type: 'string' }, aligner: { type: 'string' }, 'trim-silence': { type: 'string' }, 'valid-fraction': { type: 'string' }, 'test-fraction': { type: 'string' } }, { maxPositionals: 1 });
    if (!p) return 0;
    const { values: v, positionals } = p;
    if (positionals.length !== 1) throw new UsageError('give the CORPUS folder');
    if (!v.out) throw new UsageError('--out CACHE is required');
    const workers = optionalNumberFlag('workers', v.workers, { integer: true, min: 1 });
    requireInput(positionals[0]!, 'corpus folder');
    let bar: Progress | undefined;
    let alignBar: Progress | undefined;
    const idx = await preprocess(positionals[0]!, v.out, {
      ...(workers !== undefined ? { workers } : {}),
      ...(v.aligner !== undefined ? { alignerModel: v.aligner } : {}),
      ...(v['valid-fraction'] !== undefined ? { validFraction: numberFlag('valid-fraction', v['valid-fraction'], { min: 0, max: 0.5 }) } : {}),
      ...(v['test-fraction'] !== undefined ? { testFraction: numberFlag('test-fraction', v['test-fraction'], { min: 0, max: 0.5 }) } : {}),
      ...(v['trim-silence'] !== undefined ? { trimSilence: numberFlag('trim-silence', v['trim-silence'], { min: 0 }) } : {}),
      onAlignProgress: (d, t) => {
        alignBar ??= new Progress({ label: 'align', total: t, unit: 'utt' }, d);
        alignBar.update(d);
        if (d === t) alignBar.finish();
      },
      onProgress: (d, t) => {
        bar ??= new Progress({ label: 'preprocess', total: t, unit: 'utt' }, d);
        bar.update(d);
      },
      log: (l) => process.stderr.write(`${l}\n`),
    });
    bar?.finish();
    const n = (s: string) => idx.utterances.filter((u) => u.split === s).length;
    const hours = idx.utterances.reduce((a, u) => a + u.seconds, 0) / 3600;
    process.stdout.write(`${idx.utterances.length} utterances (${hours.toFixed(2)} h): train ${n('train')}, valid ${n('valid')}, test ${n('test')}; ${idx.skipped.length} skipped; f0 mean ${idx.f0.mean.toFixed(1)} Hz, std ${idx.f0.std.toFixed(1)}\n`);
    return 0;
  },
};
