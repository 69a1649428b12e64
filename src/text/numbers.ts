// Number verbalisation for English: cardinals (arbitrary size via digit strings), ordinals, years,
// decimals, digit-by-digit reading. American style: no "and" inside numbers ("one hundred five").

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
/** Scale words for groups of three digits: index i names 10^(3i). */
const SCALES = [
  '', 'thousand', 'million', 'billion', 'trillion', 'quadrillion', 'quintillion', 'sextillion',
  'septillion', 'octillion', 'nonillion', 'decillion',
];
/** Longest integer (in digits) read as a cardinal; longer ones are read digit by digit. */
const MAX_CARDINAL_DIGITS = SCALES.length * 3;

/** Words for 0..999. */
function below1000(n: number): string {
  const parts: string[] = [];
  const h = Math.floor(n / 100);
  const r = n % 100;
  if (h > 0) parts.push(`${ONES[h]} hundred`);
  if (r > 0 || h === 0) parts.push(below100(r));
  return parts.join(' ');
}

function below100(n: number): string {
  if (n < 20) return ONES[n]!;
  const t = Math.floor(n / 10);
  const o = n % 10;
  return o === 0 ? TENS[t]! : `${TENS[t]}-${ONES[o]}`;
}

/** Reads each digit: "007" -> "zero zero seven". */
export function digitsToWords(digits: string): string {
  const out: string[] = [];
  for (const ch of digits) {
    const d = ch.charCodeAt(0) - 48;
    if (d >= 0 && d <= 9) out.push(ONES[d]!);
  }
  return out.join(' ');
}

/**
 * Cardinal words for a non-negative integer given as a digit string (or number/bigint).
 * Integers of more than MAX_CARDINAL_DIGITS significant digits are read digit by digit.
 */
export function cardinal(value: string | number | bigint): string {
  let digits = typeof value === 'string' ? value : BigInt(value).toString();
  if (!/^[0-9]+$/.test(digits)) throw new RangeError(`cardinal: not a non-negative integer: ${digits}`);
  digits = digits.replace(/^0+(?=.)/, '');
  if (digits.length > MAX_CARDINAL_DIGITS) return digitsToWords(digits);
  if (digits === '0') return 'zero';
  const groups: number[] = [];
  for (let end = digits.length; end > 0; end -= 3) {
    groups.push(Number(digits.slice(Math.max(0, end - 3), end)));
  }
  const parts: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i]!;
    if (g === 0) continue;
    parts.push(i === 0 ? below1000(g) : `${below1000(g)} ${SCALES[i]}`);
  }
  return parts.join(' ');
}

const ORDINAL_IRREGULAR: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth',
  twelve: 'twelfth',
};

/** Turns the last word of a cardinal phrase into its ordinal: "twenty-one" -> "twenty-first". */
export function ordinalize(words: string): string {
  const m = /^(.*?)([a-z]+)$/.exec(words);
  if (!m) return words;
  const [, head, last] = m as unknown as [string, string, string];
  let ord: string;
  if (ORDINAL_IRREGULAR[last]) ord = ORDINAL_IRREGULAR[last]!;
  else if (last.endsWith('y')) ord = `${last.slice(0, -1)}ieth`;
  else ord = `${last}th`;
  return head + ord;
}

/** Ordinal words for an integer digit string: "22" -> "twenty-second". */
export function ordinal(value: string | number | bigint): string {
  const digits = typeof value === 'string' ? value : BigInt(value).toString();
  if (digits.replace(/^0+(?=.)/, '').length > MAX_CARDINAL_DIGITS) {
    return `number ${digitsToWords(digits)}`;
  }
  return ordinalize(cardinal(digits));
}

/**
 * A year as usually spoken: 1999 -> "nineteen ninety-nine", 1905 -> "nineteen oh five",
 * 1900 -> "nineteen hundred", 2000 -> "two thousand", 2005 -> "two thousand five",
 * 2024 -> "twenty twenty-four". Years outside 1000..9999 are read as cardinals.
 */
export function year(value: string | number): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1000 || n > 9999) return cardinal(String(value));
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  if (n % 1000 === 0) return cardinal(n);
  if (hi % 10 === 0 && lo < 10) return cardinal(n); // 2005 -> two thousand five, 1009
  if (lo === 0) return `${below100(hi)} hundred`;
  if (lo < 10) return `${below100(hi)} oh ${ONES[lo]}`;
  return `${below100(hi)} ${below100(lo)}`;
}

/** "3.14" -> "three point one four"; ".5" -> "point five"; "2." -> "two". */
export function decimal(intPart: string, fracPart: string): string {
  const head = intPart === '' ? '' : cardinal(intPart);
  if (fracPart === '') return head;
  const tail = `point ${digitsToWords(fracPart)}`;
  return head === '' ? tail : `${head} ${tail}`;
}
