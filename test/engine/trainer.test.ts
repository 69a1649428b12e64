import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, op, ortTensor, ParamStore, Rng, schedules, Trainer, type TrainerSpec } from '../../src/engine/index.js';

// A tiny conv net: y = conv2(tanh(conv1(x))); x [B, 2, T].
function tinyNet(g: Graph, prefix = '') {
  const x = g.input('x', 'float32', ['B', 2, 'T']);
  const w1 = g.param(`${prefix}c1.weight`, [8, 2, 3], { kind: 'normal', std: 0.5 });
  const b1 = g.param(`${prefix}c1.bias`, [8], { kind: 'zeros' });
  const w2 = g.param(`${prefix}c2.weight`, [1, 8, 1], { kind: 'normal', std: 0.3 });
  return { x, y: op.conv(op.tanh(op.conv(x, w1, b1, { pads: [1, 1] })), w2, null) };
}

function spec(extra: Partial<TrainerSpec> = {}): TrainerSpec {
  return {
    build(g) {
      const { y } = tinyNet(g);
      const target = g.input('target', 'float32', ['B', 1, 'T']);
      const loss = op.reduceMean(op.mul(op.sub(y, target), op.sub(y, target)));
      return { loss, metrics: { l1: op.reduceMean(op.abs(op.sub(y, target))) } };
    },
    optimizer: { betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0 },
    schedule: schedules.constant(3e-2),
    ...extra,
  };
}

function data(seed: number) {
  const rng = new Rng(seed);
  const x = rng.normalArray(4 * 2 * 16);
  // Targets from a fixed "teacher" of the same form, so a near-zero loss is reachable.
  const target = new Float32Array(4 * 16);
  for (let b = 0; b < 4; b++) for (let t = 0; t < 16; t++) {
    const prev = t > 0 ? x[b * 32 + t - 1]! : 0;
    target[b * 16 + t] = 0.8 * Math.tanh(x[b * 32 + t]! - 0.5 * prev) - 0.3 * Math.tanh(x[b * 32 + 16 + t]!);
  }
  return { x: ortTensor('float32', x, [4, 2, 16]), target: ortTensor('float32', target, [4, 1, 16]) };
}

function initParams(s: TrainerSpec, seed = 1): ParamStore {
  const g = new Graph();
  s.build(g, { training: true });
  return new ParamStore().initialize(g, new Rng(seed));
}

test('a tiny conv net trains to near-zero loss', async () => {
  const s = spec();
  const trainer = await Trainer.create(s, initParams(s));
  const batch = data(3);
  const first = (await trainer.trainStep(batch)).loss;
  let last = first;
  for (let i = 0; i < 400; i++) last = (await trainer.trainStep(batch)).loss;
  assert.ok(last < 2e-3 && last < first / 50, `loss went from ${first} to ${last}`);
  const ev = await trainer.evaluate(batch);
  assert.ok(Math.abs(ev.loss - last) < 5e-3);
  assert.ok(ev.metrics.l1! > 0);
});

test('one AdamW step (weight decay, clipping) matches the closed form', async () => {
  const cfg = { betas: [0.8, 0.95] as [number, number], eps: 1e-6, weightDecay: 0.1, clipGradNorm: 0.5 };
  const s: TrainerSpec = {
    build(g) {
      const w = g.param('w', [3], { kind: 'zeros' });
      const frozen = g.param('f', [3], { kind: 'zeros' });
      const x = g.input('x', 'float32', [3]);
      // loss = sum((w * x + f)^2)/2: dL/dw = (w x + f) x
      const r = op.add(op.mul(w, x), frozen);
      return { loss: op.mul(op.reduceSum(op.mul(r, r)), 0.5) };
    },
    optimizer: cfg,
    schedule: (t) => 0.1 * t,
    trainable: (n) => n === 'w',
  };
  const params = new ParamStore();
  params.set('w', [3], Float32Array.of(1, -2, 0.5));
  params.set('f', [3], Float32Array.of(0.2, 0.1, -0.3));
  const trainer = await Trainer.create(s, params);
  assert.deepEqual(trainer.frozenNames, ['f']);
  const x = [1.5, -0.5, 2];
  let w = [1, -2, 0.5];
  const f = [0.2, 0.1, -0.3];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  for (let t = 1; t <= 3; t++) {
    const r = await trainer.trainStep({ x: ortTensor('float32', x, [3]) });
    const g = w.map((wi, i) => (wi * x[i]! + f[i]!) * x[i]!);
    const norm = Math.sqrt(g.reduce((a, b) => a + b * b, 0));
    const coef = Math.min(1, cfg.clipGradNorm / (norm + 1e-6));
    const lr = 0.1 * t;
    w = w.map((wi, i) => {
      const gi = g[i]! * coef;
      m[i] = cfg.betas[0] * m[i]! + (1 - cfg.betas[0]) * gi;
      v[i] = cfg.betas[1] * v[i]! + (1 - cfg.betas[1]) * gi * gi;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - cfg.betas[1] ** t) + cfg.eps;
      return wi * (1 - lr * cfg.weightDecay) - (lr / (1 - cfg.betas[0] ** t)) * (m[i]! / denom);
    });
    assert.ok(Math.abs(r.gradNorm - norm) < 1e-4 * (1 + norm), `step ${t}: grad norm ${r.gradNorm} vs ${norm}`);
    const got = Array.from(trainer.exportParams(new ParamStore()).get('w').data);
    got.forEach((gv, i) => assert.ok(Math.abs(gv - w[i]!) < 1e-5, `step ${t} w[${i}]: ${gv} vs ${w[i]}`));
  }
});

test('checkpoints resume training exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-ckpt-'));
  try {
    const s = spec({ schedule: schedules.warmupRsqrt(1, 4, 16) });
    const params = initParams(s, 5);
    const a = await Trainer.create(s, params);
    const batch = data(9);
    for (let i = 0; i < 3; i++) await a.trainStep(batch);
    const path = join(dir, 'ckpt.safetensors');
    a.saveCheckpoint(path);
    const cont = [];
    for (let i = 0; i < 3; i++) cont.push((await a.trainStep(batch)).loss);

    const b = await Trainer.create(s, params);
    b.loadCheckpoint(path);
    assert.equal(b.step, 3);
    const resumed = [];
    for (let i = 0; i < 3; i++) resumed.push((await b.trainStep(batch)).loss);
    assert.deepEqual(resumed, cont);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a non-finite loss stops the step with a clear error', async () => {
  const s = spec();
  const trainer = await Trainer.create(s, initParams(s));
  const bad = data(1);
  (bad.x.data as Float32Array)[0] = NaN;
  await assert.rejects(trainer.trainStep(bad), /loss is NaN/);
  assert.equal(trainer.step, 0);
});

test('schedules', () => {
  const r = schedules.warmupRsqrt(2, 100, 256);
  assert.ok(Math.abs(r(50) - 2 * 0.5 * 0.1 / 16) < 1e-12);
  assert.ok(Math.abs(r(400) - 2 * (1 / 20) / 16) < 1e-12);
  const c = schedules.cosine(1, 110, 10, 0.1);
  assert.equal(c(5), 0.5);
  assert.ok(Math.abs(c(10) - 1) < 1e-12 && Math.abs(c(110) - 0.1) < 1e-12);
  const w = schedules.warmupInverseSqrt(1, 100);
  assert.equal(w(50), 0.5);
  assert.equal(w(400), 0.5);
});

test('frozen parameters bound as inputs can be replaced between steps (GAN-style alternation)', async () => {
  const s: TrainerSpec = {
    build(g) {
      const w = g.param('w', [1], { kind: 'zeros' });
      const d = g.param('d', [1], { kind: 'zeros' });
      // loss = (w - d)^2: w is pulled toward whatever d currently is.
      const diff = op.sub(w, d);
      return { loss: op.reduceSum(op.mul(diff, diff)) };
    },
    optimizer: { betas: [0.5, 0.9], eps: 1e-8, weightDecay: 0 },
    schedule: schedules.constant(0.1),
    trainable: (n) => n === 'w',
    frozenBinding: 'input',
  };
  const params = new ParamStore();
  params.set('w', [1], Float32Array.of(0));
  params.set('d', [1], Float32Array.of(1));
  const t = await Trainer.create(s, params);
  for (let i = 0; i < 60; i++) await t.trainStep({});
  const w1 = t.exportParams(new ParamStore()).get('w').data[0]!;
  assert.ok(Math.abs(w1 - 1) < 0.1, `w ${w1} should approach d = 1`);
  t.setFrozenTensors(new Map([['d', ortTensor('float32', [-1], [1])]]));
  for (let i = 0; i < 120; i++) await t.trainStep({});
  const w2 = t.exportParams(new ParamStore()).get('w').data[0]!;
  assert.ok(Math.abs(w2 + 1) < 0.1, `w ${w2} should follow the new d = -1`);
});

test('a zero learning rate leaves the parameters unchanged (and finite)', async () => {
  const s = spec({ schedule: () => 0, optimizer: { betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1, clipGradNorm: 1 } });
  const params = initParams(s, 4);
  const trainer = await Trainer.create(s, params);
  for (let i = 0; i < 3; i++) await trainer.trainStep(data(2));
  const after = trainer.exportParams(new ParamStore());
  for (const [name, v] of params.values) assert.deepEqual(Array.from(after.get(name).data), Array.from(v.data), name);
});
