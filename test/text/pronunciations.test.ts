import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PronouncingTable, TableBuilder } from '../../src/text/pronunciations.js';

const entries: Array<[string, string[]]> = [
  ['cat', ['K', 'AE1', 'T']],
  ['a', ['AH0']],
  ["a's", ['EY1', 'Z']],
  ['ab', ['AE1', 'B']],
  ['abc', ['EY1', 'B', 'IY1', 'S', 'IY1']],
  ['zz', ['Z', 'IY1', 'Z', 'IY1']],
  ['b', ['B', 'IY1']],
];

test('pronouncing table: every entry found, misses (prefixes, extensions, other case, non-ASCII) are undefined', () => {
  const t = PronouncingTable.fromEntries(entries);
  const ref = new Map(entries);
  assert.equal(t.size, ref.size);
  for (const [w, p] of entries) {
    assert.deepEqual(t.get(w), p, w);
    assert.ok(t.has(w));
  }
  for (const miss of ['', 'ca', 'cats', 'abcd', 'aa', "a'", 'Cat', 'CAT', 'zzz', '{', 'café', 'ä', '\u{1F600}']) {
    assert.equal(t.get(miss), undefined, miss);
    assert.equal(t.has(miss), false, miss);
  }
  // Iteration is in code-unit order, as Array.prototype.sort orders strings.
  assert.deepEqual([...t.keys()], [...ref.keys()].sort());
  assert.deepEqual([...t], [...ref.keys()].sort().map((w) => [w, ref.get(w)]));
});

test('pronouncing table: get returns a fresh array (a caller changing it cannot change the dictionary)', () => {
  const t = PronouncingTable.fromEntries(entries);
  t.get('cat')!.push('S');
  assert.deepEqual(t.get('cat'), ['K', 'AE1', 'T']);
});

test('pronouncing table: agrees with a Map on 3000 random words and 3000 random misses', () => {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const letters = "abcdefghijklmnopqrstuvwxyz'.-";
  const word = () => Array.from({ length: 1 + Math.floor(rand() * 8) }, () => letters[Math.floor(rand() * letters.length)]).join('');
  const phones = ['AA1', 'B', 'K', 'T', 'IY0', 'S', 'Z', 'NG'];
  const ref = new Map<string, string[]>();
  while (ref.size < 3000) ref.set(word(), Array.from({ length: 1 + Math.floor(rand() * 6) }, () => phones[Math.floor(rand() * phones.length)]!));
  const t = PronouncingTable.fromEntries(ref);
  for (const [w, p] of ref) assert.deepEqual(t.get(w), p, w);
  for (let i = 0; i < 3000; i++) {
    const w = word();
    assert.deepEqual(t.get(w), ref.get(w), w);
  }
});

test('pronouncing table: bad input is an error naming the word', () => {
  assert.throws(() => PronouncingTable.fromEntries([['x', []]]), /'x' has no phones/);
  assert.throws(() => PronouncingTable.fromEntries([['naïve', ['N']]]), /'naïve' is not plain ASCII/);
  assert.throws(() => PronouncingTable.fromEntries([['x', ['K']], ['x', ['T']]]), /'x' is out of order or repeated/);
  const b = new TableBuilder();
  b.add('b', ['B']);
  assert.throws(() => b.add('a', ['AH0']), /'a' is out of order/);
  assert.throws(() => PronouncingTable.fromEntries([['', ['K']]]), /empty word/);
});
