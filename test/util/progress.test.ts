import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from '../../src/util/progress.js';

test('progress: no rate on the first line (not 1e9 steps/s), the real rate and ETA later', () => {
  let now = 1_000_000;
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WriteStream;
  const p = new Progress({ label: 'train', total: 100, unit: 'steps', stream }, 0, () => now);
  p.update(1);
  assert.match(lines[0]!, /1\/100 1% -- steps\/s ETA --:--/);
  now += 10_000;
  p.update(21);
  assert.match(lines[1]!, /21\/100 21% 2\.10 steps\/s ETA 0:37/);
  // Resumed at 50: the rate counts the steps of this session only.
  const r = new Progress({ label: 'train', total: 100, unit: 'steps', stream }, 50, () => now);
  now += 5_000;
  r.update(60);
  assert.match(lines[2]!, /60\/100 60% 2\.00 steps\/s ETA 0:20/);
});
