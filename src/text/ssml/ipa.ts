// <phoneme alphabet="ipa" ph="..."> : IPA (General American, as dictionaries write it) -> ARPAbet.
// Stress marks (ˈ primary, ˌ secondary) stress the next vowel; unmarked vowels get stress 0.
// Length marks, syllable dots, tie bars and aspiration are ignored.

/** IPA vowel (or diphthong) -> ARPAbet vowel without stress. */
export const IPA_VOWELS: Readonly<Record<string, string>> = {
  'i': 'IY', 'ɪ': 'IH', 'e': 'EY', 'ɛ': 'EH', 'æ': 'AE', 'a': 'AA', 'ɑ': 'AA', 'ɒ': 'AA', 'ɔ': 'AO',
  'o': 'OW', 'ʊ': 'UH', 'u': 'UW', 'ʌ': 'AH', 'ə': 'AH', 'ɐ': 'AH', 'ɚ': 'ER', 'ɝ': 'ER', 'ɜ': 'ER',
  'ᵻ': 'IH', 'ɨ': 'IH',
  'eɪ': 'EY', 'aɪ': 'AY', 'ɑɪ': 'AY', 'ɔɪ': 'OY', 'aʊ': 'AW', 'oʊ': 'OW', 'əʊ': 'OW',
  'ɜr': 'ER', 'ɜɹ': 'ER',
};

/** IPA consonant (or affricate) -> ARPAbet consonant. */
export const IPA_CONSONANTS: Readonly<Record<string, string>> = {
  'p': 'P', 'b': 'B', 't': 'T', 'd': 'D', 'k': 'K', 'g': 'G', 'ɡ': 'G', 'f': 'F', 'v': 'V',
  'θ': 'TH', 'ð': 'DH', 's': 'S', 'z': 'Z', 'ʃ': 'SH', 'ʒ': 'ZH', 'h': 'HH', 'm': 'M', 'n': 'N',
  'ŋ': 'NG', 'l': 'L', 'ɫ': 'L', 'r': 'R', 'ɹ': 'R', 'ɾ': 'T', 'w': 'W', 'ʍ': 'W', 'j': 'Y',
  'tʃ': 'CH', 'dʒ': 'JH',
};

const IGNORED = new Set(['ː', 'ˑ', '.', ' ', '\u0361', '\u035C', 'ʰ', '\u0329', '\u032F', '-']);
const PRIMARY = 'ˈ', SECONDARY = 'ˌ';
const LONGEST = Math.max(...[...Object.keys(IPA_VOWELS), ...Object.keys(IPA_CONSONANTS)].map((k) => [...k].length));

/**
 * IPA -> ARPAbet phones with stress digits. Throws an Error naming the first unknown symbol and
 * its character offset in `ipa`.
 */
export function ipaToArpabet(ipa: string): string[] {
  // Tie bars (t͡ʃ) are dropped first so affricates match their two-letter keys.
  const chars = [...ipa.normalize('NFC').replace(/[\u0361\u035C]/g, '').replace(/'/g, PRIMARY).replace(/,/g, SECONDARY)];
  const out: string[] = [];
  let stress = '0';
  for (let i = 0; i < chars.length;) {
    const c = chars[i]!;
    if (c === PRIMARY || c === SECONDARY) { stress = c === PRIMARY ? '1' : '2'; i++; continue; }
    if (IGNORED.has(c)) { i++; continue; }
    let matched = false;
    for (let n = Math.min(LONGEST, chars.length - i); n >= 1; n--) {
      const sym = chars.slice(i, i + n).join('');
      const vowel = IPA_VOWELS[sym];
      const consonant = IPA_CONSONANTS[sym];
      if (vowel) {
        out.push(`${vowel}${stress}`);
        stress = '0';
      } else if (consonant) out.push(consonant);
      else continue;
      i += n;
      matched = true;
      break;
    }
    if (!matched) throw new Error(`IPA symbol '${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, character ${i + 1} of "${ipa}") has no ARPAbet equivalent`);
  }
  if (out.length === 0) throw new Error(`ph="${ipa}" holds no phones`);
  return out;
}
