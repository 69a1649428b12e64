// The teacher loss and the distillation loss train: one-ORT-run Trainer steps on a golden batch
// (small official config) lower the loss, with dropout on, the teacher frozen in distillation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ortTensor, ParamStore, schedules, Trainer, type Graph, type ort } from '../../src/engine/index.js';
import { vpsdeSchedule } from '../../src/model/diffusion.js';
import { TIED_PARAMETERS } from '../../src/model/fastspeech2.js';
import { parseHparams } from '../../src/model/hparams.js';
import { lossWeightsFromHparams, silenceIdsFromVocab, silenceTable } from '../../src/model/losses.js';
import { distillationLoss, teacherTrainingLoss } from '../../src/model/prodiff.js';
import { Scope } from '../../src/nn/index.js';
import { declareTrainInputs } from '../../src/train/teacher.js';
import type { ProDiffConfig } from '../../src/model/prodiff.js';
import { loadCase, loadManifest, prodiffConfigFromHparams, type GoldenCase } from '../../src/parity/index.js';
import { goldenDir } from '../golden.js';

function goldenCase(name: string): GoldenCase {
  const dir = goldenDir('prodiff');
  const { manifest, cases } = loadManifest(dir);
  return loadCase(dir, cases.find((c) => c.case === name)!, manifest);
}

function params(c: GoldenCase, store = new ParamStore(), prefix = 'param.', rename = ''): ParamStore {
  for (const [n, t] of c.tensors) {
    if (!n.startsWith(prefix) || !(t.data instanceof Float32Array)) continue;
    const key = n.slice(prefix.length);
    if (TIED_PARAMETERS[key]) continue;
    store.set(rename + key, t.shape, Float32Array.from(t.data));
  }
  return store;
}

function batch(c: GoldenCase, names: string[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const n of names) {
    const t = c.tensors.get(`input.${n}`)!;
    out[n] = t.dtype === 'I64' ? ortTensor('int64', t.data as BigInt64Array, t.shape) : ortTensor('float32', t.data as Float32Array, t.shape);
  }
  return out;
}

const inputs = (g: Graph, cfg: ProDiffConfig) => declareTrainInputs(g, cfg);

/** A one-ORT-run Trainer of the teacher loss on a golden case's hparams, logging the l1, ssim and pdur terms. */
async function teacherTrainer(c: GoldenCase, hp: Record<string, unknown>, store: ParamStore): Promise<Trainer> {
  const cfg = prodiffConfigFromHparams(hp);
  const sched = vpsdeSchedule(4);
  const sil = silenceTable(cfg.fs2.vocabSize, silenceIdsFromVocab(hp.vocab as string[]));
  return Trainer.create(
    {
      build(g, ctx) {
        const silT = g.constant({ dtype: 'float32', shape: [sil.length], values: sil }, 'sil');
        const o = teacherTrainingLoss(new Scope(g), cfg, sched, inputs(g, cfg), lossWeightsFromHparams(parseHparams(hp, c.file)), silT, { training: ctx.training });
        return { loss: o.total, metrics: { l1: o.losses.l1, ssim: o.losses.ssim, pdur: o.losses.pdur } };
      },
      optimizer: { betas: [0.9, 0.98], eps: 1e-9, weightDecay: 0, clipGradNorm: 1 },
      schedule: schedules.constant(2e-3),
    },
    store,
  );
}

test('teacher training loss trains (all terms, dropout on)', async () => {
  const c = goldenCase('teacher_train');
  const hp = JSON.parse(c.metadata.hparams!) as Record<string, unknown>;
  const trainer = await teacherTrainer(c, hp, params(c));
  const b = batch(c, ['txt_tokens', 'mel2ph', 'f0', 'uv', 'energy', 'mels', 't', 'noise']);
  const before = await trainer.evaluate(b);
  const ref = Number((c.tensors.get('output.loss_total')!.data as Float32Array)[0]);
  assert.ok(Math.abs(before.loss - ref) < 1e-4, `eval loss ${before.loss} vs golden ${ref}`);
  for (let i = 0; i < 25; i++) {
    const r = await trainer.trainStep(b);
    assert.ok(Number.isFinite(r.loss) && Number.isFinite(r.gradNorm) && r.gradNorm > 0);
  }
  const after = await trainer.evaluate(b);
  assert.ok(after.loss < 0.8 * before.loss, `loss ${before.loss} -> ${after.loss}`);
});

test('epsilon teacher: the mel loss is L1 on the noise (closed form at init, where the zero output layer predicts 0) and it trains', async () => {
  const c = goldenCase('teacher_train');
  const hp: Record<string, unknown> = { ...(JSON.parse(c.metadata.hparams!) as Record<string, unknown>), diffusion_target: 'epsilon' };
  assert.equal(prodiffConfigFromHparams(hp).target, 'epsilon');
  const store = params(c);
  // A freshly initialised denoiser: zero output projection, so eps_hat = 0.
  for (const n of store.values.keys()) if (n.startsWith('denoise_fn.output_projection.')) store.get(n).data.fill(0);
  const trainer = await teacherTrainer(c, hp, store);
  const b = batch(c, ['txt_tokens', 'mel2ph', 'f0', 'uv', 'energy', 'mels', 't', 'noise']);
  const noise = b.noise!.data as Float32Array;
  const mel2ph = b.mel2ph!.data as BigInt64Array;
  const [B, , M, T] = b.noise!.dims as number[];
  let sum = 0, count = 0;
  for (let i = 0; i < B!; i++) for (let m = 0; m < M!; m++) for (let t = 0; t < T!; t++) {
    if (mel2ph[i * T! + t] === 0n) continue;
    sum += Math.abs(noise[((i * M!) + m) * T! + t]!); count++;
  }
  const before = await trainer.evaluate(b);
  assert.ok(Math.abs(before.metrics.l1! - sum / count) < 1e-5, `noise L1 at init ${before.metrics.l1} vs mean |noise| ${sum / count}`);
  assert.equal(before.metrics.ssim, 0);
  for (let i = 0; i < 25; i++) await trainer.trainStep(b);
  const after = await trainer.evaluate(b);
  assert.ok(after.metrics.l1! < 0.9 * before.metrics.l1!, `noise L1 ${before.metrics.l1} -> ${after.metrics.l1}`);
});

test('distillation trains the student only; the teacher stays frozen', async () => {
  const c = goldenCase('student_target');
  const hp = JSON.parse(c.metadata.hparams!) as Record<string, unknown>;
  const cfg = prodiffConfigFromHparams(hp);
  const sched = vpsdeSchedule(4);
  const store = params(c, params(c, new ParamStore(), 'teacher_param.', 'teacher.'));
  const teacherBefore = Float32Array.from(store.get('teacher.denoise_fn.output_projection.weight').data);
  const trainer = await Trainer.create(
    {
      build(g, ctx) {
        const i = inputs(g, cfg);
        const o = distillationLoss(new Scope(g), cfg, sched, 2, i, { training: ctx.training });
        return { loss: o.loss };
      },
      optimizer: { betas: [0.9, 0.98], eps: 1e-9, weightDecay: 0 },
      schedule: schedules.constant(2e-3),
      trainable: (n) => !n.startsWith('teacher.'),
    },
    store,
  );
  assert.ok(trainer.frozenNames.length > 0 && trainer.frozenNames.every((n) => n.startsWith('teacher.')));
  const b = batch(c, ['txt_tokens', 'mel2ph', 'f0', 'uv', 'energy', 'mels', 'noise']);
  const draw = c.tensors.get('input.t_randint')!.data as BigInt64Array;
  b.t = ortTensor('int64', BigInt64Array.from(draw, (v) => v * 2n), [draw.length]);
  const before = await trainer.evaluate(b);
  const ref = Number((c.tensors.get('output.loss')!.data as Float32Array)[0]);
  assert.ok(Math.abs(before.loss - ref) < 2e-5, `eval loss ${before.loss} vs golden ${ref}`);
  for (let i = 0; i < 20; i++) await trainer.trainStep(b);
  const after = await trainer.evaluate(b);
  assert.ok(after.loss < 0.8 * before.loss, `loss ${before.loss} -> ${after.loss}`);
  const out = trainer.exportParams(new ParamStore());
  assert.deepEqual(out.has('teacher.denoise_fn.output_projection.weight') ? out.get('teacher.denoise_fn.output_projection.weight').data : teacherBefore, teacherBefore);
});
