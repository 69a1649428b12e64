// ARPAbet phone inventory and ProDiff's token vocabulary (ids 0 <pad>, 1 <EOS>, 2 <UNK>, then the
// phone set in its given order with reserved tokens skipped), matching the official
// TokenTextEncoder built from a `phone_set.json`.
import { readFileSync } from 'node:fs';

export const PAD = '<pad>';
export const EOS = '<EOS>';
export const UNK = '<UNK>';
export const BOS = '<BOS>';
/** Word separator token inserted between adjacent words. */
export const SEP = '|';
export const RESERVED_TOKENS = [PAD, EOS, UNK] as const;
/** Punctuation kept as tokens (official PUNCS). */
export const PUNCTUATION = ['!', ',', '.', '?', ';', ':'] as const;

export const VOWELS = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'EH', 'ER', 'EY', 'IH', 'IY', 'OW', 'OY', 'UH', 'UW',
] as const;
export const CONSONANTS = [
  'B', 'CH', 'D', 'DH', 'F', 'G', 'HH', 'JH', 'K', 'L', 'M', 'N', 'NG', 'P', 'R', 'S', 'SH', 'T',
  'TH', 'V', 'W', 'Y', 'Z', 'ZH',
] as const;

const VOWEL_SET = new Set<string>(VOWELS);
const CONSONANT_SET = new Set<string>(CONSONANTS);

/** Every ARPAbet phone with stress digits on vowels (69 phones). */
export function arpabetPhones(): string[] {
  const out: string[] = [...CONSONANTS];
  for (const v of VOWELS) out.push(`${v}0`, `${v}1`, `${v}2`);
  return out.sort();
}

/** Whether a string is a valid ARPAbet phone (vowels need a stress digit 0-2). */
export function isArpabetPhone(p: string): boolean {
  if (CONSONANT_SET.has(p)) return true;
  return /^[A-Z]{2}[012]$/.test(p) && VOWEL_SET.has(p.slice(0, 2));
}

/** A "silence" token in the official sense: its first character is not a letter. */
export function isSilenceToken(p: string): boolean {
  return p.length === 0 || !/^\p{L}/u.test(p);
}

/**
 * The phone set a model trained on CMUdict-based English would have: all stressed ARPAbet phones,
 * the punctuation tokens, `|`, `<BOS>` and `<EOS>`, sorted by code point (as Python's sorted()).
 */
export function defaultPhoneSet(): string[] {
  const set = [...arpabetPhones(), ...PUNCTUATION, SEP, BOS, EOS];
  return set.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Token <-> id mapping with ProDiff's reserved ids. */
export class PhoneVocab {
  /** id -> token. */
  readonly tokens: readonly string[];
  private readonly index: Map<string, number>;
  /** id used for tokens missing from the phone set. */
  readonly unknownId: number;

  private constructor(tokens: string[], unknownToken: string) {
    this.tokens = tokens;
    this.index = new Map(tokens.map((t, i) => [t, i]));
    const unk = this.index.get(unknownToken);
    if (unk === undefined) throw new Error(`PhoneVocab: replacement token '${unknownToken}' is not in the vocabulary`);
    this.unknownId = unk;
  }

  /**
   * Builds the vocabulary from a phone list (the contents of an official phone_set.json): reserved
   * tokens first, then the list's tokens in the given order, skipping reserved ones.
   * `unknownToken` replaces tokens outside the set ('<UNK>' as in the official preprocessing;
   * the official training task's encoder uses ',').
   */
  static fromPhoneSet(phoneSet: readonly string[], unknownToken: string = UNK): PhoneVocab {
    if (!Array.isArray(phoneSet)) throw new TypeError('phone set must be an array of strings');
    const tokens: string[] = [...RESERVED_TOKENS];
    const seen = new Set<string>(tokens);
    for (const t of phoneSet) {
      if (typeof t !== 'string' || t.length === 0) throw new TypeError(`phone set: bad entry ${JSON.stringify(t)}`);
      if (seen.has(t)) {
        if ((RESERVED_TOKENS as readonly string[]).includes(t)) continue;
        throw new Error(`phone set: duplicate token '${t}'`);
      }
      seen.add(t);
      tokens.push(t);
    }
    return new PhoneVocab(tokens, unknownToken);
  }

  /** Loads an official `phone_set.json` (a JSON array of tokens). */
  static fromFile(path: string, unknownToken: string = UNK): PhoneVocab {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read phone set ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!Array.isArray(parsed)) throw new Error(`phone set ${path}: expected a JSON array of strings`);
    return PhoneVocab.fromPhoneSet(parsed as string[], unknownToken);
  }

  /** The vocabulary of defaultPhoneSet() (81 ids). */
  static default(): PhoneVocab {
    return PhoneVocab.fromPhoneSet(defaultPhoneSet());
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.index.has(token);
  }

  id(token: string): number {
    return this.index.get(token) ?? this.unknownId;
  }

  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.id(t));
  }

  decode(ids: readonly number[]): string[] {
    return ids.map((i) => this.tokens[i] ?? UNK);
  }
}
