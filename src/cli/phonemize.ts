// prodiff phonemize: text -> normalised text, ProDiff phone tokens and ids.
import { readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { PhoneVocab, textToSentences, type Lexicon } from '../text/index.js';

const USAGE = `usage: prodiff phonemize [options] "text"   (or text on standard input)

Prints, for each sentence, the normalised (spoken-form) text, the phone tokens and their ids.

options:
  --phone-set FILE   official phone_set.json (ids then match that checkpoint)
  --lexicon FILE     user lexicon: JSON {"word": "PH ON ES"} or lines "word PH ON ES"
  --no-normalize     the text is already in spoken form
  --words            also print each word with its phone index range
  --json             print one JSON object per sentence
`;

function readLexicon(file: string): Lexicon {
  const src = readFileSync(file, 'utf8');
  if (/^\s*\{/.test(src)) return JSON.parse(src) as Lexicon;
  const lex: Record<string, string> = {};
  for (const line of src.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith(';;;')) continue;
    const [word, ...phones] = t.split(/\s+/);
    if (word && phones.length) lex[word] = phones.join(' ');
  }
  return lex;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const phonemize: Command = {
  summary: 'text -> normalised text, phones and token ids',
  async run(args: string[]): Promise<number> {
    let phoneSet: string | undefined;
    let lexiconFile: string | undefined;
    let normalize = true;
    let json = false;
    let showWords = false;
    const text: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') { process.stdout.write(USAGE); return 0; }
      else if (a === '--phone-set' || a === '--lexicon') {
        const v = args[++i];
        if (v === undefined) { process.stderr.write(`phonemize: ${a} needs a file\n`); return 2; }
        if (a === '--phone-set') phoneSet = v; else lexiconFile = v;
      } else if (a === '--no-normalize') normalize = false;
      else if (a === '--json') json = true;
      else if (a === '--words') showWords = true;
      else if (a === '--') text.push(...args.slice(i + 1)), (i = args.length);
      else if (a.startsWith('--')) { process.stderr.write(`phonemize: unknown option ${a}\n${USAGE}`); return 2; }
      else text.push(a);
    }
    const input = text.length ? text.join(' ') : process.stdin.isTTY ? '' : await readStdin();
    if (!input.trim()) {
      process.stderr.write(`phonemize: no text given\n${USAGE}`);
      return 2;
    }
    let vocab: PhoneVocab | undefined;
    let lexicon: Lexicon | undefined;
    try {
      if (phoneSet) vocab = PhoneVocab.fromFile(phoneSet);
      if (lexiconFile) lexicon = readLexicon(lexiconFile);
      const opts = { normalize, ...(vocab ? { vocab } : {}), ...(lexicon ? { lexicon } : {}) };
      const sentences = textToSentences(input, opts);
      if (sentences.length === 0) process.stderr.write('phonemize: warning: no speakable text\n');
      for (const s of sentences) {
        for (const w of s.warnings) process.stderr.write(`phonemize: warning: ${w}\n`);
        if (json) {
          process.stdout.write(`${JSON.stringify({ text: s.normalized, phones: s.phones, ids: s.ids, words: s.words })}\n`);
          continue;
        }
        process.stdout.write(`text:   ${s.normalized}\nphones: ${s.phones.join(' ')}\nids:    ${s.ids.join(' ')}\n`);
        if (showWords) {
          for (const w of s.words) {
            process.stdout.write(`  [${w.start},${w.end}) ${w.text}  ${s.phones.slice(w.start, w.end).join(' ')}${w.source ? `  (${w.source})` : ''}\n`);
          }
        }
        if (sentences.length > 1) process.stdout.write('\n');
      }
      return 0;
    } catch (err) {
      process.stderr.write(`phonemize: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  },
};
