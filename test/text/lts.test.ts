import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cmuDict } from '../../src/text/cmudict.js';
import { predictPhones } from '../../src/text/lts.js';
import { isHeldOut } from '../../src/text/lts-train.js';

test('OOV model on held-out dictionary words (sample): PER and WER within the reported bounds', () => {
  let n = 0, wrong = 0, edits = 0, total = 0;
  for (const [w, ref] of cmuDict()) {
    if (!/^[a-z]{2,}$/.test(w) || !isHeldOut(w)) continue;
    if (n++ >= 1500) break;
    const hyp = predictPhones(w);
    // Cheap edit distance.
    const d: number[] = Array.from({ length: ref.length + 1 }, (_, j) => j);
    for (let i = 1; i <= hyp.length; i++) {
      let diag = d[0]!;
      d[0] = i;
      for (let j = 1; j <= ref.length; j++) {
        const t = d[j]!;
        d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, diag + (hyp[i - 1] === ref[j - 1] ? 0 : 1));
        diag = t;
      }
    }
    if (d[ref.length]! > 0) wrong++;
    edits += d[ref.length]!;
    total += ref.length;
  }
  const per = edits / total;
  const wer = wrong / n;
  assert.ok(per < 0.2, `PER ${per}`);
  assert.ok(wer < 0.6, `WER ${wer}`);
});

test('OOV model examples', () => {
  assert.deepEqual(predictPhones('blick'), ['B', 'L', 'IH1', 'K']);
  assert.ok(predictPhones('zxqv').length > 0);
  assert.deepEqual(predictPhones(''), []);
});
