// English text normalisation: turns written text into its spoken form ("$3.50" -> "three dollars
// and fifty cents"). Every rule is a single left-to-right regular-expression pass with bounded
// patterns, so the whole pipeline is linear in the length of the text.
//
// Output conventions (the spoken form):
// - expansions are lower case; words the user wrote keep their case;
// - letters to be spelled are single upper-case letters separated by spaces ("F B I", "P M");
//   a single upper-case letter is read as its letter name by the G2P (lower-case "a" is the article);
// - only the punctuation that ProDiff keeps as tokens survives: ! , . ? ; :
// - apostrophes inside words (don't, John's) and hyphens inside words (well-known) are kept;
// - inline phones written as {HH AH0 L OW1} are passed through untouched;
// - whitespace is collapsed to single spaces; line breaks are kept as single "\n" (they are
//   sentence boundaries for splitSentences).
import { cardinal, decimal, digitsToWords, ordinal, ordinalize, year } from './numbers.js';
import { transliterateForeign } from './transliterate.js';

export interface NormalizeOptions {
  /**
   * Whether the pronouncing dictionary knows a (lower-case) word. Used to decide whether an
   * all-capitals word is read as a word (NASA) or spelled (FBI -> F B I when unknown).
   * Defaults to "knows nothing", i.e. every all-capitals word of 2+ letters is spelled.
   */
  isKnownWord?: (lowerWord: string) => boolean;
  /**
   * Transliterate words in other scripts to Latin letters (Привет -> Privet) with a warning, instead
   * of dropping them (default true).
   */
  transliterate?: boolean;
}

export interface NormalizeResult {
  text: string;
  /** Human-readable notes about what was dropped or could not be read (never thrown). */
  warnings: string[];
}

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December',
];
const MONTH_ABBR: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH_RE_SRC =
  '(January|February|March|April|May|June|July|August|September|October|November|December|' +
  'Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)';

function monthNumber(name: string): number {
  const full = MONTHS.indexOf(name);
  if (full >= 0) return full + 1;
  return MONTH_ABBR[name.toLowerCase()] ?? 0;
}

/** Words that are all capitals in acronyms but are ordinary words in the dictionary. */
const ALWAYS_SPELL = new Set(['US', 'UK', 'IT', 'ID', 'TV', 'PC', 'AI', 'EU', 'UN', 'IQ', 'PR', 'HR', 'BC', 'DC', 'CD', 'DJ']);

/** Title-like abbreviations (case-sensitive, need a period): never end a sentence. */
const TITLES: Record<string, string> = {
  Mr: 'mister', Mrs: 'missus', Ms: 'miz', Prof: 'professor', Capt: 'captain', Gen: 'general',
  Lt: 'lieutenant', Col: 'colonel', Sgt: 'sergeant', Gov: 'governor', Sen: 'senator',
  Rep: 'representative', Rev: 'reverend', Hon: 'honorable', Mt: 'mount', Messrs: 'messieurs',
  Fig: 'figure', Figs: 'figures', Vol: 'volume', Ch: 'chapter', Sec: 'section', Eq: 'equation',
};
/** Abbreviations that often end a sentence (case-sensitive, need a period). */
const TRAILING: Record<string, string> = {
  Jr: 'junior', Sr: 'senior', Inc: 'incorporated', Ltd: 'limited', Co: 'company', Corp: 'corporation',
  Ave: 'avenue', Rd: 'road', Blvd: 'boulevard', Dept: 'department', Univ: 'university', Bros: 'brothers',
  Jan: 'January', Feb: 'February', Mar: 'March', Apr: 'April', Jun: 'June', Jul: 'July', Aug: 'August',
  Sep: 'September', Sept: 'September', Oct: 'October', Nov: 'November', Dec: 'December',
  Mon: 'Monday', Tue: 'Tuesday', Tues: 'Tuesday', Wed: 'Wednesday', Thu: 'Thursday', Thurs: 'Thursday',
  Fri: 'Friday',
};
/** Latin and other lower-case abbreviations (matched case-insensitively, period optional where given). */
const LATIN: Array<[RegExp, string, boolean]> = [
  [/(?<![A-Za-z.])e\.\s?g\.(?=[\s,;:!?)]|$)/gi, 'for example', false],
  [/(?<![A-Za-z.])i\.\s?e\.(?=[\s,;:!?)]|$)/gi, 'that is', false],
  [/(?<![A-Za-z.])a\.k\.a\.?(?![A-Za-z])/gi, 'also known as', false],
  [/(?<![A-Za-z.])cf\.(?=\s)/gi, 'compare', false],
  [/(?<![A-Za-z.])approx\.(?=\s)/gi, 'approximately', false],
  [/(?<![A-Za-z.])pp\.(?=\s)/g, 'pages', false],
  [/(?<![A-Za-z.])vs\.?(?![A-Za-z])/gi, 'versus', false],
  [/(?<![A-Za-z.])etc\.?(?![A-Za-z])/gi, 'et cetera', true],
];

const CURRENCY: Record<string, { one: string; many: string; subOne: string; subMany: string }> = {
  $: { one: 'dollar', many: 'dollars', subOne: 'cent', subMany: 'cents' },
  USD: { one: 'dollar', many: 'dollars', subOne: 'cent', subMany: 'cents' },
  '£': { one: 'pound', many: 'pounds', subOne: 'penny', subMany: 'pence' },
  GBP: { one: 'pound', many: 'pounds', subOne: 'penny', subMany: 'pence' },
  '€': { one: 'euro', many: 'euros', subOne: 'cent', subMany: 'cents' },
  EUR: { one: 'euro', many: 'euros', subOne: 'cent', subMany: 'cents' },
  '¥': { one: 'yen', many: 'yen', subOne: 'sen', subMany: 'sen' },
  JPY: { one: 'yen', many: 'yen', subOne: 'sen', subMany: 'sen' },
  '₹': { one: 'rupee', many: 'rupees', subOne: 'paisa', subMany: 'paise' },
  INR: { one: 'rupee', many: 'rupees', subOne: 'paisa', subMany: 'paise' },
};

const SCALE_SUFFIX: Record<string, string> = {
  thousand: 'thousand', million: 'million', billion: 'billion', trillion: 'trillion',
  k: 'thousand', K: 'thousand', m: 'million', M: 'million', mn: 'million', b: 'billion', B: 'billion',
  bn: 'billion', tn: 'trillion', T: 'trillion',
};

/** Units read after a number: [singular, plural]. Keys are matched case-sensitively. */
const UNITS: Record<string, [string, string]> = {
  km: ['kilometer', 'kilometers'], m: ['meter', 'meters'], cm: ['centimeter', 'centimeters'],
  mm: ['millimeter', 'millimeters'], mi: ['mile', 'miles'], ft: ['foot', 'feet'], yd: ['yard', 'yards'],
  kg: ['kilogram', 'kilograms'], g: ['gram', 'grams'], mg: ['milligram', 'milligrams'],
  lb: ['pound', 'pounds'], lbs: ['pounds', 'pounds'], oz: ['ounce', 'ounces'],
  ml: ['milliliter', 'milliliters'], mL: ['milliliter', 'milliliters'], L: ['liter', 'liters'],
  mph: ['mile per hour', 'miles per hour'], kph: ['kilometer per hour', 'kilometers per hour'],
  'km/h': ['kilometer per hour', 'kilometers per hour'], 'm/s': ['meter per second', 'meters per second'],
  h: ['hour', 'hours'], hr: ['hour', 'hours'], hrs: ['hours', 'hours'], min: ['minute', 'minutes'],
  mins: ['minutes', 'minutes'], s: ['second', 'seconds'], sec: ['second', 'seconds'],
  secs: ['seconds', 'seconds'], ms: ['millisecond', 'milliseconds'],
  Hz: ['hertz', 'hertz'], kHz: ['kilohertz', 'kilohertz'], MHz: ['megahertz', 'megahertz'],
  GHz: ['gigahertz', 'gigahertz'], KB: ['kilobyte', 'kilobytes'], kB: ['kilobyte', 'kilobytes'],
  MB: ['megabyte', 'megabytes'], GB: ['gigabyte', 'gigabytes'], TB: ['terabyte', 'terabytes'],
  kW: ['kilowatt', 'kilowatts'], kWh: ['kilowatt hour', 'kilowatt hours'],
  '°C': ['degree Celsius', 'degrees Celsius'], '°F': ['degree Fahrenheit', 'degrees Fahrenheit'],
  '°': ['degree', 'degrees'],
  nm: ['nanometer', 'nanometers'], 'μm': ['micrometer', 'micrometers'], ns: ['nanosecond', 'nanoseconds'],
  'μs': ['microsecond', 'microseconds'], 'μg': ['microgram', 'micrograms'],
  gal: ['gallon', 'gallons'], kcal: ['kilocalorie', 'kilocalories'], cal: ['calorie', 'calories'],
  kJ: ['kilojoule', 'kilojoules'], V: ['volt', 'volts'], W: ['watt', 'watts'], mAh: ['milliamp hour', 'milliamp hours'],
  kbps: ['kilobit per second', 'kilobits per second'], Mbps: ['megabit per second', 'megabits per second'],
  Gbps: ['gigabit per second', 'gigabits per second'], PB: ['petabyte', 'petabytes'], ha: ['hectare', 'hectares'],
  'm^2': ['square meter', 'square meters'], 'km^2': ['square kilometer', 'square kilometers'],
  'cm^2': ['square centimeter', 'square centimeters'], 'ft^2': ['square foot', 'square feet'],
  'mi^2': ['square mile', 'square miles'], 'm^3': ['cubic meter', 'cubic meters'], 'cm^3': ['cubic centimeter', 'cubic centimeters'],
  'sq ft': ['square foot', 'square feet'], 'sq mi': ['square mile', 'square miles'],
  'm/s^2': ['meter per second squared', 'meters per second squared'],
};
// Longest keys first so that "km/h" wins over "km" and "mph" over "m".
const UNIT_RE_SRC = Object.keys(UNITS)
  .sort((a, b) => b.length - a.length)
  .map((u) => u.replace(/[/^]/g, '\\$&'))
  .join('|');

const NUM_SRC = '(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|\\.\\d+';

/** Reads a number written with optional thousands commas and decimals. */
function readNumber(raw: string): string {
  const clean = raw.replace(/,/g, '');
  const dot = clean.indexOf('.');
  if (dot >= 0) return decimal(clean.slice(0, dot), clean.slice(dot + 1));
  return cardinal(clean);
}

/** Whether a number string is exactly one (for singular units). */
function isOne(raw: string): boolean {
  return raw === '1';
}

/** True when a period ending at `end` in `s` most likely ends a sentence. */
function endsSentence(s: string, end: number): boolean {
  let i = end;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  if (i >= s.length || s[i] === '\n') return true;
  if (i === end) return false;
  return /[A-Z"'“‘(]/.test(s[i]!);
}

function pluralizeLast(words: string): string {
  return words.replace(/([a-z]+)$/, (w) => (w.endsWith('y') ? `${w.slice(0, -1)}ies` : `${w}s`));
}

function spell(letters: string): string {
  return letters.toUpperCase().split('').join(' ');
}

function currencyWords(sym: string, amount: string, scale: string | undefined): string {
  const cur = CURRENCY[sym]!;
  if (scale) {
    const word = SCALE_SUFFIX[scale]!;
    return `${readNumber(amount)} ${word} ${cur.many}`;
  }
  const clean = amount.replace(/,/g, '');
  const dot = clean.indexOf('.');
  const whole = dot >= 0 ? clean.slice(0, dot) : clean;
  const frac = dot >= 0 ? clean.slice(dot + 1) : '';
  if (frac.length > 2) return `${readNumber(amount)} ${cur.many}`;
  const units = whole === '' ? '0' : whole;
  const sub = frac === '' ? 0 : Number(frac.padEnd(2, '0'));
  const unitsZero = /^0+$/.test(units);
  const main = `${cardinal(units)} ${units.replace(/^0+(?=.)/, '') === '1' ? cur.one : cur.many}`;
  if (sub === 0) return main;
  const subWords = `${cardinal(sub)} ${sub === 1 ? cur.subOne : cur.subMany}`;
  return unitsZero ? subWords : `${main} and ${subWords}`;
}

function timeWords(h: number, m: number, suffix: string | undefined): string {
  const hw = cardinal(h);
  let out: string;
  if (m === 0) out = suffix ? hw : h > 12 ? `${hw} hundred` : `${hw} o'clock`;
  else if (m < 10) out = `${hw} oh ${cardinal(m)}`;
  else out = `${hw} ${cardinal(m)}`;
  if (suffix) out += suffix.toLowerCase().startsWith('a') ? ' A M' : ' P M';
  return out;
}

/** Largest denominator read as a fraction name ("seven sixteenths"); larger ones are "a over b". */
const MAX_NAMED_DENOMINATOR = 100;

/** "hundredth" rather than "one hundredth" where the number is exactly a power name. */
function bareOrdinal(n: string): string {
  return ordinal(n).replace(/^one (?=(?:hundred|thousand|million|billion)th$)/, '');
}

function denominatorWord(n: number, d: number): string {
  if (d === 2) return n === 1 ? 'half' : 'halves';
  if (d === 4) return n === 1 ? 'quarter' : 'quarters';
  return n === 1 ? bareOrdinal(String(d)) : pluralizeLast(bareOrdinal(String(d)));
}

function fractionWords(num: string, den: string): string {
  const n = Number(num);
  const d = Number(den);
  if (n === 24 && d === 7) return 'twenty-four seven';
  if (n === 0 || d < 2 || d > MAX_NAMED_DENOMINATOR) return `${cardinal(num)} over ${cardinal(den)}`;
  return `${cardinal(num)} ${denominatorWord(n, d)}`;
}

/** "1/2 kg" -> "one half of a kilogram", "5/4 km" -> "five quarters of a kilometer". */
function fractionOfUnit(num: string, den: string, unit: string): string {
  const one = UNITS[unit]![0];
  const article = /^(?:[aeiou]|hour)/.test(one) ? 'an' : 'a';
  return `${fractionWords(num, den)} of ${article} ${one}`;
}

/** A whole number and a proper fraction: "2 3/4" -> "two and three quarters", "1 1/2" -> "one and a half". */
function mixedNumberWords(whole: string, num: string, den: string): string {
  const n = Number(num);
  const d = Number(den);
  const frac = n === 1 ? `a ${denominatorWord(1, d)}` : fractionWords(num, den);
  return `${cardinal(whole)} and ${frac}`;
}

/** Exponent of a power of ten or of a base: "to the third", "to the minus sixth", "squared". */
function powerWords(sign: string, exp: string, allowSquared: boolean): string {
  const e = exp.replace(/^0+(?=.)/, '');
  if (allowSquared && sign !== '-' && e === '2') return 'squared';
  if (allowSquared && sign !== '-' && e === '3') return 'cubed';
  return `to the ${sign === '-' ? 'minus ' : ''}${bareOrdinal(e)}`;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isValidDate(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH[month - 1]!;
}

function yearWords(y: string): string {
  return y.length === 2 ? twoDigitYear(y) : year(y);
}

function spokenDate(month: number, day: number, y: string | undefined): string {
  return `${MONTHS[month - 1]} ${ordinal(String(day))}${y ? `, ${yearWords(y)}` : ''}`;
}

/**
 * Numeric dates a/b/year. Dots are day.month.year (European use); slashes and hyphens are read as a
 * date only when the order is clear: month/day when the second number is 13..31 (US), day/month when
 * the first is, or both numbers equal. Otherwise the numbers are read as written.
 */
function numericDateWords(a: string, sep: string, b: string, y: string): string {
  const first = Number(a);
  const second = Number(b);
  if (sep === '.') {
    if (isValidDate(second, first)) return spokenDate(second, first, y);
    if (isValidDate(first, second)) return spokenDate(first, second, y);
  } else {
    const monthFirst = isValidDate(first, second);
    const dayFirst = isValidDate(second, first);
    if (monthFirst && (!dayFirst || first === second)) return spokenDate(first, second, y);
    if (dayFirst && !monthFirst) return spokenDate(second, first, y);
  }
  return `${cardinal(a)} ${cardinal(b)} ${yearWords(y)}`;
}

/** Words before a/b that make it a month/day date ("on 3/15") rather than a fraction. */
const DATE_CUE = /(?:^|[^A-Za-z])(?:on|by|until|till|from|since|before|after|due|through|dated|(?:mon|tues|wednes|thurs|fri|satur|sun)day),?\s+$/i;

/** Words before a 4-digit number that make it a year even before a plural noun ("in 1995 apples were cheap"). */
const YEAR_CUE = /(?:^|[^A-Za-z])(?:in|since|from|by|until|till|of|circa|around|before|after|during|the|year|early|late|mid)\s+$/i;
/** Plural nouns that are not formed with -s. */
const IRREGULAR_PLURALS = new Set(['people', 'men', 'women', 'children', 'feet', 'teeth', 'mice', 'geese', 'sheep', 'fish', 'deer']);
/** Words ending in s that are not plural nouns. */
const NOT_PLURAL = new Set(['is', 'was', 'has', 'does', 'as', 'its', 'this', 'thus', 'plus', 'less', 'us', 'yes', 'his', 'hers', 'always', 'across', 'whereas', 'unless', 'versus']);

/** Whether the number ending at `end` counts something ("1995 apples"), so it is not a year. */
function countsSomething(str: string, start: number, end: number): boolean {
  const next = /^ ([a-z]+)\b/.exec(str.slice(end, end + 24));
  if (!next) return false;
  const w = next[1]!;
  const plural = IRREGULAR_PLURALS.has(w) || (w.length > 2 && w.endsWith('s') && !w.endsWith('ss') && !NOT_PLURAL.has(w));
  return plural && !YEAR_CUE.test(str.slice(Math.max(0, start - 12), start));
}

/** Digit groups of a phone-like string read one digit at a time, groups separated by commas. */
function phoneWords(raw: string): string {
  const groups = raw.match(/\d+/g) ?? [];
  const words = groups.map(digitsToWords).join(', ');
  return raw.startsWith('+') ? `plus ${words}` : words;
}

/** A bare integer: leading zeros -> digits, 4-digit 1100..2099 -> year, else cardinal. */
/** Words after which a Roman numeral is a cardinal (Chapter IV -> four); elsewhere a regnal ordinal. */
const ROMAN_CARDINAL_BEFORE = new Set([
  'Chapter', 'Part', 'Volume', 'Book', 'Act', 'Scene', 'War', 'Phase', 'Type', 'Class', 'Section', 'Article',
  'Episode', 'Level', 'Stage', 'Round', 'Vol', 'Appendix', 'Bowl', 'Rocky', 'Apollo', 'Gemini', 'Mark', 'Psalm',
  'Season', 'Title', 'Grade', 'Category', 'Schedule', 'Amendment',
]);

/** Capitalised function words that cannot be followed by a regnal number (The IV drip). */
const NOT_A_NAME = new Set([
  'The', 'A', 'An', 'This', 'That', 'These', 'Those', 'My', 'Your', 'His', 'Her', 'Its', 'Our', 'Their', 'In',
  'On', 'At', 'To', 'For', 'With', 'By', 'Of', 'And', 'Or', 'But', 'If', 'Then', 'When', 'So', 'No', 'Not', 'Is',
  'Was', 'Are', 'Were', 'Be', 'Get', 'Got', 'Have', 'Has', 'Had', 'Some', 'Any', 'Every', 'Each', 'From',
]);

function romanValue(r: string): number {
  const v: Record<string, number> = { I: 1, V: 5, X: 10 };
  let total = 0;
  for (let i = 0; i < r.length; i++) {
    const cur = v[r[i]!] ?? 0;
    const next = v[r[i + 1] ?? ''] ?? 0;
    total += cur < next ? -cur : cur;
  }
  return total;
}

/**
 * An e-mail or web address read aloud: "bob at example dot com", "example dot com slash search".
 * Query strings and fragments (?q=..., #top) are not read: they are rarely meant to be heard.
 */
function readAddress(addr: string): string {
  const body = addr.replace(/^https?:\/\//i, '').replace(/[?#].*$/, '').replace(/\/+$/, '');
  return body
    .replace(/[%=&~:+]/g, ' ')
    .replace(/^www\./i, 'W W W dot ')
    .replace(/\./g, ' dot ')
    .replace(/@/g, ' at ')
    .replace(/\//g, ' slash ')
    .replace(/_/g, ' underscore ')
    .replace(/\d+/g, (d) => ` ${digitsToWords(d)} `);
}

/** Two-digit year as in 5/12/24: "24" -> "twenty-four", "05" -> "oh five". */
function twoDigitYear(y: string): string {
  if (y === '00') return 'oh oh';
  return y[0] === '0' ? `oh ${cardinal(y[1]!)}` : cardinal(y);
}

function bareInteger(d: string): string {
  if (d.length > 1 && d[0] === '0') return digitsToWords(d);
  if (d.length === 4) {
    const n = Number(d);
    if (n >= 1000 && n <= 2099) return year(n);
  }
  return cardinal(d);
}

/** Folds typography and strips accents; removes control characters. Linear. */
function fold(text: string): string {
  let s = text.replace(/\r\n?/g, '\n');
  // Control characters (C0 except tab/newline, DEL, C1) become spaces; zero-width marks vanish.
  s = s.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, ' ');
  s = s.replace(/[\u200B-\u200D\u2060\uFEFF\u00AD\uE000]/g, '');
  s = s
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u0060\u00B4]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB\u2039\u203A]/g, '"')
    .replace(/[\u2010\u2011\u2012\u2013\u2212]/g, '-')
    .replace(/\s*[\u2014\u2015]\s*/g, ', ')
    .replace(/\u2026/g, '...')
    .replace(/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ' ')
    .replace(/(\d)\s?\u00BD/g, '$1 and a half')
    .replace(/\u00BD/g, 'one half')
    .replace(/\u00BC/g, 'one quarter')
    .replace(/\u00BE/g, 'three quarters')
    .replace(/\u00D7/g, ' times ')
    .replace(/\u00DF/g, 'ss')
    .replace(/[\u00C6]/g, 'AE').replace(/[\u00E6]/g, 'ae')
    .replace(/[\u0152]/g, 'OE').replace(/[\u0153]/g, 'oe')
    .replace(/[\u00D8]/g, 'O').replace(/[\u00F8]/g, 'o')
    .replace(/[\u0141]/g, 'L').replace(/[\u0142]/g, 'l')
    .replace(/[\u0110]/g, 'D').replace(/[\u0111]/g, 'd')
    .replace(/[\u00DE]/g, 'Th').replace(/[\u00FE]/g, 'th')
    .replace(/[\u00D0]/g, 'D').replace(/[\u00F0]/g, 'd');
  // Compatibility forms (full-width letters, superscripts, ligatures), then strip accents.
  s = s.replace(/\u3002/g, '. ').replace(/[\u3001\uFF64]/g, ', ');
  // Superscript exponents become ^n before NFKD would turn 10² into 102.
  s = s.replace(/[\u207B\u00B9\u00B2\u00B3\u2070\u2074-\u2079]+/g, (m) =>
    `^${[...m].map((c) => (c === '\u207B' ? '-' : c.normalize('NFKD'))).join('')}`);
  s = s.normalize('NFKD').replace(/\p{Mn}/gu, '').normalize('NFC');
  return s;
}

/** Address characters a URL may end with (not sentence punctuation). */
const URL_END = `[^\\s<>"'.,;:!?)\\]]`;
const EMAIL_SRC = '(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+\\b';
const URL_SRC = '(?<![A-Za-z0-9.\\/:-])(?:'
  + `(?:https?:\\/\\/|www\\.)(?:[^\\s<>"]*${URL_END})?`
  + '|[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.(?:com|org|net|edu|gov|io|co|uk|de|fr|ai|dev|info|biz|us|ca|au|app|me|tv)\\b'
  + `(?:[/?#][^\\s<>"]*${URL_END}|\\/)?)`;

/** A sentence-final period produced by a rule (protected from the initials rule). */
const KEPT_PERIOD = '\uE000';

type Rule = [RegExp, (m: string, ...groups: any[]) => string];

/** Normalises one stretch of plain text (no inline-phone braces inside). */
function normalizePlain(input: string, opts: NormalizeOptions, warnings: string[]): string {
  let s = input;
  if (opts.transliterate !== false) {
    const t = transliterateForeign(s);
    s = t.text;
    if (t.changed.length) {
      const shown = t.changed.slice(0, 5).map(([from, to]) => `${from} -> ${to}`).join(', ');
      warnings.push(`transliterated ${t.changed.length} word(s) from other scripts: ${shown}${t.changed.length > 5 ? ', ...' : ''}`);
    }
  }
  s = fold(s);
  const known = opts.isKnownWord ?? (() => false);

  const rules: Rule[] = [
    // E-mail addresses and web addresses: dots, at signs and slashes are read.
    // (Each pattern can only start where a run of address characters starts: linear time.)
    [new RegExp(`${EMAIL_SRC}|${URL_SRC}`, 'g'),
      (m) => ` ${readAddress(m)} `],
    // Ratios 2:1 (times need two minute digits).
    [/\b(\d{1,3}):(\d)(?!\d)/g, (_m, a: string, b: string) => ` ${cardinal(a)} to ${cardinal(b)} `],
    // Roman numerals after a capitalised word: World War II, Henry VIII, Chapter IV.
    [/\b([A-Z][a-z]+) (X{0,3}(?:IX|IV|VI{0,3}|I{1,3})|X{1,3})\b(?!['’-]?[A-Za-z])/g, (m, prev: string, num: string) => {
      const value = romanValue(num);
      if (value === 0 || NOT_A_NAME.has(prev) || (num.length === 1 && !ROMAN_CARDINAL_BEFORE.has(prev))) return m;
      return ROMAN_CARDINAL_BEFORE.has(prev) ? `${prev} ${cardinal(value)}` : `${prev} the ${ordinal(String(value))}`;
    }],
    // Year-first dates 2024-05-12, 2024/05/12.
    [/\b(\d{4})([-/])(\d{1,2})\2(\d{1,2})\b/g, (m, y: string, _sep: string, mo: string, d: string) => {
      if (!isValidDate(Number(mo), Number(d))) return m.replace(/[-/]/g, ' ');
      return ` ${spokenDate(Number(mo), Number(d), y)} `;
    }],
    // Numeric dates 12/25/2023, 25.12.2023, 12/25/99 (see numericDateWords for the order rule).
    [/\b(\d{1,2})([/.-])(\d{1,2})\2(\d{4})\b|\b(\d{1,2})(\/)(\d{1,2})\/(\d{2})\b/g,
      (_m, a1?: string, sep1?: string, b1?: string, y1?: string, a2?: string, sep2?: string, b2?: string, y2?: string) =>
        ` ${numericDateWords(a1 ?? a2!, sep1 ?? sep2!, b1 ?? b2!, y1 ?? y2!)} `],
    // Scientific notation 1e308, 6.02E23, 1.5e-3.
    [/(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?)(\d{1,3})\b/g, (_m, mant: string, sign: string, exp: string) =>
      ` ${readNumber(mant)} times ten ${powerWords(sign, exp, false)} `],
    // Powers 10^100, 2^-3, x^2 (a unit after a number, 5 m^2, is left to the unit rule).
    [/(?<![\w.])(\d+(?:\.\d+)?)\s?\^\s?([+-]?)(\d{1,3})\b|(?<!\d\s?|\/)\b([A-Za-z])\^([+-]?)(\d{1,3})\b/g,
      (_m, base?: string, sign?: string, exp?: string, letter?: string, lsign?: string, lexp?: string) =>
        base !== undefined
          ? ` ${readNumber(base)} ${powerWords(sign!, exp!, true)} `
          : ` ${letter} ${powerWords(lsign!, lexp!, true)} `],
    // Month day[, year]: May 5, 2024 / Jan. 3rd 1999.
    [new RegExp(`\\b${MONTH_RE_SRC}\\.? (\\d{1,2})(?:st|nd|rd|th)?\\b(?:,? (\\d{4})\\b)?`, 'g'),
      (m, mon: string, d: string, y: string | undefined) => {
        const di = Number(d);
        if (di < 1 || di > 31) return m;
        const mname = MONTHS[monthNumber(mon) - 1]!;
        return ` ${mname} ${ordinal(d)}${y ? `, ${year(y)}` : ''} `;
      }],
    // Day month [year]: 5 May 2024 / 5th of May.
    [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?(?: of)? ${MONTH_RE_SRC}\\b\\.?(?:,? (\\d{4})\\b)?`, 'g'),
      (m, d: string, mon: string, y: string | undefined, off: number, str: string) => {
        const di = Number(d);
        if (di < 1 || di > 31) return m;
        const mname = MONTHS[monthNumber(mon) - 1]!;
        const the = /\bthe\s+$/i.test(str.slice(Math.max(0, off - 5), off)) ? '' : 'the ';
        return ` ${the}${ordinal(d)} of ${mname}${y ? `, ${year(y)}` : ''} `;
      }],
    // Times: 8:30, 8:30 pm, 8 p.m., 14:45.
    [/\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp])\.?\s?[Mm]\b\.?)?/g,
      (m, h: string, mm: string, ss: string | undefined, ap: string | undefined, off: number, str: string) => {
        const hi = Number(h);
        const mi = Number(mm);
        if (hi > 24 || mi > 59) return m.replace(/:/g, ' ');
        let out = timeWords(hi, mi, ap);
        if (ss !== undefined) out += ` and ${cardinal(ss)} seconds`;
        if (ap && m.endsWith('.') && endsSentence(str, off + m.length)) out += KEPT_PERIOD;
        return ` ${out} `;
      }],
    [/\b(\d{1,2})\s?([AaPp])\.?\s?[Mm]\b\.?/g, (m, h: string, ap: string, off: number, str: string) => {
      let out = timeWords(Number(h), 0, ap);
      if (m.endsWith('.') && endsSentence(str, off + m.length)) out += KEPT_PERIOD;
      return ` ${out} `;
    }],
    // Mixed numbers 2 3/4, then a/b: a month/day date after a date word ("due 3/15"), else a fraction.
    [/\b(\d{1,3}) (\d{1,2})\/(\d{1,3})\b(?!\/)/g, (m, whole: string, a: string, b: string) =>
      Number(a) > 0 && Number(a) < Number(b) && Number(b) <= MAX_NAMED_DENOMINATOR ? ` ${mixedNumberWords(whole, a, b)} ` : m],
    [new RegExp(`\\b(\\d{1,3})\\/(\\d{1,4})\\b(?!\\/)(?:\\s?(${UNIT_RE_SRC})(?![A-Za-z0-9]))?`, 'g'),
      (_m, a: string, b: string, unit: string | undefined, off: number, str: string) => {
        if (unit) return ` ${fractionOfUnit(a, b, unit)} `;
        const cue = DATE_CUE.test(str.slice(Math.max(0, off - 16), off));
        return ` ${cue && isValidDate(Number(a), Number(b)) ? spokenDate(Number(a), Number(b), undefined) : fractionWords(a, b)} `;
      }],
    // Phone numbers: (555) 123-4567, 555-123-4567, +1 555 123 4567, 555-1234.
    [/(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[.-]\d{4}\b|\b\d{3}-\d{4}\b/g,
      (m) => ` ${phoneWords(m)} `],
    // Version numbers 2.0.1, v1.2 (three or more parts, or a leading v).
    [/\b(?:[vV](\d+(?:\.\d+)+)|(\d+(?:\.\d+){2,}))\b/g, (_m, withV?: string, bare?: string) =>
      ` ${withV ? 'version ' : ''}${(withV ?? bare!).split('.').map((p) => cardinal(p)).join(' point ')} `],
    // Ranges: 10-20, 1990-1995, 1.5-2 (the numbers are read by the rules below).
    [new RegExp(`(?<![\\d.,])(${NUM_SRC})\\s?-\\s?(?=[$£€¥₹]?(?:${NUM_SRC})(?![\\d,]))`, 'g'), (_m, a: string) => `${a} to `],
    // Negative numbers (also before a currency sign).
    [/(^|[^\w.,])-(?=[$£€¥₹]?\.?\d)/g, (_m, pre: string) => `${pre} minus `],
    // Currency with scale or cents: $5, $3.50, £1.2m, €20 million.
    [new RegExp(`([$£€¥₹])\\s?(${NUM_SRC})(?:\\s?(thousand|million|billion|trillion|bn|mn|tn|[kKmMbBT])\\b)?`, 'g'),
      (_m, sym: string, amt: string, scale: string | undefined) => ` ${currencyWords(sym, amt, scale)} `],
    [new RegExp(`\\b(USD|EUR|GBP|JPY|INR)\\s?(${NUM_SRC})(?:\\s(thousand|million|billion|trillion)\\b)?`, 'g'),
      (_m, code: string, amt: string, scale: string | undefined) => ` ${currencyWords(code, amt, scale)} `],
    [new RegExp(`(?<![\\d.])(${NUM_SRC})(?:\\s(thousand|million|billion|trillion))?\\s?(USD|EUR|GBP|JPY|INR)\\b`, 'g'),
      (_m, amt: string, scale: string | undefined, code: string) => ` ${currencyWords(code, amt, scale)} `],
    [/(?<!\d)(\d+)\s?¢/g, (_m, c: string) => ` ${cardinal(c)} ${c === '1' ? 'cent' : 'cents'} `],
    // Percent.
    [new RegExp(`(?<![\\d.])(${NUM_SRC})\\s?%`, 'g'), (_m, n: string) => ` ${readNumber(n)} percent `],
    // Decades: 1990s, '90s, 80s.
    [/(?:\b(1[1-9]|20)(\d0)'?s\b)|(?:'(\d0)s\b)|(?:\b([2-9]0)'?s\b)/g,
      (_m, c: string | undefined, d: string | undefined, ap: string | undefined, bare: string | undefined) => {
        if (c && d) return ` ${pluralizeLast(year(c + d))} `;
        return ` ${pluralizeLast(cardinal(ap ?? bare!))} `;
      }],
    // Units after numbers: 5 km, 1.5kg, 60 mph, 5 °C.
    [new RegExp(`(?<![\\d.])(${NUM_SRC})\\s?(${UNIT_RE_SRC})(?![A-Za-z0-9])`, 'g'),
      (_m, n: string, u: string) => {
        const [one, many] = UNITS[u]!;
        return ` ${readNumber(n)} ${isOne(n) ? one : many} `;
      }],
    // Ordinals: 1st, 22nd, 103rd.
    [/\b(\d+)(st|nd|rd|th|ST|ND|RD|TH)\b/g, (_m, n: string) => ` ${ordinal(n)} `],
    // Number signs.
    [/(?<![A-Za-z])(?:#|No\.|no\.|Nos\.)\s?(?=\d)/g, () => ' number '],
    // Thousands separators and decimals.
    [/(?<!\d)\d{1,3}(?:,\d{3})+(?:\.\d+)?/g, (m) => ` ${readNumber(m)} `],
    [/(?<![\d.])\d*\.\d+/g, (m) => {
      const dot = m.indexOf('.');
      return ` ${decimal(m.slice(0, dot), m.slice(dot + 1))} `;
    }],
    // Remaining integers (years where plausible). Very long digit strings are read digit by digit.
    [/\d+/g, (m, off: number, str: string) =>
      ` ${m.length === 4 && m[0] !== '0' && countsSomething(str, off, off + m.length) ? cardinal(m) : bareInteger(m)} `],
  ];
  for (const [re, fn] of rules) s = s.replace(re, fn as (m: string, ...a: any[]) => string);

  // Abbreviations with periods.
  for (const [re, word, canEnd] of LATIN) {
    s = s.replace(re, (m: string, off: number, str: string) => {
      const end = off + m.length;
      const atEnd = /^[ \t]*(\n|$)/.test(str.slice(end, end + 2)) && endsSentence(str, end);
      return m.endsWith('.') && (canEnd ? endsSentence(str, end) : atEnd) ? ` ${word}${KEPT_PERIOD} ` : ` ${word} `;
    });
  }
  s = s.replace(/(?<![A-Za-z.])(St|Dr)\.(?=\s|$|[,;:!?])/g, (m, ab: string, off: number, str: string) => {
    const before = str.slice(Math.max(0, off - 30), off);
    const afterCap = /^\s+[A-Z]/.test(str.slice(off + m.length, off + m.length + 3));
    const prevCap = /[A-Z][a-z]*\s$/.test(before);
    if (ab === 'St') return afterCap && !prevCap ? 'saint' : endsSentence(str, off + m.length) ? `street${KEPT_PERIOD}` : 'street';
    return prevCap && !afterCap ? (endsSentence(str, off + m.length) ? `drive${KEPT_PERIOD}` : 'drive') : 'doctor';
  });
  s = s.replace(/(?<![A-Za-z.])([A-Z][a-z]{1,5})\.(?=\s|$|[,;:!?])/g, (m, ab: string, off: number, str: string) => {
    if (TITLES[ab]) return TITLES[ab]!;
    if (TRAILING[ab]) return TRAILING[ab]! + (endsSentence(str, off + m.length) ? KEPT_PERIOD : '');
    return m;
  });
  // Dotted acronyms U.S.A. and initials J. K. Rowling.
  s = s.replace(/(?<![A-Za-z])((?:[A-Za-z]\.){2,})/g, (m: string, _g: string, off: number, str: string) =>
    spell(m.replace(/\./g, '')) + (/^\s*(\n|$)/.test(str.slice(off + m.length, off + m.length + 2)) ? KEPT_PERIOD : ''));
  s = s.replace(/(?<![A-Za-z'])([A-Z])\.(?=\s+[A-Z])/g, '$1');

  // Symbols. Letter&letter names (AT&T) are spelled.
  s = s.replace(/(?<![A-Za-z])([A-Z]{1,3})&([A-Z]{1,3})(?![A-Za-z])/g, (_m, a: string, b: string) => ` ${spell(a)} and ${spell(b)} `);
  s = s
    .replace(/&/g, ' and ')
    .replace(/\+/g, ' plus ')
    .replace(/=/g, ' equals ')
    .replace(/@/g, ' at ')
    .replace(/%/g, ' percent ')
    .replace(/°/g, ' degrees ')
    .replace(/~/g, ' about ')
    .replace(/\//g, ' ');

  // Acronyms: all-capital words of 2+ letters (optionally a plural/possessive s).
  s = s.replace(/(?<![A-Za-z'])([A-Z]{2,})('?s)?(?![A-Za-z])/g, (m, w: string, tail: string | undefined) => {
    const spelled = ALWAYS_SPELL.has(w) || !known(w.toLowerCase());
    if (!spelled) return m;
    return spell(w) + (tail ? "'s" : '');
  });
  // Letters glued to digits are separated already by number reading; split letter+spelled joins.
  // The article "A" (sentence-initial capital) before a lower-case word is the article, not a letter.
  s = s.replace(/(?<![A-Za-z'])A(?= [a-z])/g, 'a');

  // Punctuation: keep ! , . ? ; : ; hyphens/dashes between spaces are pauses; others go.
  s = s.replace(/\s-{1,}\s|--+/g, ', ');
  s = s.replace(/(?<![A-Za-z])'|'(?![A-Za-z])/g, ' ');
  s = s.replace(/(?<![A-Za-z])-+|-+(?![A-Za-z])/g, ' ');
  s = s.replace(/["()[\]<>*_\\|^`{}]/g, ' ');
  s = s.replace(/\uE000/g, '.');
  // Anything else outside the spoken alphabet is dropped (CJK, Arabic, emoji, symbols).
  let dropped = 0;
  s = s.replace(/[^A-Za-z'\- \t\n!,.?;:]+/gu, (m) => {
    dropped += [...m].filter((c) => !/\s/u.test(c)).length;
    return ' ';
  });
  if (dropped > 0) warnings.push(`dropped ${dropped} character(s) that cannot be read (other scripts, emoji or symbols)`);
  return s;
}

/** Tidies whitespace and punctuation runs (official convention: a run keeps its last mark). */
function tidy(s: string): string {
  return s
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .replace(/ ?([!,.?;:])(?: ?[!,.?;:])*/g, (m) => `${m.replace(/ /g, '').slice(-1)}`)
    .replace(/([!,.?;:])(?=[A-Za-z{])/g, '$1 ')
    .replace(/^[ \n!,.?;:]+/, '')
    .replace(/(^|\n)[ !,.?;:]+/g, '$1')
    .replace(/[ \n]+$/, '');
}

const INLINE_PHONES = /\{[^{}\n]*\}/g;

/** Full normalisation with warnings. Never throws for any string input. */
export function normalizeTextDetailed(text: string, options: NormalizeOptions = {}): NormalizeResult {
  if (typeof text !== 'string') throw new TypeError('normalizeText: text must be a string');
  const warnings: string[] = [];
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE_PHONES)) {
    parts.push(normalizePlain(text.slice(last, m.index), options, warnings));
    parts.push(` ${m[0].replace(/\s+/g, ' ').replace(/\{ /, '{').replace(/ \}/, '}')} `);
    last = m.index! + m[0].length;
  }
  parts.push(normalizePlain(text.slice(last), options, warnings));
  return { text: tidy(parts.join('')), warnings };
}

/** Written English -> spoken form. See the module comment for the output conventions. */
export function normalizeText(text: string, options: NormalizeOptions = {}): string {
  return normalizeTextDetailed(text, options).text;
}

export { ordinalize };
