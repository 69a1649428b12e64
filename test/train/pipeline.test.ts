// The training pipeline end to end on a tiny committed corpus (made once with Festival):
// preprocess -> teacher training -> the loss falls -> a resumed run continues from the same step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocess } from '../../src/data/preprocess.js';
import { synthesizeCorpus } from '../../src/data/festival.js';
import { readAlignment, readCorpus } from '../../src/data/corpus.js';
import { readSafetensors } from '../../src/engine/index.js';
import { trainTeacher } from '../../src/train/teacher.js';
import { distill } from '../../src/train/distill.js';
import { distillCommand } from '../../src/cli/distill.js';
import { loadProDiffWeights } from '../../src/model/checkpoint.js';
import { parseHparams } from '../../src/model/hparams.js';
import { repoRoot } from '../golden.js';

const corpusDir = join(repoRoot, 'test', 'fixtures', 'corpus-tiny');
const tinyConfig = parseHparams({
  hidden_size: 32, enc_layers: 1, num_heads: 2, enc_ffn_kernel_size: 9, residual_channels: 32, residual_layers: 2, dilation_cycle_length: 1,
  timesteps: 4, lr: 1.0, warmup_updates: 10, clip_grad_norm: 1, max_frames: 1200, max_sentences: 4, val_check_interval: 10, checkpoint_interval: 10, seed: 7, threads: 1,
  dropout: 0, predictor_dropout: 0,
}, 'tinyConfig');

function withTmp(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodiff-train-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('preprocess: tokens, durations and features of every utterance; rerun skips finished work', withTmp(async (dir) => {
  const cache = join(dir, 'cache');
  const idx = await preprocess(corpusDir, cache, { workers: 1 });
  assert.equal(idx.utterances.length, 6);
  assert.ok(idx.utterances.some((u) => u.split === 'valid') && idx.utterances.some((u) => u.split === 'test'));
  assert.ok(idx.f0.mean > 120 && idx.f0.mean < 300, `f0 mean ${idx.f0.mean}`);
  for (const u of idx.utterances) {
    const f = readSafetensors(join(cache, 'utts', `${u.id}.safetensors`));
    const durations = Array.from(f.tensors.get('durations')!.data as BigInt64Array, Number);
    const mel = f.tensors.get('mel')!;
    assert.equal(durations.reduce((a, b) => a + b, 0), mel.shape[0], 'durations sum to the mel length');
    assert.equal(f.tensors.get('mel2ph')!.shape[0], mel.shape[0]);
    assert.equal(mel.shape[1], 80);
    assert.match(f.metadata.phones!, /^<BOS> .* <EOS>$/);
  }
  const again = await preprocess(corpusDir, cache, { workers: 1, onProgress: () => {} });
  assert.deepEqual(again.utterances.map((u) => u.frames), idx.utterances.map((u) => u.frames));
}));

test('teacher training: the loss falls, and a resumed run continues from the same step', withTmp(async (dir) => {
  const cache = join(dir, 'cache');
  await preprocess(corpusDir, cache, { workers: 1 });
  const quiet = () => {};
  const runA = join(dir, 'a');
  await trainTeacher({ config: tinyConfig, cache, out: runA, resume: false, maxSteps: 40, log: quiet });
  const log = readFileSync(join(runA, 'log.jsonl'), 'utf-8').trim().split('\n').map((l) => JSON.parse(l) as { step?: number; loss?: number });
  const losses = log.filter((r) => typeof r.loss === 'number').map((r) => r.loss!);
  assert.equal(losses.length, 40);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-8)) < 0.8 * mean(losses.slice(0, 8)), `loss ${mean(losses.slice(0, 8))} -> ${mean(losses.slice(-8))}`);
  assert.ok(existsSync(join(runA, 'model.safetensors')));
  for (const png of ['loss.png', 'losses.png', 'valid-mel.png']) assert.ok(existsSync(join(runA, png)), `${png} written`);
  assert.throws(() => readSafetensors(join(runA, 'missing.safetensors')));
  await assert.rejects(trainTeacher({ config: tinyConfig, cache, out: runA, resume: false, maxSteps: 50, log: quiet }), /already exists/);

  // Run B: 20 steps, then resume to 40: the same losses as run A's steps 21..40.
  const runB = join(dir, 'b');
  await trainTeacher({ config: tinyConfig, cache, out: runB, resume: false, maxSteps: 20, log: quiet });
  await trainTeacher({ config: tinyConfig, cache, out: runB, resume: true, maxSteps: 40, log: quiet });
  const logB = readFileSync(join(runB, 'log.jsonl'), 'utf-8').trim().split('\n').map((l) => JSON.parse(l) as { step?: number; loss?: number });
  const resumed = logB.filter((r) => typeof r.loss === 'number' && r.step! > 20);
  assert.equal(resumed[0]!.step, 21);
  resumed.forEach((r, i) => assert.ok(Math.abs(r.loss! - losses[20 + i]!) < 1e-4 * (1 + losses[20 + i]!), `step ${r.step}: ${r.loss} vs ${losses[20 + i]}`));
}));

test('distillation 4 -> 2 -> 1 steps from a tiny teacher: stages, frozen encoder, validation, exact resume', withTmp(async (dir) => {
  const cache = join(dir, 'cache');
  await preprocess(corpusDir, cache, { workers: 1 });
  const quiet = () => {};
  const teacher = join(dir, 'teacher');
  await trainTeacher({ config: tinyConfig, cache, out: teacher, resume: false, maxSteps: 10, log: quiet });
  const out = join(dir, 'student');
  await distill({ teacher, out, steps: 1, stageSteps: 12, resume: false, log: quiet });
  const t = loadProDiffWeights(join(teacher, 'model.safetensors'));
  const s2 = loadProDiffWeights(join(out, 'stage-2steps', 'model.safetensors'));
  const s1 = loadProDiffWeights(join(out, 'model.safetensors'));
  assert.deepEqual([t.options.numSteps, t.options.timescale], [4, 1]);
  assert.deepEqual([s2.options.numSteps, s2.options.timescale], [2, 2]);
  assert.deepEqual([s1.options.numSteps, s1.options.timescale], [1, 4]);
  // Frozen: encoder identical; trained: the denoiser moved.
  const enc = 'fs2.encoder.layers.0.op.self_attn.in_proj_weight';
  assert.deepEqual(s1.params.get(enc).data, t.params.get(enc).data);
  assert.notDeepEqual(s2.params.get('denoise_fn.input_projection.weight').data, t.params.get('denoise_fn.input_projection.weight').data);
  const readStageLog = (run: string) => readFileSync(join(run, 'stage-2steps', 'log.jsonl'), 'utf-8').trim().split('\n').map((l) => JSON.parse(l) as { step?: number; loss?: number; valid?: { loss: number } });
  const stageLog = readStageLog(out);
  const trained = stageLog.filter((r) => typeof r.loss === 'number');
  assert.deepEqual(trained.map((r) => r.step), Array.from({ length: 12 }, (_, i) => i + 1));
  // Validation on the held-out split every val_check_interval (10) steps, with its pictures.
  const valid = stageLog.filter((r) => r.valid);
  assert.deepEqual(valid.map((r) => r.step), [10]);
  assert.ok(Number.isFinite(valid[0]!.valid!.loss) && valid[0]!.valid!.loss > 0);
  for (const png of ['loss.png', 'valid-mel.png']) assert.ok(existsSync(join(out, 'stage-2steps', png)), `${png} written`);

  // Exact resume: a run killed after step 7 (checkpoints every 3 steps, so the last at 6) and
  // resumed trains steps 7..12 exactly as the uninterrupted run did, and validates the same.
  const killed = join(dir, 'killed');
  let polls = 0;
  const killAfter7 = () => { if (++polls > 7) throw new Error('killed'); return false; };
  await assert.rejects(distill({ teacher, out: killed, steps: 2, stageSteps: 12, checkpointEvery: 3, resume: false, log: quiet, shouldStop: killAfter7 }), /killed/);
  await assert.rejects(distill({ teacher, out: killed, steps: 2, stageSteps: 12, checkpointEvery: 3, resume: false, log: quiet }), /use --resume/);
  const notes: string[] = [];
  await distill({ teacher, out: killed, steps: 2, stageSteps: 12, checkpointEvery: 3, resume: true, log: (l) => notes.push(l), shouldStop: () => false });
  assert.ok(notes.some((l) => /resumed at step 6/.test(l)), notes.join('\n'));
  const resumedLog = readStageLog(killed);
  const resumed = resumedLog.filter((r) => typeof r.loss === 'number');
  assert.deepEqual(resumed.map((r) => r.step), trained.map((r) => r.step), 'each step logged once');
  resumed.forEach((r, i) => assert.ok(Math.abs(r.loss! - trained[i]!.loss!) < 1e-4 * (1 + trained[i]!.loss!), `step ${r.step}: ${r.loss} vs ${trained[i]!.loss}`));
  const resumedValid = resumedLog.filter((r) => r.valid);
  assert.deepEqual(resumedValid.map((r) => r.step), [10]);
  assert.ok(Math.abs(resumedValid[0]!.valid!.loss - valid[0]!.valid!.loss) < 1e-4 * (1 + valid[0]!.valid!.loss));
  assert.deepEqual(loadProDiffWeights(join(killed, 'model.safetensors')).options.numSteps, 2);
  await assert.rejects(distillCommand.run(['--teacher', teacher, '--out', join(dir, 'y'), '--checkpoint-every', '0']), /--checkpoint-every must be a positive integer, got '0'/);
  // A finished run is recognised; re-running does not retrain.
  await distill({ teacher, out, steps: 1, stageSteps: 12, resume: true, log: quiet });
  await assert.rejects(distill({ teacher: join(out, 'model.safetensors'), out: join(dir, 'x'), steps: 1, stageSteps: 2, resume: false, log: quiet }), /already samples in 1 steps/);
}));

test('corpus synth with Festival (when installed)', async (t) => {
  if (spawnSync('festival', ['--version']).error) {
    t.skip('festival is not installed (apt-get install festival festvox-us-slt-hts sox)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-synth-'));
  try {
    const r = await synthesizeCorpus([{ id: 'a', text: 'One two three.' }, { id: 'b', text: 'Hello there, friend.' }], { voice: 'slt', outDir: dir, jobs: 1 });
    assert.deepEqual(r, { written: 2, skipped: 0, failed: [] });
    const c = readCorpus(dir);
    assert.equal(c.utterances.length, 2);
    assert.ok(c.utterances.every((u) => u.alignment));
    const again = await synthesizeCorpus([{ id: 'a', text: 'One two three.' }], { voice: 'slt', outDir: dir, jobs: 1 });
    assert.equal(again.skipped, 1);
    // A diphone voice (another speaker, same front end): the same phones, its own times.
    if (existsSync('/usr/share/festival/voices/english/kal_diphone')) {
      const kal = join(dir, 'kal');
      assert.deepEqual(await synthesizeCorpus([{ id: 'a', text: 'One two three.' }], { voice: 'kal', outDir: kal, jobs: 1 }), { written: 1, skipped: 0, failed: [] });
      const phones = (d: string) => readAlignment(readCorpus(d).utterances[0]!.alignment!);
      const hts = phones(dir).filter((p) => p.phone !== 'sil');
      const diphone = phones(kal).filter((p) => p.phone !== 'sil');
      assert.deepEqual(diphone.map((p) => p.phone), hts.map((p) => p.phone));
      assert.ok(diphone.some((p, i) => Math.abs(p.end - hts[i]!.end) > 0.005), 'the two voices have their own timing');
    }
    await assert.rejects(synthesizeCorpus([{ id: 'a', text: 'x' }], { voice: 'nobody', outDir: dir }), /unknown Festival voice 'nobody' \(known: slt, kal, ked\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
