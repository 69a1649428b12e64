// Bad input: each case gives a defined result or a clear error; nothing hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeForSpeech, normalizeText, normalizeTextDetailed, textToPhones, textToSentences, splitSentences } from '../../src/text/index.js';

const EMPTY = ['<BOS>', '<EOS>'];

test('empty and whitespace-only text: <BOS> <EOS> and a warning', () => {
  for (const t of ['', ' ', '\n\n\t  \r\n', '\u00A0\u3000']) {
    const r = textToPhones(t);
    assert.deepEqual(r.phones, EMPTY);
    assert.deepEqual(r.ids, [r.ids[0], 1]);
    assert.deepEqual(r.words, []);
    assert.ok(r.warnings.includes('no speakable text'));
    assert.deepEqual(textToSentences(t), []);
  }
});

test('punctuation only', () => {
  for (const t of ['...', '!?!?', ',;:', '"()"', '- -- ---', '***', '. . .']) {
    const r = textToPhones(t);
    assert.deepEqual(r.phones, EMPTY, t);
    assert.equal(r.normalized, '', t);
  }
});

test('non-string input is a TypeError', () => {
  assert.throws(() => textToPhones(undefined as unknown as string), TypeError);
  assert.throws(() => textToPhones(42 as unknown as string), TypeError);
  assert.throws(() => normalizeText(null as unknown as string), TypeError);
});

test('mixed scripts: CJK, Cyrillic and Arabic are transliterated with a warning; Latin kept', () => {
  const r = textToPhones('Hello 你好世界 world Привет!');
  assert.equal(r.normalized, 'Hello Ni Hao Shi Jie world Privet!');
  assert.deepEqual(r.words.map((w) => w.text), ['Hello', 'Ni', 'Hao', 'Shi', 'Jie', 'world', 'Privet']);
  assert.ok(r.warnings.some((w) => /transliterated 2 word\(s\) from other scripts: 你好世界 -> Ni Hao Shi Jie, Привет -> Privet/.test(w)), r.warnings.join('; '));
  const only = textToPhones('你好');
  assert.notDeepEqual(only.phones, EMPTY);
  assert.equal(only.warnings.length, 1);
});

test('with transliteration off, other scripts are dropped with a warning', () => {
  const r = normalizeTextDetailed('Hello 你好世界 world مرحبا بالعالم!', { transliterate: false });
  assert.equal(r.text, 'Hello world!');
  assert.ok(r.warnings.some((w) => /dropped 16 character/.test(w)), r.warnings.join('; '));
});

test('emoji (including ZWJ sequences and flags) are removed without a crash', () => {
  const r = textToPhones('I 😀 love 👨‍👩‍👧 pizza 🇬🇧 🍕.');
  assert.equal(r.normalized, 'I love pizza.');
  const lone = textToPhones('\uD83D'); // lone surrogate
  assert.deepEqual(lone.phones, EMPTY);
});

test('NUL and other control characters are removed', () => {
  assert.equal(normalizeForSpeech('a\u0000b\u0007c\u001Bd\u007Fe\u0085f').text, 'a b c d e f');
  assert.equal(normalizeForSpeech('zero\u200Bwidth\uFEFF').text, 'zerowidth');
  const r = textToPhones('\u0000\u0001\u0002');
  assert.deepEqual(r.phones, EMPTY);
});

test('numbers with 40 digits are read digit by digit; 36 digits as a cardinal', () => {
  const forty = '1234567890'.repeat(4);
  const spoken = normalizeForSpeech(forty).text;
  assert.equal(spoken.split(' ').length, 40);
  assert.ok(spoken.startsWith('one two three four'));
  assert.ok(normalizeForSpeech('1' + '0'.repeat(33)).text === 'one decillion');
  assert.ok(normalizeForSpeech(`$${forty}`).text.endsWith('dollars'));
  assert.ok(normalizeForSpeech(`${forty}th`).text.startsWith('number one two'));
  assert.ok(normalizeForSpeech(`-${forty}.5%`).text.startsWith('minus one two'));
  const r = textToPhones(forty);
  assert.equal(r.words.length, 40);
});

test('odd numeric forms do not throw', () => {
  for (const t of ['99:99', '32/13/2024', '2024-13-45', '$', '$.', '%', '1e10', '0x1F', '1..2', '--5', '$-5', '5/0', '0/0', '+', '#', '...5', '1,00,000', '13:00 pm', '00:00']) {
    const r = textToPhones(t);
    assert.ok(Array.isArray(r.phones), t);
    assert.ok(!/\d/.test(r.normalized), `${t} -> ${r.normalized}`);
  }
});

test('a 200,000-character text is processed in linear time', () => {
  const unit = 'On May 5, 2024, Dr. Smith paid $3.50 for 2 coffees at 8:30 am; the FBI (and NASA) said "wow" 😀 你好. ';
  const make = (n: number): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  const time = (s: string): number => {
    let best = Infinity;
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      textToSentences(s);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  textToSentences(make(2000)); // warm up
  const small = time(make(50_000));
  const big = time(make(200_000));
  assert.ok(big < 15_000, `200k chars took ${big} ms`);
  // 4x the text should take about 4x the time; quadratic behaviour would be ~16x.
  assert.ok(big / Math.max(small, 1) < 10, `ratio ${big / small} (${small} ms, ${big} ms)`);
  const sentences = textToSentences(make(200_000));
  assert.ok(sentences.length > 1000);
});

test('pathological repetitions stay fast', () => {
  for (const p of ['7', '.', '1,', 'a-', '{', 'a.', ' ', "'", '1:', '$1', 'U.S. ', '(']) {
    const s = p.repeat(Math.ceil(100_000 / p.length));
    const t0 = performance.now();
    textToSentences(s);
    const ms = performance.now() - t0;
    assert.ok(ms < 5000, `${JSON.stringify(p)} x ${s.length}: ${ms} ms`);
  }
});

test('sentence splitting', () => {
  assert.deepEqual(splitSentences('Hi there. How are you? Fine! Bye'), ['Hi there.', 'How are you?', 'Fine!', 'Bye']);
  assert.deepEqual(splitSentences('one\ntwo\n\nthree'), ['one', 'two', 'three']);
  const long = Array.from({ length: 100 }, (_, i) => (i === 59 ? 'w,' : 'w')).join(' ');
  const parts = splitSentences(long, { maxWords: 80 });
  assert.equal(parts.length, 2);
  assert.equal(parts[0]!.split(' ').length, 60);
  const s = textToSentences('Mr. Smith arrived at 5 p.m. He left. Dr. Who stayed, e.g. all night.');
  assert.deepEqual(s.map((r) => r.normalized), [
    'mister Smith arrived at five P M.', 'He left.', 'doctor Who stayed, for example all night.',
  ]);
});
