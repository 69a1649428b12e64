import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cmuLookup, wordToPhones, compileLexicon, textToPhones, isArpabetPhone } from '../../src/text/index.js';

test('CMUdict first pronunciation with stress digits', () => {
  assert.deepEqual(cmuLookup('hello'), ['HH', 'AH0', 'L', 'OW1']);
  assert.deepEqual(cmuLookup('Read'), ['R', 'EH1', 'D']); // first entry, as g2p_en's cmu[word][0]
  assert.deepEqual(wordToPhones('the').phones, ['DH', 'AH0']);
  assert.deepEqual(wordToPhones('a').phones, ['AH0']);
  assert.equal(wordToPhones('world').source, 'cmudict');
  // Comments in the package's data are not phones.
  assert.ok(cmuLookup('gdp')!.every(isArpabetPhone));
});

test('letters, possessives, contractions', () => {
  assert.deepEqual(wordToPhones('A').phones, ['EY1']);
  assert.deepEqual(wordToPhones('F').phones, ['EH1', 'F']);
  assert.deepEqual(wordToPhones("don't").phones, ['D', 'OW1', 'N', 'T']);
  // Possessive of a word CMUdict lacks in possessive form: suffix by the last phone.
  const base = wordToPhones('quixotically').phones;
  assert.deepEqual(wordToPhones("quixotically's").phones, [...base, 'Z']);
  const fox = wordToPhones('fox').phones;
  const foxes = wordToPhones("fox's");
  assert.deepEqual(foxes.phones, foxes.source === 'cmudict' ? cmuLookup("fox's") : [...fox, 'IH0', 'Z']);
  assert.deepEqual(wordToPhones("D's").phones, ['D', 'IY1', 'Z']);
  const lexicon = compileLexicon({ zorch: 'Z AO1 R CH', zap: 'Z AE1 P' });
  assert.deepEqual(wordToPhones("zorch's", { lexicon }).phones, ['Z', 'AO1', 'R', 'CH', 'IH0', 'Z']);
  assert.deepEqual(wordToPhones("zap's", { lexicon }).phones, ['Z', 'AE1', 'P', 'S']);
  assert.deepEqual(wordToPhones("zorches'", { lexicon: compileLexicon({ zorches: 'Z AO1 R CH IH0 Z' }) }).phones.length, 6);
});

test('user lexicon overrides the dictionary; bad entries are clear errors', () => {
  const lexicon = compileLexicon({ tomato: 'T AH0 M AA1 T OW2', Prodiff: ['P', 'R', 'OW1', 'D', 'IH2', 'F'] });
  assert.deepEqual(wordToPhones('tomato', { lexicon }).phones, ['T', 'AH0', 'M', 'AA1', 'T', 'OW2']);
  assert.equal(wordToPhones('ProDiff', { lexicon }).source, 'lexicon');
  const r = textToPhones('ProDiff says tomato', { lexicon: { prodiff: 'P R OW1 D IH2 F' } });
  assert.deepEqual(r.phones.slice(1, 7), ['P', 'R', 'OW1', 'D', 'IH2', 'F']);
  assert.throws(() => compileLexicon({ x: 'HH AH L OW1' }), /lexicon entry 'x'.*AH/);
});

test('hyphenated words: dictionary entry if any, else parts', () => {
  const r = textToPhones('a well-known twenty-one-year-old');
  const words = r.words.map((w) => w.text);
  assert.deepEqual(words, ['a', 'well-known', 'twenty', 'one', 'year', 'old']);
  assert.deepEqual(r.phones.slice(r.words[1]!.start, r.words[1]!.end), cmuLookup('well-known'));
});

test('inline phones pass through untouched', () => {
  const r = textToPhones('Say {HH AH0 L OW1} now.');
  assert.equal(r.normalized, 'Say {HH AH0 L OW1} now.');
  const span = r.words.find((w) => w.kind === 'phones')!;
  assert.deepEqual(r.phones.slice(span.start, span.end), ['HH', 'AH0', 'L', 'OW1']);
  assert.equal(span.source, 'inline');
  // Numbers next to inline phones still normalise; bad inline phones are kept and warned about.
  const r2 = textToPhones('{XX Y} 5');
  assert.deepEqual(r2.phones.slice(1, 3), ['XX', 'Y']);
  assert.ok(r2.warnings.some((w) => /XX/.test(w)));
  assert.equal(r2.ids[1], 2); // <UNK>
});

test('OOV words always get a plausible pronunciation', () => {
  for (const w of ['blorptastic', 'zxqv', 'grumplewhisk', 'q', 'aaaaaaaa', 'xylophonically']) {
    const p = wordToPhones(w);
    assert.ok(p.phones.length > 0, w);
    assert.ok(p.phones.every(isArpabetPhone), `${w}: ${p.phones.join(' ')}`);
    assert.ok(p.phones.some((x) => /[12]$/.test(x)), `${w} has a stressed vowel: ${p.phones.join(' ')}`);
  }
});
