// Word -> ARPAbet phones: user lexicon, then CMUdict (first pronunciation), then morphology
// (possessives, plurals of letters, contractions), then a letter-to-sound model for OOV words.
import { cmuDict } from './cmudict.js';
import { predictPhones } from './lts.js';
import { isArpabetPhone } from './phones.js';

export type PhoneSource = 'lexicon' | 'cmudict' | 'letter' | 'morphology' | 'oov' | 'inline';

export interface Pronunciation {
  phones: string[];
  source: PhoneSource;
}

/** word -> phones ("HH AH0 L OW1" or ["HH", "AH0", "L", "OW1"]). Keys are case-insensitive. */
export type Lexicon = Record<string, string | readonly string[]> | Map<string, string | readonly string[]>;

/** Parses a phone string like "HH AH0 L OW1"; throws a clear error on bad phones when strict. */
export function parsePhones(spec: string | readonly string[], strict = true): string[] {
  const phones = typeof spec === 'string' ? spec.trim().split(/\s+/).filter(Boolean) : [...spec];
  if (strict) {
    for (const p of phones) {
      if (!isArpabetPhone(p)) throw new Error(`not an ARPAbet phone: '${p}' (vowels need a stress digit, e.g. AH0)`);
    }
  }
  return phones;
}

/** Normalises a user lexicon into a lower-case map of parsed phones (validated). */
export function compileLexicon(lexicon: Lexicon | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!lexicon) return out;
  const entries = lexicon instanceof Map ? [...lexicon.entries()] : Object.entries(lexicon);
  for (const [word, spec] of entries) {
    try {
      out.set(word.toLowerCase(), parsePhones(spec));
    } catch (err) {
      throw new Error(`lexicon entry '${word}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}

/** Letter names, for spelled acronyms ("F B I"). "A" is the letter, not the article. */
export function letterPhones(letter: string): string[] {
  const l = letter.toLowerCase();
  if (l === 'a') return ['EY1'];
  return cmuDict().get(l) ?? predictPhones(l);
}

const SIBILANTS = new Set(['S', 'Z', 'SH', 'ZH', 'CH', 'JH']);
const VOICELESS = new Set(['P', 'T', 'K', 'F', 'TH']);

/** The -s suffix after a pronunciation: IH0 Z after sibilants, S after voiceless, else Z. */
function sSuffix(base: readonly string[]): string[] {
  const last = base[base.length - 1] ?? '';
  if (SIBILANTS.has(last)) return ['IH0', 'Z'];
  if (VOICELESS.has(last)) return ['S'];
  return ['Z'];
}

export interface G2POptions {
  /** Compiled user lexicon (see compileLexicon); overrides everything else. */
  lexicon?: Map<string, string[]>;
}

/** Pronunciation of one word made of letters, apostrophes and inner hyphens. Never throws. */
export function wordToPhones(word: string, options: G2POptions = {}): Pronunciation {
  const lower = word.toLowerCase();
  const lex = options.lexicon;
  const fromLex = lex?.get(lower) ?? lex?.get(word);
  if (fromLex) return { phones: [...fromLex], source: 'lexicon' };
  if (/^[A-Z]$/.test(word)) return { phones: letterPhones(word), source: 'letter' };
  const dict = cmuDict();
  const hit = dict.get(lower);
  if (hit) return { phones: [...hit], source: 'cmudict' };

  // Possessive or letter plural: X's -> X + s-suffix; plural possessive X' -> X.
  let m = /^(.+)'s$/i.exec(word);
  if (m) {
    const base = wordToPhones(m[1]!, options);
    return { phones: [...base.phones, ...sSuffix(base.phones)], source: 'morphology' };
  }
  m = /^(.+s)'$/i.exec(word);
  if (m) return { phones: wordToPhones(m[1]!, options).phones, source: 'morphology' };
  // Contractions on unknown stems.
  const CONTRACTIONS: Array<[RegExp, string[]]> = [
    [/^(.+)'ll$/i, ['L']], [/^(.+)'d$/i, ['D']], [/^(.+)'re$/i, ['R']], [/^(.+)'ve$/i, ['V']], [/^(.+)'m$/i, ['M']],
  ];
  for (const [re, tail] of CONTRACTIONS) {
    m = re.exec(word);
    if (m) return { phones: [...wordToPhones(m[1]!, options).phones, ...tail], source: 'morphology' };
  }
  const letters = lower.replace(/[^a-z]/g, '');
  if (letters.length === 0) return { phones: [], source: 'oov' };
  return { phones: predictPhones(letters), source: 'oov' };
}
