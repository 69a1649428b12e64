import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignTokens, AlignmentError, durationsToMel2ph } from '../../src/data/align.js';
import type { AlignedPhone } from '../../src/data/festival.js';
import { textToPhones } from '../../src/text/index.js';

const P = (phone: string, start: number, end: number, word = ''): AlignedPhone => ({ phone, start, end, word });
// 100 frames per second: sampleRate 100 * hop 1.
const align = (text: string, phones: AlignedPhone[], frames: number) => alignTokens(textToPhones(text), phones, frames, 100, 1);

test('pauses go to BOS, punctuation, | and EOS; durations sum to the frame count', () => {
  const phones = [
    P('sil', 0, 0.1), P('HH', 0.1, 0.2, 'hi'), P('AY1', 0.2, 0.3, 'hi'), P('sil', 0.3, 0.5),
    P('Y', 0.5, 0.6, 'you'), P('UW1', 0.6, 0.7, 'you'), P('sil', 0.7, 0.75), P('T', 0.75, 0.8, 'too'), P('UW1', 0.8, 0.9, 'too'), P('sil', 0.9, 1.0),
  ];
  const a = align('Hi, you too.', phones, 100);
  assert.deepEqual(a.tokens, ['<BOS>', 'HH', 'AY1', ',', 'Y', 'UW1', '|', 'T', 'UW1', '<EOS>']);
  assert.deepEqual(a.durations, [10, 10, 10, 20, 10, 10, 5, 5, 10, 10]);
  assert.equal(a.durations.reduce((x, y) => x + y, 0), 100);
  assert.deepEqual(Array.from(durationsToMel2ph([2, 0, 3])), [1, 1, 3, 3, 3]);
});

test('a hyphenated text word may cover several aligner words; mismatches are clear errors', () => {
  const phones = [P('sil', 0, 0.1), P('W', 0.1, 0.2, 'well'), P('B', 0.2, 0.3, 'being'), P('sil', 0.3, 0.4)];
  const a = align('Well-being', phones, 40);
  assert.deepEqual(a.tokens, ['<BOS>', 'W', 'B', '<EOS>']);
  assert.throws(() => align('Hello', phones, 40), AlignmentError);
  assert.throws(() => align('Well-being and more', phones, 40), /no counterpart/);
});
