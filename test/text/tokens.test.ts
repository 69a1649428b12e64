import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PhoneVocab, defaultPhoneSet, textToPhones } from '../../src/text/index.js';

// The phone_set of the golden vectors' small official config (shared/golden/prodiff).
const GOLDEN_SET = ['!', ',', '.', '<BOS>', '<EOS>', '?', 'AA0', 'AA1', 'AE1', 'AH0', 'AH1', 'AO1', 'AW1', 'AY1',
  'B', 'CH', 'D', 'DH', 'EH1', 'ER0', 'ER1', 'EY1', 'F', 'G', 'HH', 'IH0', 'IH1', 'IY0', 'IY1', 'JH', 'K', 'L',
  'M', 'N', 'NG', 'OW1', 'P', '|'];

test('reserved ids and official phone_set mapping', () => {
  const v = PhoneVocab.fromPhoneSet(GOLDEN_SET);
  assert.equal(v.size, 40); // vocab 40 in the golden config
  assert.equal(v.id('<pad>'), 0);
  assert.equal(v.id('<EOS>'), 1);
  assert.equal(v.id('<UNK>'), 2);
  assert.equal(v.id('!'), 3);
  assert.equal(v.id('<BOS>'), 6);
  assert.equal(v.id('?'), 7); // <EOS> in the list is skipped
  assert.equal(v.id('|'), 39);
  assert.equal(v.id('ZH'), 2);
  assert.deepEqual(v.decode([0, 1, 2, 3]), ['<pad>', '<EOS>', '<UNK>', '!']);
  const comma = PhoneVocab.fromPhoneSet(GOLDEN_SET, ',');
  assert.equal(comma.id('ZH'), comma.id(','));
});

test('phone_set.json loading and errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-text-'));
  const f = join(dir, 'phone_set.json');
  writeFileSync(f, JSON.stringify(GOLDEN_SET));
  assert.equal(PhoneVocab.fromFile(f).id('P'), 38);
  writeFileSync(f, '{"a": 1}');
  assert.throws(() => PhoneVocab.fromFile(f), /JSON array/);
  writeFileSync(f, 'not json');
  assert.throws(() => PhoneVocab.fromFile(f), /cannot read phone set/);
  assert.throws(() => PhoneVocab.fromFile(join(dir, 'missing.json')), /cannot read phone set/);
  assert.throws(() => PhoneVocab.fromPhoneSet(['A', 'A']), /duplicate/);
});

test('default phone set: sorted, 69 phones + punctuation + | + <BOS> + <EOS>', () => {
  const set = defaultPhoneSet();
  assert.equal(set.length, 69 + 6 + 3);
  assert.deepEqual([...set].sort(), set);
  const v = PhoneVocab.default();
  assert.equal(v.size, 3 + set.length - 1);
  assert.equal(v.id('!'), 3);
});

test('ProDiff token conventions: <BOS>, |, punctuation, trailing marks dropped, <EOS>', () => {
  const r = textToPhones('Hello, world!');
  assert.deepEqual(r.phones, ['<BOS>', 'HH', 'AH0', 'L', 'OW1', ',', 'W', 'ER1', 'L', 'D', '<EOS>']);
  const r2 = textToPhones('"Oh... hi there?"');
  assert.deepEqual(r2.phones, ['<BOS>', 'OW1', '.', 'HH', 'AY1', '|', 'DH', 'EH1', 'R', '<EOS>']);
  const v = PhoneVocab.default();
  assert.deepEqual(r.ids, v.encode(r.phones));
  assert.equal(r.ids[r.ids.length - 1], 1);
  const bare = textToPhones('Hello world', { addBosEos: false, wordSeparator: false });
  assert.deepEqual(bare.phones, ['HH', 'AH0', 'L', 'OW1', 'W', 'ER1', 'L', 'D']);
});

test('word index ranges cover each word exactly', () => {
  const r = textToPhones('The cat, sat.');
  const spans = r.words.map((w) => [w.text, w.kind, r.phones.slice(w.start, w.end).join(' ')]);
  assert.deepEqual(spans, [
    ['The', 'word', 'DH AH0'],
    ['cat', 'word', 'K AE1 T'],
    [',', 'punctuation', ','],
    ['sat', 'word', 'S AE1 T'],
  ]);
  const g = PhoneVocab.fromPhoneSet(GOLDEN_SET);
  const r3 = textToPhones('big bag', { vocab: g });
  // B = 16, IH1 = 28, G = 25, | = 39, AE1 = 10 (list position - 1 for the skipped <EOS>, + 3).
  assert.deepEqual(r3.ids, [6, 16, 28, 25, 39, 16, 10, 25, 1]);
  assert.ok(r3.warnings.length === 0);
});
