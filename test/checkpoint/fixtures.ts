// The checkpoint fixtures of test/fixtures (made by make_ckpt.py) and the values they hold.
import { join } from 'node:path';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { goldenDir, repoRoot } from '../golden.js';

export const FIXTURES = join(repoRoot, 'test', 'fixtures');

/** The values the fixtures were made from. */
export function expectedParams(): Map<string, { shape: number[]; data: Float32Array }> {
  const st = readSafetensors(join(goldenDir('prodiff'), 'teacher_train.safetensors'));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, t] of st.tensors) if (k.startsWith('param.')) out.set(k.slice(6), { shape: t.shape, data: t.data as Float32Array });
  return out;
}

export const INT64_BUFFER = [0n, 1n, -5n, 2n ** 40n + 3n, -(2n ** 62n)];

