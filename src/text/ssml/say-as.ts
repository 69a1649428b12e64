// <say-as interpret-as="..."> : the element's text -> spoken words (then read by the usual G2P).
import { cardinal, digitsToWords, ordinal, year } from '../numbers.js';

export const SAY_AS_TYPES = ['characters', 'spell-out', 'cardinal', 'ordinal', 'digits', 'date', 'time', 'telephone'] as const;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DATE_FORMATS = ['mdy', 'dmy', 'ymd', 'md', 'dm', 'ym', 'my', 'y', 'm', 'd'];

/** Every letter as its letter name (capitals: the G2P reads a lone capital as the letter), digits as digits. */
function characters(text: string): string {
  const out: string[] = [];
  for (const ch of text) {
    if (/[a-z]/i.test(ch)) out.push(ch.toUpperCase());
    else if (/[0-9]/.test(ch)) out.push(digitsToWords(ch));
  }
  return out.join(' ');
}

function cardinalOf(text: string): string {
  const m = /^([+-])?(\d{1,3}(?:,\d{3})+|\d+)$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not an integer`);
  const words = cardinal(m[2]!.replace(/,/g, ''));
  return m[1] === '-' ? `minus ${words}` : words;
}

function ordinalOf(text: string): string {
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)?$/i.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not an ordinal number`);
  return ordinal(m[1]!.replace(/,/g, ''));
}

function digitsOf(text: string): string {
  if (!/\d/.test(text)) throw new Error(`'${text}' has no digits`);
  return digitsToWords(text);
}

function dateOf(text: string, format: string | undefined): string {
  const parts = text.trim().split(/[-/.\s]+/).filter(Boolean);
  const fmt = format ?? (parts.length === 3 && /^\d{4}$/.test(parts[0]!) ? 'ymd' : ['mdy', 'md', 'm'][3 - parts.length] ?? 'mdy');
  if (!DATE_FORMATS.includes(fmt)) throw new Error(`format="${fmt}" is not one of ${DATE_FORMATS.join(', ')}`);
  if (parts.length !== fmt.length || parts.some((p) => !/^\d+$/.test(p))) throw new Error(`'${text}' is not a date in the format ${fmt}`);
  const field = (c: string) => parts[fmt.indexOf(c)];
  const m = field('m'), d = field('d'), y = field('y');
  if (m !== undefined && !(Number(m) >= 1 && Number(m) <= 12)) throw new Error(`'${text}': month ${m} is not 1..12`);
  if (d !== undefined && !(Number(d) >= 1 && Number(d) <= 31)) throw new Error(`'${text}': day ${d} is not 1..31`);
  const month = m !== undefined ? MONTHS[Number(m) - 1]! : undefined;
  const day = d !== undefined ? ordinal(String(Number(d))) : undefined;
  const words: string[] = [];
  // dmy is read "the fifth of May", the other orders "May fifth".
  if (fmt.startsWith('d') && month && day) words.push(`the ${day} of ${month}`);
  else words.push(...[month, day].filter((w): w is string => w !== undefined));
  if (y !== undefined) words.push(year(y));
  return words.join(' ');
}

function timeOf(text: string): string {
  const m = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])?\.?\s*(m\.?)?$/i.exec(text.trim());
  if (!m || (m[4] === undefined && m[2] === undefined)) throw new Error(`'${text}' is not a time like 14:30 or 2:30pm`);
  const h = Number(m[1]), min = m[2] === undefined ? 0 : Number(m[2]);
  if (h > 23 || min > 59 || (m[4] && (h < 1 || h > 12))) throw new Error(`'${text}' is not a valid time`);
  const words = [cardinal(String(h))];
  if (min === 0) { if (!m[4]) words.push("o'clock"); } else if (min < 10) words.push(`oh ${cardinal(String(min))}`);
  else words.push(cardinal(String(min)));
  if (m[3] !== undefined && Number(m[3]) > 0) words.push('and', cardinal(String(Number(m[3]))), 'seconds');
  if (m[4]) words.push(m[4].toUpperCase(), 'M');
  return words.join(' ');
}

function telephoneOf(text: string): string {
  const groups = text.trim().match(/\+|\d+/g);
  if (!groups || !/\d/.test(text) || /[^\d\s+().-]/.test(text.trim())) throw new Error(`'${text}' is not a telephone number`);
  return groups.map((g) => (g === '+' ? 'plus' : digitsToWords(g))).join(', ').replace('plus,', 'plus');
}

/** The spoken form of a say-as element's text; throws a plain Error for text that does not fit. */
export function sayAs(text: string, interpretAs: string, format: string | undefined): string {
  switch (interpretAs) {
    case 'characters': case 'spell-out': return characters(text);
    case 'cardinal': case 'number': return cardinalOf(text);
    case 'ordinal': return ordinalOf(text);
    case 'digits': return digitsOf(text);
    case 'date': return dateOf(text, format);
    case 'time': return timeOf(text);
    case 'telephone': return telephoneOf(text);
    default: throw new Error(`interpret-as="${interpretAs}" is not one of ${SAY_AS_TYPES.join(', ')}`);
  }
}
