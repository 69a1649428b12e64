// What the denoiser predicts (hparams diffusion_target): the step graph's x0 for an epsilon model
// is the closed-form conversion of the same network's output; a regression model ignores x_t and
// the step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ortTensor, ParamStore, Rng } from '../../src/engine/index.js';
import { vpsdeSchedule } from '../../src/model/diffusion.js';
import { withHparams } from '../../src/model/hparams.js';
import { buildDenoiseStepGraph, prodiffConfigFromHparams, sessionFor } from '../../src/model/prodiff.js';
import { TINY_TEACHER } from '../tiny.js';

const N = 8;
const schedule = vpsdeSchedule(N);

async function stepFor(target: string, params?: ParamStore, extra: Record<string, unknown> = {}) {
  const cfg = prodiffConfigFromHparams(withHparams(TINY_TEACHER, { diffusion_target: target, timesteps: N, vocab_size: 20, f0_mean: 200, f0_std: 30, ...extra }));
  const g = buildDenoiseStepGraph(cfg, schedule);
  const store = params ?? new ParamStore().initialize(g, new Rng(3));
  // The output layer starts at zero; give it values so that the prediction depends on its inputs.
  if (!params) for (const [n, v] of store.values) if (n.includes('denoise_fn.output_projection')) v.data.set(new Rng(4).normalArray(v.data.length, 0.3));
  const session = await sessionFor(g, store, { threads: 1 });
  const M = cfg.mels, C = cfg.denoiser.condChannels, T = 6;
  const run = async (x: Float32Array, step: number, cond: Float32Array) => {
    const r = await session.run({
      x_t: ortTensor('float32', x, [1, 1, M, T]), step: ortTensor('int64', [step], [1]),
      cond: ortTensor('float32', cond, [1, C, T]), noise: ortTensor('float32', new Float32Array(M * T), [1, 1, M, T]),
    });
    return r.x0_pred!.data as Float32Array;
  };
  return { store, run, M, C, T };
}

test('epsilon model: x0_pred = sqrt(1/ac_t) x_t - sqrt(1/ac_t - 1) eps_hat, eps_hat the same network as an x0 model', async () => {
  const x0Model = await stepFor('x0');
  const epsModel = await stepFor('epsilon', x0Model.store);
  const rng = new Rng(8);
  const { M, C, T } = x0Model;
  const x = rng.normalArray(M * T), cond = rng.normalArray(C * T);
  for (const step of [0, 3, 7]) {
    const raw = await x0Model.run(x, step, cond);
    const x0 = await epsModel.run(x, step, cond);
    const a = schedule.f32.sqrt_recip_alphas_cumprod[step]!, b = schedule.f32.sqrt_recipm1_alphas_cumprod[step]!;
    for (let i = 0; i < x0.length; i++) {
      const want = a * x[i]! - b * raw[i]!;
      // float32 rounding of the two terms (large near pure noise, where alpha_t is tiny) bounds the error.
      const scale = Math.abs(a * x[i]!) + Math.abs(b * raw[i]!);
      assert.ok(Math.abs(x0[i]! - want) <= 1e-6 * scale + 1e-6, `step ${step} [${i}]: ${x0[i]} vs ${want} (terms ${scale})`);
    }
  }
});

test('epsilon model with spec_min/spec_max: x0_pred is the unclipped estimate clipped bin by bin to that range', async () => {
  const free = await stepFor('epsilon');
  const M = free.M;
  const lo = Array.from({ length: M }, (_, m) => -0.5 - 0.01 * m), hi = Array.from({ length: M }, (_, m) => 0.2 + 0.02 * m);
  const clipped = await stepFor('epsilon', free.store, { spec_min: lo, spec_max: hi });
  const rng = new Rng(12);
  const x = rng.normalArray(M * free.T), cond = rng.normalArray(free.C * free.T);
  let below = 0, above = 0;
  for (const step of [0, 7]) {
    const raw = await free.run(x, step, cond), got = await clipped.run(x, step, cond);
    for (let i = 0; i < raw.length; i++) {
      const m = Math.floor(i / free.T);
      assert.equal(got[i], Math.fround(Math.min(Math.max(raw[i]!, Math.fround(lo[m]!)), Math.fround(hi[m]!))), `step ${step} [${i}]`);
      if (raw[i]! < lo[m]!) below++;
      if (raw[i]! > hi[m]!) above++;
    }
  }
  assert.ok(below > 0 && above > 0, 'the test must clip on both sides');
  // The range must fit the mels; an x0 model ignores it.
  assert.throws(() => prodiffConfigFromHparams(withHparams(TINY_TEACHER, { diffusion_target: 'epsilon', vocab_size: 20, f0_mean: 200, f0_std: 30, spec_min: [0], spec_max: [1] })), /'spec_min' must have one value per mel bin \(80\), got 1/);
  assert.equal(prodiffConfigFromHparams(withHparams(TINY_TEACHER, { vocab_size: 20, f0_mean: 200, f0_std: 30, spec_min: [0], spec_max: [1] })).x0Clip, undefined);
});

test('regression model: the same mel whatever x_t and step; a different condition changes it', async () => {
  const m = await stepFor('regression');
  const rng = new Rng(9);
  const cond = rng.normalArray(m.C * m.T);
  const a = await m.run(rng.normalArray(m.M * m.T), 7, cond);
  const b = await m.run(rng.normalArray(m.M * m.T, 5), 0, cond);
  assert.deepEqual(a, b);
  const c = await m.run(rng.normalArray(m.M * m.T), 7, rng.normalArray(m.C * m.T));
  assert.ok(c.some((v, i) => Math.abs(v - a[i]!) > 1e-3), 'the condition must matter');
});
