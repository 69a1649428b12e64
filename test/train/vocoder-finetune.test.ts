// Vocoder fine-tuning on acoustic-model mels, on the committed tiny corpus: the precomputed mels
// (skip-finished, tied to their model), their frame alignment with the recordings, and a
// `train-vocoder --init` run that starts from another run's weights and resumes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAudio, numFrames, PRODIFF_MEL } from '../../src/audio/index.js';
import { preprocess, readCacheIndex } from '../../src/data/preprocess.js';
import { forcedMel, precomputeAcousticMels, readCacheUtterance } from '../../src/data/acoustic-mels.js';
import { CacheVocoderCorpus } from '../../src/data/cache-vocoder-corpus.js';
import { SegmentSampler } from '../../src/data/vocoder-data.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { loadAcousticModel } from '../../src/model/load-acoustic.js';
import { trainTeacher } from '../../src/train/teacher.js';
import { readRunConfig, trainVocoder, type StepRecord } from '../../src/train/vocoder.js';
import { run as cli } from '../../src/cli/train-vocoder.js';
import { CORPUS_TINY, TINY_TEACHER, TINY_VOCODER, TINY_VOCODER_TRAIN } from '../tiny.js';

const readLog = (dir: string): StepRecord[] => readFileSync(join(dir, 'log.jsonl'), 'utf-8').trim().split('\n').map((l) => JSON.parse(l) as StepRecord);

let dir: string, cache: string, teacher: string, mels: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prodiff-vocft-'));
  cache = join(dir, 'cache');
  await preprocess(CORPUS_TINY, cache, { workers: 1 });
  teacher = join(dir, 'teacher');
  await trainTeacher({ config: TINY_TEACHER, cache, out: teacher, resume: false, maxSteps: 2, log: () => {} });
  mels = join(dir, 'mels');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('acoustic-model mels: one per train utterance, the model with forced durations; a rerun skips finished ones', async () => {
  const train = readCacheIndex(cache).utterances.filter((u) => u.split === 'train');
  const r = await precomputeAcousticMels({ cache, acoustic: teacher, out: mels, threads: 1 });
  assert.deepEqual([r.total, r.computed, r.skipped], [train.length, train.length, 0]);
  const { model } = await loadAcousticModel(teacher, 1);
  const e = train[0]!;
  const stored = readSafetensors(join(mels, `${e.id}.safetensors`)).tensors.get('mel')!;
  assert.deepEqual(stored.shape, [e.frames, 80]);
  assert.deepEqual(stored.data, await forcedMel(model, readCacheUtterance(cache, e.id), e, 0), 'the stored mel is the model run with the same seed');

  const progress: number[] = [];
  const again = await precomputeAcousticMels({ cache, acoustic: teacher, out: mels, onProgress: (d) => progress.push(d) });
  assert.deepEqual([again.computed, again.skipped], [0, train.length]);
  assert.deepEqual(progress, [train.length]);
  // A missing and a truncated (unreadable) file are made again, and only those.
  rmSync(join(mels, `${train[1]!.id}.safetensors`));
  writeFileSync(join(mels, `${train[2]!.id}.safetensors`), 'torn');
  assert.equal((await precomputeAcousticMels({ cache, acoustic: teacher, out: mels })).computed, 2);
  // Mels of another seed (or model) are not mixed into the folder.
  await assert.rejects(precomputeAcousticMels({ cache, acoustic: teacher, out: mels, seed: 1 }), /holds mels of .* seed 0.*seed 1/);
});

test('cache corpus: recording and mel frames align (model mels and ground truth), and so do sampled segments', async () => {
  await precomputeAcousticMels({ cache, acoustic: teacher, out: mels });
  const hop = PRODIFF_MEL.hop;
  const model = new CacheVocoderCorpus(cache, { mels });
  const gt = new CacheVocoderCorpus(cache);
  const train = readCacheIndex(cache).utterances.filter((u) => u.split === 'train');
  assert.deepEqual(model.entries.map((e) => e.id), train.map((e) => e.id), 'train split only');
  for (let i = 0; i < model.size; i++) {
    const u = model.utterance(i);
    const rec = loadAudio(join(CORPUS_TINY, 'wavs', `${u.id}.wav`), PRODIFF_MEL.sampleRate).samples;
    assert.deepEqual(u.wav, rec, 'the audio is the recording');
    assert.equal(model.length(i), rec.length);
    assert.equal(u.mel!.length, numFrames(rec.length, hop) * 80, 'frames = 1 + floor(samples / hop)');
    assert.deepEqual(u.mel, readSafetensors(join(mels, `${u.id}.safetensors`)).tensors.get('mel')!.data);
    assert.deepEqual(gt.utterance(i).mel, readCacheUtterance(cache, u.id).mel);
  }
  // Each segment: audio f*hop .. (f+K)*hop of a recording with model-mel frames f .. f+K.
  const K = 8;
  const b = new SegmentSampler(model, { batch: 6, segmentFrames: K, mel: PRODIFF_MEL }, 3).next();
  for (let k = 0; k < b.batch; k++) {
    const seg = b.wav.subarray(k * b.samples, (k + 1) * b.samples);
    let found = false;
    for (let i = 0; i < model.size && !found; i++) {
      const u = model.utterance(i);
      for (let f = 0; (f + K) * hop <= u.wav.length && !found; f++) {
        if (!u.wav.subarray(f * hop, (f + K) * hop).every((v, j) => v === seg[j])) continue;
        for (let t = 0; t <= K; t++) for (let m = 0; m < 80; m += 9) assert.equal(b.mel[(k * 80 + m) * (K + 1) + t], u.mel![(f + t) * 80 + m]);
        found = true;
      }
    }
    assert.ok(found, `segment ${k} is not a hop-aligned slice of a recording`);
  }
  assert.throws(() => new CacheVocoderCorpus(cache, { mels: join(dir, 'nowhere') }), /no acoustic-model mel for \d+ of \d+ 'train' utterances/);
});

test('train-vocoder --init: a new run starts from the source weights (fresh optimiser), on acoustic mels, and resumes', async () => {
  const src = join(dir, 'voc-src');
  await trainVocoder(new CacheVocoderCorpus(cache), src, TINY_VOCODER_TRAIN, { steps: 2, checkpointEvery: 2 });
  const ft = join(dir, 'voc-ft');
  const base = ['--data', cache, '--acoustic', teacher, '--mels', mels, '--init', src, '--out', ft, '--checkpoint-every', '2'];
  await assert.rejects(cli([...base, '--dim', '32', '--steps', '0']), /--init takes the model of .*--dim/);
  // Step 0: the checkpoint holds exactly the source run's parameters, and zero moments.
  assert.equal(await cli([...base, '--steps', '0', '--lr', '1e-4']), 0);
  const cfg = readRunConfig(ft)!;
  assert.deepEqual(cfg.model, TINY_VOCODER);
  assert.equal(cfg.lr, 1e-4);
  assert.equal(cfg.batch, TINY_VOCODER_TRAIN.batch, 'training options default to the source run\'s');
  assert.equal(cfg.init!.step, 2);
  assert.equal(cfg.data!.kind, 'acoustic-mels');
  const srcIdx = JSON.parse(readFileSync(join(src, 'checkpoint.json'), 'utf-8')) as { generator: string; discriminator: string };
  for (const [mine, theirs] of [['ckpt/gen-00000000.safetensors', srcIdx.generator], ['ckpt/disc-00000000.safetensors', srcIdx.discriminator]] as const) {
    const a = readSafetensors(join(ft, mine)).tensors, b = readSafetensors(join(src, theirs)).tensors;
    const names = [...a.keys()].filter((n) => !n.startsWith('adam_'));
    assert.ok(names.length > 0);
    for (const n of names) assert.deepEqual(a.get(n)!.data, b.get(n)!.data, `${mine}: ${n} differs from the source`);
    for (const n of [...a.keys()].filter((x) => x.startsWith('adam_'))) assert.ok((a.get(n)!.data as Float32Array).every((v) => v === 0), `${n} is not fresh`);
  }
  // The validation mel L1 at step 0 is the source generator's on the fine-tune's data.
  assert.ok(Number.isFinite((readLog(ft)[0]!.valid as unknown as { mel_l1: number }).mel_l1));

  // Resume without --data: the run reuses its own data and configuration.
  assert.equal(await cli(['--out', ft, '--steps', '2']), 0);
  assert.equal(await cli(['--out', ft, '--steps', '3', '--init', src]), 0);
  assert.deepEqual(readLog(ft).filter((r) => r.g_loss !== undefined).map((r) => r.step), [1, 2, 3]);
  assert.ok(readLog(ft).filter((r) => r.g_loss !== undefined).every((r) => typeof r.d_loss === 'number'), 'no mel-only pre-training in a fine-tune');
  assert.ok(existsSync(join(ft, 'generator.onnx')));
  await assert.rejects(cli(['--data', cache, '--out', ft, '--steps', '4']), /trains on the train split of .*acoustic-mels|resume it without --data/);
});

test('train-vocoder --init GENERATOR.safetensors: the generator from the file, fresh discriminators of the given shape', async () => {
  const src = join(dir, 'voc-src-file');
  await trainVocoder(new CacheVocoderCorpus(cache), src, TINY_VOCODER_TRAIN, { steps: 2, checkpointEvery: 2 });
  const file = join(src, 'generator.safetensors');
  const out = join(dir, 'voc-from-file');
  const base = ['--data', cache, '--init', file, '--out', out, '--periods', '2,3,256', '--mpd-channels', '4,4,4,4,4', '--mrd-ffts', '512', '--mrd-channels', '4', '--batch', '2', '--segment-frames', '8'];
  await assert.rejects(cli([...base, '--dim', '32', '--steps', '0']), /fixes the generator's size.*--dim/);
  await assert.rejects(cli(['--data', cache, '--init', join(src, 'checkpoint.json'), '--out', join(dir, 'nope'), '--steps', '0']), /not a vocoder run|checkpoint/);
  assert.equal(await cli([...base, '--steps', '0']), 0);
  const cfg = readRunConfig(out)!;
  assert.deepEqual(cfg.model.generator, TINY_VOCODER.generator, 'the generator configuration is the file\'s');
  assert.deepEqual(cfg.model.mpd.periods, [2, 3, 256]);
  assert.equal(cfg.pretrainMelSteps, 0);
  assert.deepEqual([cfg.init!.generator, cfg.init!.discriminator], [file, undefined]);
  const gen = readSafetensors(join(out, 'ckpt/gen-00000000.safetensors')).tensors;
  const fromFile = readSafetensors(file).tensors;
  for (const [n, t] of fromFile) assert.deepEqual(gen.get(n)!.data, t.data, `${n} differs from the file`);
  const disc = readSafetensors(join(out, 'ckpt/disc-00000000.safetensors')).tensors;
  const mpdIndices = new Set([...disc.keys()].flatMap((n) => /mpd\.discriminators\.(\d+)\./.exec(n)?.[1] ?? []));
  assert.deepEqual([...mpdIndices].sort(), ['0', '1', '2'], 'one period discriminator per period, 256 included');
  // Training goes on from there: two GAN steps (no mel-only pre-training).
  assert.equal(await cli(['--out', out, '--steps', '2']), 0);
  assert.ok(readLog(out).filter((r) => r.g_loss !== undefined).every((r) => typeof r.d_loss === 'number'));
});
