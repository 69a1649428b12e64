import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trimEdgePauses } from '../../src/data/preprocess.js';

test('trimEdgePauses keeps at most the given pause at each end, cutting audio and times alike', () => {
  const rate = 100;
  const samples = Float32Array.from({ length: 300 }, (_, i) => i);
  const phones = [
    { phone: 'sil', start: 0, end: 1, word: '' },
    { phone: 'HH', start: 1, end: 1.5, word: 'hi' },
    { phone: 'AY1', start: 1.5, end: 2, word: 'hi' },
    { phone: 'sil', start: 2, end: 3, word: '' },
  ];
  const r = trimEdgePauses(samples, rate, phones, 0.2);
  assert.deepEqual(r.phones.map((p) => [p.phone, +p.start.toFixed(6), +p.end.toFixed(6)]), [['sil', 0, 0.2], ['HH', 0.2, 0.7], ['AY1', 0.7, 1.2], ['sil', 1.2, 1.4]]);
  assert.equal(r.samples.length, 140);
  assert.equal(r.samples[0], 80, 'audio starts 0.8 s in');
  assert.equal(phones[0]!.end, 1, 'the input is not modified');
  // Pauses already shorter than the limit, or no pauses: unchanged.
  const same = trimEdgePauses(samples, rate, phones.slice(1, 3).map((p) => ({ ...p, start: p.start - 1, end: p.end - 1 })), 0.2);
  assert.equal(same.samples.length, 100);
  assert.equal(same.phones[1]!.end, 1);
});
