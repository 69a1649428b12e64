import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/cli/features.js';
import { UsageError } from '../../src/cli/args.js';
import { writeWav } from '../../src/audio/wav.js';
import { readSafetensors } from '../../src/engine/safetensors.js';

test('prodiff features writes a PNG and a safetensors file with mel, energy and pitch', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'feat-'));
  const sr = 44100;
  const y = Float32Array.from({ length: sr / 2 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 180 * i) / sr));
  writeWav(path.join(dir, 'in.wav'), y, sr);
  const png = path.join(dir, 'mel.png'), out = path.join(dir, 'f.safetensors');
  const log = console.log;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let rc: number;
  try { rc = await run([path.join(dir, 'in.wav'), '--png', png, '--out', out]); } finally { process.stdout.write = write; console.log = log; }
  assert.equal(rc, 0);
  assert.deepEqual([...readFileSync(png).subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const st = readSafetensors(out);
  const T = 1 + Math.floor(11025 / 256);
  assert.deepEqual(st.tensors.get('mel')!.shape, [T, 80]);
  assert.deepEqual(st.tensors.get('f0')!.shape, [T]);
  const f0 = st.tensors.get('f0')!.data as Float64Array;
  const voiced = [...f0].filter((f) => f > 0);
  assert.ok(voiced.length > T / 2);
  for (const f of voiced) assert.ok(Math.abs(f - 180) < 1, `f0 ${f}`);
  assert.equal(st.metadata.module, 'audio_frontend');
});

test('prodiff features: usage errors are UsageErrors (exit 2 from main)', async () => {
  await assert.rejects(run([]), (e: Error) => e instanceof UsageError && /missing input WAV/.test(e.message));
  await assert.rejects(run(['a.wav', '--bogus']), (e: Error) => e instanceof UsageError && /unknown option --bogus/.test(e.message));
});
