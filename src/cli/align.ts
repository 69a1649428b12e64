// prodiff align CORPUS --out DIR [--adapt]: phone times for a corpus of recordings and transcripts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ParamStore, writeFileAtomic, writeSafetensors } from '../engine/index.js';
import { alignCorpus, DEFAULT_MIN_CONFIDENCE } from '../data/align-corpus.js';
import { Aligner, BUNDLED_ALIGNER } from '../data/aligner.js';
import { adaptAligner } from '../train/aligner-data.js';
import { Progress } from '../util/progress.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { requireInput } from './io.js';

const USAGE = `usage: prodiff align CORPUS --out DIR [--adapt] [--adapt-steps 300] [--model DIR] [--min-confidence ${DEFAULT_MIN_CONFIDENCE}]

Aligns every utterance of an LJSpeech-layout corpus (metadata.csv + wavs/, or one such folder per
speaker) with the built-in phone aligner and writes DIR/ID.tsv (phone, start, end, word: ARPAbet
with stress as prodiff's front end reads the transcript, 'sil' for pauses, seconds) and
DIR/report.tsv (per utterance: confidence = mean log-probability per frame of the path, worst
first; skipped utterances with the reason). WAV files of any rate, channel count and sample
format are read. Re-running skips finished utterances.

  --adapt            first fine-tune the aligner on this corpus (same loss; --adapt-steps steps);
                     the adapted model is kept in DIR/adapted-aligner
  --model DIR        aligner model folder (default: the bundled one)
  --min-confidence X skip (and report) utterances whose confidence is below X
`;

export const alignCommand: Command = {
  summary: 'phone times for recordings + transcripts: align CORPUS --out DIR',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {
      out: { type: 'string' }, adapt: { type: 'boolean', default: false }, 'adapt-steps': { type: 'string', default: '300' },
      model: { type: 'string' }, 'min-confidence': { type: 'string', default: String(DEFAULT_MIN_CONFIDENCE) },
    }, { maxPositionals: 1 });
    if (!p) return 0;
    const v = p.values;
    if (p.positionals.length !== 1) throw new UsageError('give the CORPUS folder');
    if (!v.out) throw new UsageError('--out DIR is required');
    const corpus = p.positionals[0]!;
    requireInput(corpus, 'corpus folder');
    const minConfidence = numberFlag('min-confidence', v['min-confidence']!, {});
    const adaptSteps = numberFlag('adapt-steps', v['adapt-steps']!, { integer: true, min: 1 });
    const modelDir = v.model ?? BUNDLED_ALIGNER;
    const log = (l: string) => process.stderr.write(`${l}\n`);
    let aligner: Aligner;
    if (v.adapt) {
      const config = Aligner.readConfig(modelDir);
      const t0 = Date.now();
      const bar = new Progress({ label: 'adapt', total: adaptSteps, unit: 'step' });
      const params = await adaptAligner(config, ParamStore.fromSafetensors(Aligner.modelFiles(modelDir).weights), corpus, {
        steps: adaptSteps, log, onProgress: (d, _t, loss) => bar.update(d, `loss ${loss.toFixed(4)}`),
      });
      bar.finish();
      const saved = join(v.out, 'adapted-aligner');
      mkdirSync(saved, { recursive: true });
      writeSafetensors(Aligner.modelFiles(saved).weights, new Map([...params.values].map(([k, x]) => [k, { shape: x.shape, data: x.data }])), { adapted_on: corpus, steps: String(adaptSteps) });
      writeFileAtomic(Aligner.modelFiles(saved).config, `${JSON.stringify(config, null, 1)}\n`);
      log(`adapted in ${((Date.now() - t0) / 1000).toFixed(0)} s; the adapted model is in ${saved} (prodiff preprocess --aligner ${saved})`);
      aligner = await Aligner.fromParams(config, params);
    } else aligner = await Aligner.load(modelDir);
    let bar: Progress | undefined;
    const t0 = Date.now();
    const r = await alignCorpus(corpus, v.out, aligner, {
      minConfidence, log: (l) => (bar ? bar.note(l) : log(l)),
      onProgress: (d, t) => {
        bar ??= new Progress({ label: 'align', total: t, unit: 'utt' }, d);
        bar.update(d);
      },
    });
    bar?.finish();
    await aligner.close();
    const wall = (Date.now() - t0) / 1000;
    process.stdout.write(`${r.aligned} aligned (${(r.audioSeconds / 60).toFixed(1)} min of audio in ${wall.toFixed(1)} s), ${r.skipped.length} skipped; report: ${v.out}/report.tsv\n`);
    if (r.ranked.length > 0) {
      process.stdout.write('lowest confidence:\n');
      for (const e of r.ranked.slice(0, 5)) process.stdout.write(`  ${e.id}\t${e.confidence!.toFixed(3)}\n`);
    }
    for (const e of r.skipped.slice(0, 10)) process.stdout.write(`skipped ${e.id}: ${e.reason}\n`);
    if (r.skipped.length > 10) process.stdout.write(`... ${r.skipped.length - 10} more skipped (see report.tsv)\n`);
    return r.aligned === 0 ? 1 : 0;
  },
};
