// Words in scripts the G2P cannot read (Cyrillic, Greek, CJK, Arabic, ...) are transliterated to
// Latin letters with any-ascii instead of being dropped; the caller reports them as a warning.
import anyAscii from 'any-ascii';

/** A run of letters (with their combining marks) from scripts other than Latin. */
const FOREIGN_RUN = /(?:[^\P{L}\p{Script=Latin}]\p{M}*)+/gu;

/** Micro signs after a number are unit prefixes (5 µs), not Greek words. */
const MICRO = /^[\u00B5\u03BC]$/;

export interface Transliteration {
  text: string;
  /** Each transliterated run and its Latin spelling, in order. */
  changed: Array<[string, string]>;
}

/**
 * any-ascii capitalises each syllable of CJK and Hangul ("NiHao", "SeoUl"). Han characters are
 * words of their own ("Ni Hao"); other scripts are one word ("Seoul"), not an acronym ("Ellada").
 */
function tidyLatin(run: string, latin: string): string {
  const words = latin.replace(/[^A-Za-z']+/g, ' ').trim();
  if (/\p{Script=Han}/u.test(run)) return words.replace(/([a-z])(?=[A-Z])/g, '$1 ');
  return words.replace(/\b([A-Za-z])([A-Za-z']*)/g, (_m, a: string, rest: string) => a + rest.toLowerCase());
}

export function transliterateForeign(text: string): Transliteration {
  const changed: Array<[string, string]> = [];
  const out = text.replace(FOREIGN_RUN, (run: string, off: number, str: string) => {
    if (MICRO.test(run) && /\d\s?$/.test(str.slice(Math.max(0, off - 2), off))) return run;
    const latin = tidyLatin(run, anyAscii(run));
    if (!latin) return run;
    changed.push([run, latin]);
    return ` ${latin} `;
  });
  return { text: out, changed };
}
