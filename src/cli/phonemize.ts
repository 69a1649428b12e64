// prodiff phonemize: text -> normalised text, ProDiff phone tokens and ids.
import { parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { readStdinText, readTextInput } from './io.js';
import { PhoneVocab, textToSentences, type Lexicon } from '../text/index.js';

const USAGE = `usage: prodiff phonemize [options] "text"   (or text on standard input, or - for it)

Prints, for each sentence, the normalised (spoken-form) text, the phone tokens and their ids.

options:
  --phone-set FILE   official phone_set.json (ids then match that checkpoint)
  --lexicon FILE     user lexicon: JSON {"word": "PH ON ES"} or lines "word PH ON ES"
  --no-normalize     the text is already in spoken form
  --words            also print each word with its phone index range
  --json             print one JSON object per sentence
`;

async function readLexicon(file: string): Promise<Lexicon> {
  const src = await readTextInput(file, 'lexicon');
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

export const phonemize: Command = {
  summary: 'text -> normalised text, phones and token ids',
  async run(args: string[]): Promise<number> {
    const p = parseCommandArgs(args, USAGE, {
      'phone-set': { type: 'string' }, lexicon: { type: 'string' }, 'no-normalize': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, words: { type: 'boolean', default: false },
    });
    if (!p) return 0;
    const { 'phone-set': phoneSet, lexicon: lexiconFile, json, words: showWords } = p.values;
    const normalize = !p.values['no-normalize'];
    const text = p.positionals;
    const fromStdin = (text.length === 1 && text[0] === '-') || (text.length === 0 && !process.stdin.isTTY);
    const input = fromStdin ? await readStdinText() : text.join(' ');
    if (!input.trim()) throw new UsageError('no text given');
    let vocab: PhoneVocab | undefined;
    let lexicon: Lexicon | undefined;
    try {
      if (phoneSet) vocab = PhoneVocab.fromFile(phoneSet);
      if (lexiconFile) lexicon = await readLexicon(lexiconFile);
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
