// Smoke test of vocoder GAN training: a tiny model trains a few steps on synthetic WAVs made here,
// checkpoints, and resumes exactly; the CLI drives the same run; the exported generator runs.
import { test } from 'node:test';
import { createVocoder } from '../../src/model/vocoder.js';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, ortTensor, schedules, Trainer } from '../../src/engine/index.js';
import { initVocoderParams, MAGNITUDE_FLOOR, magnitudeSpec } from '../../src/model/vocoder-gan.js';
import { stftMagnitude } from '../../src/audio/stft.js';
import { writeWav } from '../../src/audio/wav.js';
import { logMel, melFilterbank, PRODIFF_MEL } from '../../src/audio/mel.js';
import { SegmentSampler, WavFolderCorpus } from '../../src/data/vocoder-data.js';
import { TINY_VOCODER, TINY_VOCODER_TRAIN } from '../tiny.js';
import { trainVocoder, type StepRecord } from '../../src/train/vocoder.js';
import { run as cli } from '../../src/cli/train-vocoder.js';

function makeCorpus(dir: string): void {
  const sr = 22050;
  mkdirSync(join(dir, 'sub'), { recursive: true });
  for (const [name, f0, secs] of [['a', 130, 0.6], ['sub/b', 210, 0.4], ['short', 300, 0.05]] as const) {
    const n = Math.round(sr * secs);
    const y = new Float32Array(n);
    let ph = 0;
    for (let i = 0; i < n; i++) {
      ph += (2 * Math.PI * f0 * (1 + 0.1 * Math.sin((2 * Math.PI * 2 * i) / sr))) / sr;
      let v = 0;
      for (let h = 1; h <= 10; h++) v += Math.sin(h * ph) / h;
      y[i] = 0.2 * v;
    }
    writeWav(join(dir, `${name}.wav`), y, sr);
  }
}


const readLog = (dir: string): StepRecord[] => readFileSync(join(dir, 'log.jsonl'), 'utf-8').trim().split('\n').map((l) => JSON.parse(l) as StepRecord);

test('segments are hop-aligned slices of the utterance and its whole-utterance mel; short files are padded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-vdata-'));
  try {
    makeCorpus(dir);
    const corpus = new WavFolderCorpus(dir, 22050);
    assert.deepEqual(Array.from({ length: corpus.size }, (_, i) => corpus.utterance(i).id), ['a.wav', 'short.wav', 'sub/b.wav']);
    const s = new SegmentSampler(corpus, { batch: 6, segmentFrames: 8, mel: PRODIFF_MEL }, 1);
    const b = s.next();
    assert.equal(b.samples, 8 * 256);
    assert.equal(b.frames, 9);
    for (let k = 0; k < b.batch; k++) {
      const seg = b.wav.subarray(k * b.samples, (k + 1) * b.samples);
      // Find the utterance and offset the segment came from, then compare the mel slice.
      let found = false;
      for (let i = 0; i < corpus.size && !found; i++) {
        const u = corpus.utterance(i).wav;
        const src = new Float32Array(Math.max(u.length, 8 * 256));
        src.set(u);
        for (let f = 0; (f + 8) * 256 <= src.length && !found; f++) {
          if (!src.subarray(f * 256, (f + 8) * 256).every((v, j) => v === seg[j])) continue;
          const mel = logMel(src, PRODIFF_MEL);
          for (let t = 0; t < 9; t++) for (let m = 0; m < 80; m += 7) assert.equal(b.mel[(k * 80 + m) * 9 + t], mel.data[(f + t) * 80 + m]);
          found = true;
        }
      }
      assert.ok(found, `segment ${k} not found in the corpus`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vocoder GAN training runs, checkpoints and resumes exactly; the exported generator runs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'prodiff-vtrain-'));
  try {
    const data = join(root, 'data');
    makeCorpus(data);
    const corpus = new WavFolderCorpus(data, 22050);
    const full = join(root, 'full');
    const r = await trainVocoder(corpus, full, TINY_VOCODER_TRAIN, { steps: 4, checkpointEvery: 2 });
    assert.equal(r.step, 4);
    const part = join(root, 'part');
    await trainVocoder(corpus, part, TINY_VOCODER_TRAIN, { steps: 2, checkpointEvery: 2 });
    const resumed = await trainVocoder(corpus, part, TINY_VOCODER_TRAIN, { steps: 4, checkpointEvery: 2 });
    assert.equal(resumed.resumedFrom, 2);
    const a = readLog(full).filter((x) => x.g_loss !== undefined);
    const b = readLog(part).filter((x) => x.g_loss !== undefined);
    assert.deepEqual(b.map((x) => x.step), [1, 2, 3, 4]);
    for (const k of ['g_loss', 'd_loss', 'mel_l1', 'fm_mpd', 'd_mrd']) assert.deepEqual(b.map((x) => x[k]), a.map((x) => x[k]), `${k} differs after resume`);
    for (const f of ['curves.png', 'generator.safetensors', 'generator.onnx', 'checkpoint.json', 'config.json']) assert.ok(existsSync(join(part, f)), `${f} missing`);
    assert.ok(readLog(part).some((x) => typeof (x.valid as unknown as { mel_l1?: number } | undefined)?.mel_l1 === 'number'));
    await assert.rejects(trainVocoder(corpus, part, { ...TINY_VOCODER_TRAIN, batch: 3 }, { steps: 5, checkpointEvery: 2 }), /different configuration/);

    // The exported generator: mel [1, 80, T] -> wav [1, (T - 1) * 256].
    const s = await createSession(readFileSync(join(part, 'generator.onnx')), { threads: 1 });
    const out = await s.run({ mel: ortTensor('float32', new Float32Array(80 * 5).fill(-3), [1, 80, 5]) });
    assert.deepEqual(out.wav!.dims, [1, 4 * 256]);

    // As a voice's vocoder: the registry loads it from generator.safetensors; output is frames * hop samples.
    const voc = await createVocoder('vocos', { mel: PRODIFF_MEL, file: join(part, 'generator.safetensors'), threads: 1 });
    const wav = await voc.synthesize(new Float32Array(5 * 80).fill(-3), 5);
    assert.equal(wav.length, 5 * 256);
    assert.ok(wav.every(Number.isFinite));
    await voc.dispose?.();
    await assert.rejects(createVocoder('vocos', { mel: PRODIFF_MEL, threads: 1 }), /needs a weights file/);

    // The CLI continues the same run (stored configuration) to step 6.
    const cliRun = join(root, 'cli');
    const args = ['--data', data, '--out', cliRun, '--steps', '3', '--checkpoint-every', '3', '--dim', '16', '--intermediate', '32', '--layers', '1', '--periods', '2',
      '--mpd-channels', '4,4,4,4,4', '--mrd-ffts', '512', '--mrd-channels', '4', '--batch', '1', '--segment-frames', '8', '--pretrain-mel-steps', '2'];
    assert.equal(await cli(args), 0);
    assert.equal(await cli(['--data', data, '--out', cliRun, '--steps', '5', '--checkpoint-every', '5']), 0);
    const log = readLog(cliRun).filter((x) => x.g_loss !== undefined);
    assert.deepEqual(log.map((x) => x.step), [1, 2, 3, 4, 5]);
    assert.equal(log[0]!.d_loss, undefined, 'no discriminator step during mel pre-training');
    assert.ok(typeof log[2]!.d_loss === 'number');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a 'pghi' generator: its regression targets are the segment's log |STFT| (closed form), it trains and resumes without discriminators, and vocodes through PGHI", async () => {
  const root = mkdtempSync(join(tmpdir(), 'prodiff-vpghi-'));
  try {
    const data = join(root, 'data');
    makeCorpus(data);
    const corpus = new WavFolderCorpus(data, 22050);
    const model = { ...TINY_VOCODER, generator: { ...TINY_VOCODER.generator, phase: 'pghi' as const } };
    const shape = { batch: 2, segmentFrames: 8 };
    // Closed form: with a zero head weight the prediction is the head bias c_k in every frame, so
    // mag_l1 = mean over inner frames of |c_k - ln max(|STFT_k|, floor)| and mel_l1 compares
    // ln(M exp(c)) with the input mel; both computed here with the audio layer's STFT.
    const params = initVocoderParams(model, shape, 1);
    const F = 513;
    const bias = Float32Array.from({ length: F }, (_, k) => -2 + 3 * Math.sin(k / 40));
    params.set('generator.head.out.weight', params.get('generator.head.out.weight').shape, new Float32Array(params.get('generator.head.out.weight').data.length));
    params.set('generator.head.out.bias', [F], bias);
    const optim = { lr: schedules.constant(1e-3), betas: [0.8, 0.9] as [number, number], weightDecay: 0, threads: 1 };
    const trainer = await Trainer.create(magnitudeSpec(model, shape, optim), params);
    const b = new SegmentSampler(corpus, { ...shape, mel: PRODIFF_MEL }, 3).next();
    const r = await trainer.evaluate({ mel: ortTensor('float32', b.mel, [2, 80, 9]), wav: ortTensor('float32', b.wav, [2, b.samples]) });
    await trainer.close();
    const basis = melFilterbank(PRODIFF_MEL);
    const expMel = Array.from({ length: 80 }, (_, m) => {
      let s = 0;
      for (let k = 0; k < F; k++) s += basis.dense[m * F + k]! * Math.exp(bias[k]!);
      return Math.log(Math.max(s, PRODIFF_MEL.eps));
    });
    let mag = 0, mel = 0, nMag = 0, nMel = 0;
    for (let i = 0; i < 2; i++) {
      const spec = stftMagnitude(b.wav.subarray(i * b.samples, (i + 1) * b.samples), PRODIFF_MEL);
      assert.equal(spec.frames, 9);
      for (let t = 2; t < 7; t++) { // two edge frames each side are left out
        for (let k = 0; k < F; k++, nMag++) mag += Math.abs(bias[k]! - Math.log(Math.max(spec.data[t * F + k]!, MAGNITUDE_FLOOR)));
        for (let m = 0; m < 80; m++, nMel++) mel += Math.abs(expMel[m]! - Math.LN10 * b.mel[(i * 80 + m) * 9 + t]!);
      }
    }
    assert.ok(Math.abs(r.metrics.mag_l1! - mag / nMag) < 1e-3 * (mag / nMag), `mag_l1 ${r.metrics.mag_l1} vs ${mag / nMag}`);
    assert.ok(Math.abs(r.metrics.mel_l1! - mel / nMel) < 1e-3 * (mel / nMel), `mel_l1 ${r.metrics.mel_l1} vs ${mel / nMel}`);

    // Training: no discriminator checkpoint; exact resume; the loss falls.
    const cfg = { ...TINY_VOCODER_TRAIN, model, lr: 3e-3, scheduleSteps: 40 };
    const full = join(root, 'full');
    await trainVocoder(corpus, full, cfg, { steps: 30, checkpointEvery: 15 });
    const part = join(root, 'part');
    await trainVocoder(corpus, part, cfg, { steps: 15, checkpointEvery: 15 });
    const idx = JSON.parse(readFileSync(join(part, 'checkpoint.json'), 'utf-8')) as { discriminator?: string };
    assert.equal(idx.discriminator, undefined);
    assert.equal((await trainVocoder(corpus, part, cfg, { steps: 30, checkpointEvery: 15 })).resumedFrom, 15);
    const la = readLog(full).filter((x) => x.g_loss !== undefined), lb = readLog(part).filter((x) => x.g_loss !== undefined);
    assert.deepEqual(lb.map((x) => x.mag_l1), la.map((x) => x.mag_l1));
    assert.equal(la[0]!.d_loss, undefined);
    const mean = (xs: StepRecord[]) => xs.reduce((s, x) => s + x.g_loss, 0) / xs.length;
    assert.ok(mean(la.slice(-5)) < 0.95 * mean(la.slice(0, 5)), `loss ${mean(la.slice(0, 5))} -> ${mean(la.slice(-5))}`);

    // As a voice's vocoder: magnitudes from the network, phase by PGHI, whole sentences.
    const voc = await createVocoder('vocos', { mel: PRODIFF_MEL, file: join(part, 'generator.safetensors'), threads: 1 });
    assert.equal(voc.name, 'vocos-pghi');
    assert.equal(voc.contextFrames, undefined);
    const u = logMel(corpus.utterance(0).wav, PRODIFF_MEL);
    const wav = await voc.synthesize(Float32Array.from(u.data), u.frames);
    assert.equal(wav.length, u.frames * 256);
    assert.ok(wav.every(Number.isFinite) && wav.some((v) => Math.abs(v) > 1e-3));
    await voc.dispose?.();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
