import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, ParamStore } from '../../src/engine/index.js';
import {
  convertHifiganCheckpoint, convertHifiganCheckpointFile, foldWeightNorm, hifiganConfigFromJson, hifiganGraph, HifiganVocoder,
  HIFIGAN_V1, HIFIGAN_V2, HIFIGAN_V3, hifiganHop,
} from '../../src/model/hifigan.js';
import { createVocoder, vocoderTypes } from '../../src/model/vocoder.js';
import { PRODIFF_MEL } from '../../src/audio/mel.js';
import { FIXTURES } from '../checkpoint/fixtures.js';
import { maxAbsDiff } from '../compare.js';

for (const kind of ['1', '2']) {
  test(`hifigan: parity with PyTorch, resblock type ${kind} (shapes inferred and from config.json)`, async () => {
    const io = readSafetensors(join(FIXTURES, `hifigan_tiny_${kind}_io.safetensors`));
    const mel = io.tensors.get('mel')!;
    const wav = io.tensors.get('wav')!;
    const json = JSON.parse(readFileSync(join(FIXTURES, `hifigan_tiny_${kind}.json`), 'utf-8')) as Record<string, unknown>;
    const fromJson = hifiganConfigFromJson(json);
    const inferred = convertHifiganCheckpoint(join(FIXTURES, `hifigan_tiny_${kind}.pt`));
    assert.deepEqual({ ...inferred.config }, { ...fromJson });
    const dir = mkdtempSync(join(tmpdir(), 'hifigan-'));
    try {
      const out = join(dir, 'g.safetensors');
      convertHifiganCheckpointFile(join(FIXTURES, `hifigan_tiny_${kind}.pt`), out, fromJson);
      const meta = readSafetensors(out).metadata;
      assert.equal(meta.format, 'hifigan-generator');
      const cfg = { ...fromJson, melLog: 'log10' as const };
      const frames = mel.shape[2]!;
      const v = await HifiganVocoder.fromParams(ParamStore.fromSafetensors(out), cfg, { mel: { ...PRODIFF_MEL, nMels: cfg.mels, hop: hifiganHop(cfg) } });
      const y = await v.generate(mel.data as Float32Array, frames);
      const err = maxAbsDiff(y, wav.data as Float32Array);
      process.stdout.write(`# hifigan type ${kind}: ${y.length} samples, max |ours - torch| = ${err.toExponential(2)}\n`);
      assert.ok(err < 1e-4, `max abs error ${err}`);
      // synthesize takes [frames, mels] and returns frames * hop samples.
      const tm = new Float32Array(frames * cfg.mels);
      const src = mel.data as Float32Array;
      for (let t = 0; t < frames; t++) for (let m = 0; m < cfg.mels; m++) tm[t * cfg.mels + m] = src[m * frames + t]!;
      const y2 = await v.synthesize(tm, frames);
      assert.equal(y2.length, frames * hifiganHop(cfg));
      assert.ok(maxAbsDiff(y2, y) < 1e-6);
      await v.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('hifigan: weight norm folding over every dim but 0', () => {
  const v = Float32Array.from([3, 4, 0, 0, 1, 0]);
  const w = foldWeightNorm(Float32Array.from([10, 2]), v, [2, 3, 1]);
  assert.deepEqual([...w].map((x) => Math.round(x * 1e6) / 1e6), [6, 8, 0, 0, 2, 0]);
});

test('hifigan: V1/V2/V3 graphs build with the official parameter names and shapes', () => {
  const v1 = hifiganGraph(HIFIGAN_V1);
  assert.deepEqual(v1.params.get('conv_pre.weight')!.shape, [512, 80, 7]);
  assert.deepEqual(v1.params.get('ups.0.weight')!.shape, [512, 256, 16]);
  assert.deepEqual(v1.params.get('resblocks.11.convs2.2.weight')!.shape, [32, 32, 11]);
  assert.deepEqual(v1.params.get('conv_post.weight')!.shape, [1, 32, 7]);
  const v2 = hifiganGraph(HIFIGAN_V2);
  assert.deepEqual(v2.params.get('ups.3.weight')!.shape, [16, 8, 4]);
  const v3 = hifiganGraph(HIFIGAN_V3);
  assert.deepEqual(v3.params.get('resblocks.8.convs.1.weight')!.shape, [32, 32, 7]);
  assert.ok(!v3.params.has('ups.3.weight'));
  for (const c of [HIFIGAN_V1, HIFIGAN_V2, HIFIGAN_V3]) assert.equal(hifiganHop(c), 256);
});

test("hifigan: registered as a vocoder type; needs a weights file", async () => {
  assert.ok(vocoderTypes().includes('hifigan'));
  await assert.rejects(createVocoder('hifigan', { mel: PRODIFF_MEL }), /weights file/);
});

test('hifigan: prodiff convert --hifigan (CLI), and a clear error for other checkpoints', async () => {
  const { run } = await import('../../src/cli/convert.js');
  const dir = mkdtempSync(join(tmpdir(), 'hifigan-cli-'));
  const write = process.stdout.write;
  const errWrite = process.stderr.write;
  let err = '';
  try {
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    const out = join(dir, 'g.safetensors');
    assert.equal(await run(['--hifigan', join(FIXTURES, 'hifigan_tiny_2.pt'), out, '--config', join(FIXTURES, 'hifigan_tiny_2.json')]), 0);
    const cfg = JSON.parse(readSafetensors(out).metadata.config!) as { resblock: number; upsampleRates: number[] };
    assert.equal(cfg.resblock, 2);
    assert.deepEqual(cfg.upsampleRates, [4, 2]);
    assert.equal(await run(['--hifigan', join(FIXTURES, 'prodiff_tiny_zip.ckpt'), join(dir, 'x.safetensors')]), 1);
    assert.match(err, /not a HiFi-GAN generator/);
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
    rmSync(dir, { recursive: true, force: true });
  }
});
