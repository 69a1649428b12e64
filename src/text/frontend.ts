// The text front end: written text -> normalised spoken form -> words -> ARPAbet phones ->
// ProDiff tokens and ids, with the index range of every word's phones.
import { cmuDict } from './cmudict.js';
import { compileLexicon, letterPhones, parsePhones, wordToPhones, type Lexicon, type PhoneSource } from './g2p.js';
import { normalizeTextDetailed } from './normalize.js';
import { BOS, EOS, PhoneVocab, SEP, isArpabetPhone, isSilenceToken } from './phones.js';

export interface TextToPhonesOptions {
  /** User lexicon (word -> phones); overrides the dictionary and the OOV model. */
  lexicon?: Lexicon;
  /** Token vocabulary; default PhoneVocab.default(). Use PhoneVocab.fromFile(phone_set.json) for official checkpoints. */
  vocab?: PhoneVocab;
  /** Run text normalisation first (default true). With false, the text must already be in spoken form. */
  normalize?: boolean;
  /** Put `<BOS>` ... `<EOS>` around the sequence (default true, as ProDiff's add_eos_bos). */
  addBosEos?: boolean;
  /** Put `|` between adjacent words (default true, as ProDiff's with_phsep). */
  wordSeparator?: boolean;
}

export type SpanKind = 'word' | 'punctuation' | 'phones';

/** One word (or punctuation mark, or inline phone group) and where its phones are in `phones`. */
export interface WordSpan {
  /** The word as it appears in the normalised text (a part, for split hyphenated words). */
  text: string;
  kind: SpanKind;
  /** Where the pronunciation came from (words and inline phones only). */
  source?: PhoneSource;
  /** Index of its first phone in `phones`/`ids`. */
  start: number;
  /** One past its last phone. */
  end: number;
}

export interface TextToPhonesResult {
  /** The normalised (spoken-form) text. */
  normalized: string;
  /** Token strings: `<BOS>`, phones, `|`, punctuation, `<EOS>`. */
  phones: string[];
  /** Token ids in the vocabulary. */
  ids: number[];
  /** Words, punctuation and inline phone groups in order, with their phone index ranges. */
  words: WordSpan[];
  /** Notes about dropped characters, unknown tokens, empty input. */
  warnings: string[];
}

const lexCache = new WeakMap<object, Map<string, string[]>>();
function compiled(lexicon: Lexicon | undefined): Map<string, string[]> {
  if (!lexicon) return new Map();
  let c = lexCache.get(lexicon);
  if (!c) {
    c = compileLexicon(lexicon);
    lexCache.set(lexicon, c);
  }
  return c;
}

let defaultVocab: PhoneVocab | null = null;
function vocabOf(options: TextToPhonesOptions): PhoneVocab {
  if (options.vocab) return options.vocab;
  defaultVocab ??= PhoneVocab.default();
  return defaultVocab;
}

const strip = (ps: readonly string[]): string => ps.map((p) => p.replace(/[012]$/, '')).join(' ');

/**
 * Whether the dictionary reads an all-capitals word as a word (NASA) rather than letter by letter
 * (FBI is in CMUdict, but as its letter names, so it is spelled in the spoken form too).
 */
function readsAsWord(lower: string, lexicon: Map<string, string[]>): boolean {
  if (lexicon.has(lower)) return true;
  const hit = cmuDict().get(lower);
  if (!hit) return false;
  const spelled = [...lower].flatMap((c) => letterPhones(c));
  if (strip(hit) === strip(spelled)) return false;
  // One vowel per letter (as in letter names) means the dictionary spells it: GDP, IBM.
  const vowels = hit.filter((p) => /[012]$/.test(p)).length;
  return vowels < lower.replace(/w/g, '').length;
}

/** Written text -> spoken form, with warnings. Uses the dictionary to decide acronyms. */
export function normalizeForSpeech(text: string, lexicon?: Lexicon): { text: string; warnings: string[] } {
  const lex = compiled(lexicon);
  return normalizeTextDetailed(text, { isKnownWord: (w) => readsAsWord(w, lex) });
}

/** A word, punctuation mark or inline phone group with its pronunciation, before assembly. */
export interface Item {
  text: string;
  kind: SpanKind;
  phones: string[];
  source?: PhoneSource;
}

const TOKEN_RE = /\{[^{}\n]*\}|[A-Za-z]+(?:['-][A-Za-z]+)*'?|[!,.?;:]/g;

/** Splits spoken-form text into items (words, punctuation, inline phones) with pronunciations. */
export function itemsOf(spoken: string, lexicon: Map<string, string[]>, warnings: string[]): Item[] {
  const items: Item[] = [];
  for (const m of spoken.matchAll(TOKEN_RE)) {
    const tok = m[0];
    if (tok.startsWith('{')) {
      const phones = parsePhones(tok.slice(1, -1), false);
      const bad = phones.filter((p) => !isArpabetPhone(p));
      if (bad.length) warnings.push(`inline phones ${tok}: not ARPAbet: ${bad.join(' ')}`);
      if (phones.length) items.push({ text: tok, kind: 'phones', phones, source: 'inline' });
      continue;
    }
    if (/^[!,.?;:]$/.test(tok)) {
      // A run of marks keeps its last one (official convention).
      const prev = items[items.length - 1];
      if (prev && prev.kind === 'punctuation') prev.text = prev.phones[0] = tok;
      else items.push({ text: tok, kind: 'punctuation', phones: [tok] });
      continue;
    }
    const wordTok = tok.replace(/'$/, (q) => (/s'$/i.test(tok) ? q : ''));
    if (wordTok.includes('-')) {
      const whole = lexicon.get(wordTok.toLowerCase()) ?? cmuDict().get(wordTok.toLowerCase());
      if (whole) {
        items.push({ text: wordTok, kind: 'word', phones: [...whole], source: lexicon.has(wordTok.toLowerCase()) ? 'lexicon' : 'cmudict' });
        continue;
      }
      for (const part of wordTok.split('-')) {
        const pr = wordToPhones(part, { lexicon });
        items.push({ text: part, kind: 'word', phones: pr.phones, source: pr.source });
      }
      continue;
    }
    const pr = wordToPhones(wordTok, { lexicon });
    items.push({ text: wordTok, kind: 'word', phones: pr.phones, source: pr.source });
  }
  return items.filter((it) => it.phones.length > 0);
}

/**
 * Text -> ProDiff phone tokens and ids for ONE utterance (use textToSentences for long text).
 * Never throws for string input; throws TypeError for non-strings and Error for a bad lexicon.
 */
export function textToPhones(text: string, options: TextToPhonesOptions = {}): TextToPhonesResult {
  if (typeof text !== 'string') throw new TypeError('textToPhones: text must be a string');
  const lexicon = compiled(options.lexicon);
  const vocab = vocabOf(options);
  const norm = options.normalize === false
    ? { text: text.replace(/\s+/g, ' ').trim(), warnings: [] as string[] }
    : normalizeForSpeech(text, options.lexicon);
  const warnings = [...norm.warnings];
  return assembleItems(itemsOf(norm.text, lexicon, warnings), norm.text, warnings, vocab, options);
}

/** The compiled (lower-case, validated) form of a user lexicon, cached per lexicon object. */
export function compiledLexicon(lexicon: Lexicon | undefined): Map<string, string[]> {
  return compiled(lexicon);
}

/**
 * Items of one utterance -> tokens, ids and word spans (the official conventions: leading and
 * trailing punctuation dropped, `|` between adjacent words, `<BOS>` ... `<EOS>`).
 */
export function assembleItems(items: readonly Item[], normalized: string, warnings: string[], vocab: PhoneVocab = vocabOf({}), options: TextToPhonesOptions = {}): TextToPhonesResult {
  // Official postprocess: drop silence items at the head and tail.
  let a = 0;
  let b = items.length;
  while (a < b && items[a]!.kind === 'punctuation') a++;
  while (b > a && items[b - 1]!.kind === 'punctuation') b--;
  const body = items.slice(a, b);
  if (body.length === 0) warnings.push('no speakable text');

  const phones: string[] = [];
  const words: WordSpan[] = [];
  const addBosEos = options.addBosEos !== false;
  const sep = options.wordSeparator !== false;
  if (addBosEos) phones.push(BOS);
  for (let i = 0; i < body.length; i++) {
    const it = body[i]!;
    const start = phones.length;
    phones.push(...it.phones);
    const span: WordSpan = { text: it.text, kind: it.kind, start, end: phones.length };
    if (it.source) span.source = it.source;
    words.push(span);
    const next = body[i + 1];
    if (sep && next && it.kind !== 'punctuation' && next.kind !== 'punctuation'
      && !isSilenceToken(it.phones[it.phones.length - 1]!) && !isSilenceToken(next.phones[0]!)) {
      phones.push(SEP);
    }
  }
  if (addBosEos) phones.push(EOS);
  const ids = vocab.encode(phones);
  const missing = [...new Set(phones.filter((p) => !vocab.has(p)))];
  if (missing.length) warnings.push(`not in the phone set (mapped to id ${vocab.unknownId}): ${missing.join(' ')}`);
  return { normalized, phones, ids, words, warnings };
}

/** Abbreviations that are followed by more of the same sentence (for text that was not normalised). */
const NEVER_FINAL = /(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|St|Mt|vs|e\.g|i\.e|cf|approx|No)\.$/;
/** Abbreviations that end a sentence only before a capital letter. */
const MAYBE_FINAL = /(?:^|\s)(?:etc|a\.m|p\.m|U\.S|Inc|Jr|Sr|Ltd|Co)\.$/;

/** Rejoins pieces cut after an abbreviation ("Dr. Smith", "5 p.m. today") when the sentence goes on. */
function joinAfterAbbreviations(pieces: string[]): string[] {
  const out: string[] = [];
  for (const piece of pieces) {
    const prev = out[out.length - 1];
    const goesOn = prev !== undefined
      && (NEVER_FINAL.test(prev) || (MAYBE_FINAL.test(prev) && /^[a-z0-9]/.test(piece)));
    if (goesOn) out[out.length - 1] = `${prev} ${piece}`;
    else out.push(piece);
  }
  return out;
}

export interface SplitOptions {
  /** Sentences longer than this many words are cut at a comma/semicolon/colon, else hard (default 80). */
  maxWords?: number;
}

/**
 * Splits spoken-form (normalised) text into sentences: after . ! ? followed by a space, and at
 * line breaks. Long sentences are cut into chunks of at most maxWords words. Linear time.
 */
export function splitSentences(spoken: string, options: SplitOptions = {}): string[] {
  const maxWords = Math.max(1, options.maxWords ?? 80);
  const out: string[] = [];
  const rough = joinAfterAbbreviations(spoken.split(/(?<=[.!?])\s+|\n+/));
  for (const r of rough) {
    const s = r.trim();
    if (!s) continue;
    const words = s.split(' ');
    if (words.length <= maxWords) {
      out.push(s);
      continue;
    }
    let start = 0;
    while (start < words.length) {
      let end = Math.min(words.length, start + maxWords);
      if (end < words.length) {
        for (let k = end - 1; k > start + maxWords / 2; k--) {
          if (/[,;:]$/.test(words[k]!)) { end = k + 1; break; }
        }
      }
      out.push(words.slice(start, end).join(' '));
      start = end;
    }
  }
  return out;
}

/** Long text -> one TextToPhonesResult per sentence. Linear in the length of the text. */
export function textToSentences(text: string, options: TextToPhonesOptions & SplitOptions = {}): TextToPhonesResult[] {
  if (typeof text !== 'string') throw new TypeError('textToSentences: text must be a string');
  const norm = options.normalize === false ? { text, warnings: [] as string[] } : normalizeForSpeech(text, options.lexicon);
  const results = splitSentences(norm.text, options).map((s) => textToPhones(s, { ...options, normalize: false }));
  if (results.length > 0 && norm.warnings.length) results[0]!.warnings.unshift(...norm.warnings);
  return results;
}
