import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cardinal, ordinal, year, decimal, digitsToWords } from '../../src/text/index.js';

test('cardinals up to and beyond 10^15', () => {
  assert.equal(cardinal(0), 'zero');
  assert.equal(cardinal(15), 'fifteen');
  assert.equal(cardinal(40), 'forty');
  assert.equal(cardinal(1_000_001), 'one million one');
  assert.equal(cardinal('1000000000000000'), 'one quadrillion');
  assert.equal(cardinal(10n ** 18n), 'one quintillion');
  assert.equal(cardinal('0000'), 'zero');
  assert.equal(cardinal('9'.repeat(36)).split(' ').slice(0, 2).join(' '), 'nine hundred');
  // Longer than the scale table: digit by digit (defined, not an error).
  assert.equal(cardinal('1'.repeat(37)), Array(37).fill('one').join(' '));
  assert.throws(() => cardinal('12a'), RangeError);
});

test('ordinals', () => {
  const want: Record<string, string> = {
    1: 'first', 2: 'second', 3: 'third', 5: 'fifth', 8: 'eighth', 9: 'ninth', 12: 'twelfth', 20: 'twentieth',
    40: 'fortieth', 99: 'ninety-ninth', 100: 'one hundredth', 1000000: 'one millionth',
  };
  for (const [n, w] of Object.entries(want)) assert.equal(ordinal(n), w);
});

test('years', () => {
  assert.equal(year(1999), 'nineteen ninety-nine');
  assert.equal(year(2005), 'two thousand five');
  assert.equal(year(2000), 'two thousand');
  assert.equal(year(1900), 'nineteen hundred');
  assert.equal(year(1905), 'nineteen oh five');
  assert.equal(year(2019), 'twenty nineteen');
  assert.equal(year(999), 'nine hundred ninety-nine');
});

test('decimals and digits', () => {
  assert.equal(decimal('3', '14'), 'three point one four');
  assert.equal(decimal('', '5'), 'point five');
  assert.equal(decimal('2', ''), 'two');
  assert.equal(digitsToWords('0451'), 'zero four five one');
});
