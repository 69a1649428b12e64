import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cmuDict, cmuDictFromPackage } from '../../src/text/cmudict.js';
import { CompactDictError, decodeCompactDict, encodeCompactDict } from '../../src/text/cmudict-compact.js';

test('compact dictionary: the whole CMU dictionary survives encode/decode exactly', () => {
  const dict = cmuDictFromPackage();
  const bytes = encodeCompactDict(dict);
  const back = decodeCompactDict(bytes);
  assert.equal(back.size, dict.size);
  for (const [w, p] of dict) assert.deepEqual(back.get(w), p, w);
  // The point of the format: well under the npm module's 4.7 MB of JavaScript.
  assert.ok(bytes.length < 1.5e6, `${bytes.length} bytes`);
});

test("the run-time dictionary (the build's compact file) is the npm package's, entry for entry", () => {
  const fromPackage = cmuDictFromPackage();
  const runtime = cmuDict();
  assert.equal(runtime.size, fromPackage.size);
  assert.ok(fromPackage.size > 120_000, `${fromPackage.size} entries`);
  const a = [...runtime];
  let i = 0;
  for (const entry of fromPackage) assert.deepEqual(a[i++], entry);
});

test('compact dictionary: byte layout of a two-word dictionary (front coding, phone ids with the high bit)', () => {
  const bytes = encodeCompactDict(new Map([['cat', ['K', 'AE1', 'T']], ['cab', ['K', 'AE1', 'B']]]));
  // phones sorted: AE1=0, B=1, K=2, T=3; words sorted: cab, cat (shares 'ca')
  const expected = [
    ...'PDC1'.split('').map((c) => c.charCodeAt(0)), 2, 0, 0, 0, 4,
    ...[...'AE1'].map((c) => c.charCodeAt(0)), 0, 'B'.charCodeAt(0), 0, 'K'.charCodeAt(0), 0, 'T'.charCodeAt(0), 0,
    0, ...[...'cab'].map((c) => c.charCodeAt(0)), 0x82, 0x80, 0x81,
    2, 't'.charCodeAt(0), 0x82, 0x80, 0x83,
  ];
  assert.deepEqual([...bytes], expected);
  assert.deepEqual([...decodeCompactDict(bytes)], [['cab', ['K', 'AE1', 'B']], ['cat', ['K', 'AE1', 'T']]]);
});

test('compact dictionary: corrupt or foreign bytes are a CompactDictError, never garbage', () => {
  const good = encodeCompactDict(new Map([['cat', ['K', 'AE1', 'T']], ['dog', ['D', 'AO1', 'G']]]));
  const bad = (b: Uint8Array, re: RegExp) => assert.throws(() => decodeCompactDict(b), (e: Error) => e instanceof CompactDictError && re.test(e.message));
  bad(new TextEncoder().encode('{"cat": "K AE1 T"}'), /no PDC1 header/);
  bad(good.subarray(0, good.length - 4), /entries|no phones/);
  bad(Uint8Array.from([...good, 0, 0x61, 0x80]), /bytes after the last entry/); // an entry beyond the count
  const shared = Uint8Array.from(good);
  shared[good.indexOf('c'.charCodeAt(0)) - 1] = 9; // the first word claims a 9-character shared prefix
  bad(shared, /shares 9 characters/);
  assert.throws(() => encodeCompactDict(new Map([['café', ['K']]])), /not plain ASCII/);
  assert.throws(() => encodeCompactDict(new Map([['x', []]])), /has no phones/);
});
