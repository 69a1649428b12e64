// Sentence splitting must not cut inside versions, decimals, addresses or mid-sentence abbreviations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSentences, textToSentences } from '../../src/text/index.js';

const spoken = (t: string): string[] => textToSentences(t).map((r) => r.normalized);

test('versions, decimals and addresses stay inside their sentence', () => {
  assert.deepEqual(spoken('Install version 2.0.1 today. It is 3.5 times faster.'), [
    'Install version two point zero point one today.', 'It is three point five times faster.',
  ]);
  assert.deepEqual(spoken('Search https://example.com/search?q=tts now. Then mail bob@example.com today.'), [
    'Search example dot com slash search now.', 'Then mail bob at example dot com today.',
  ]);
  assert.deepEqual(spoken('Did you try example.com? It works.'), ['Did you try example dot com?', 'It works.']);
});

test('abbreviations mid-sentence do not end it; at the end they do', () => {
  assert.deepEqual(spoken('Dr. Smith met Mr. Jones at 5 p.m. today. They left at 6 p.m. Then it rained.'), [
    'doctor Smith met mister Jones at five P M today.', 'They left at six P M.', 'Then it rained.',
  ]);
  assert.deepEqual(spoken('Fruit, e.g. apples, i.e. food, etc. are sold in the U.S. every day. Buy apples, pears, etc. Then go.'), [
    'Fruit, for example apples, that is food, et cetera are sold in the U S every day.',
    'Buy apples, pears, et cetera.', 'Then go.',
  ]);
  assert.deepEqual(spoken('Red vs. blue, approx. 5 km. Done.'), ['Red versus blue, approximately five kilometers.', 'Done.']);
});

test('splitSentences on text that was not normalised keeps abbreviations with their sentence', () => {
  assert.deepEqual(splitSentences('Mr. Smith met Dr. Jones at 5 p.m. today. He left at 6 p.m. Then he slept.'), [
    'Mr. Smith met Dr. Jones at 5 p.m. today.', 'He left at 6 p.m.', 'Then he slept.',
  ]);
  assert.deepEqual(splitSentences('Apples, pears, etc. are fruit. Bananas too, etc. Fine.'), [
    'Apples, pears, etc. are fruit.', 'Bananas too, etc.', 'Fine.',
  ]);
});

test('transliteration warnings reach the first sentence result', () => {
  const r = textToSentences('Moscow is Москва. It is big.');
  assert.equal(r.length, 2);
  assert.equal(r[0]!.normalized, 'Moscow is Moskva.');
  assert.ok(r[0]!.warnings.some((w) => w.includes('Москва -> Moskva')), r[0]!.warnings.join('; '));
});
