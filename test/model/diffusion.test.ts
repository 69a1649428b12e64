// Closed-form checks of the schedule and of the DDIM / distillation algebra.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, exportOnnx, Graph, ortTensor, Rng } from '../../src/engine/index.js';
import { ScheduleTables, scheduleStateDict, vpsdeBetas, vpsdeSchedule } from '../../src/model/diffusion.js';
import { samplerSteps } from '../../src/model/sampler.js';

test('vpsde betas: closed form, T = steps + 1, index 0 already noisy', () => {
  const b = vpsdeBetas(4);
  assert.equal(b.length, 5);
  for (let t = 1; t <= 5; t++) assert.ok(Math.abs(b[t - 1]! - (1 - Math.exp(-0.1 / 5 - (0.5 * 39.9 * (2 * t - 1)) / 25))) < 1e-15);
  const s = vpsdeSchedule(4);
  assert.ok(Math.abs(s.f64.alphas_cumprod[0]! - 0.44) < 0.01, `alpha_bar_0 = ${s.f64.alphas_cumprod[0]}`);
  assert.equal(s.f64.posterior_variance[0], 0);
  assert.equal(s.f64.posterior_log_variance_clipped[0], Math.log(1e-20));
  for (let i = 0; i < 5; i++) {
    const a = s.f64.sqrt_alphas_cumprod[i]!;
    const sg = s.f64.sqrt_one_minus_alphas_cumprod[i]!;
    assert.ok(Math.abs(a * a + sg * sg - 1) < 1e-12);
  }
  const sd = scheduleStateDict(vpsdeSchedule(8));
  assert.equal(sd.get('betas')!.shape[0], 9);
  assert.equal(sd.get('timesteps')!.data[0], 8);
});

test('sampler steps: teacher N-1..0, students visit multiples of their time scale', () => {
  assert.deepEqual(samplerSteps(4, 1), [3, 2, 1, 0]);
  assert.deepEqual(samplerSteps(2, 2), [2, 0]);
  assert.deepEqual(samplerSteps(1, 4), [0]);
});

test('DDIM with the true x0 follows the noising path; the distillation target of exact steps is x0', async () => {
  const s = vpsdeSchedule(4);
  const g = new Graph('ddim');
  const tab = new ScheduleTables(g, s);
  const x0 = g.input('x0', 'float32', ['B', 1, 3, 'T']);
  const eps = g.input('eps', 'float32', ['B', 1, 3, 'T']);
  const t = g.input('t', 'int64', ['B']);
  const t1 = g.input('t1', 'int64', ['B']);
  const t2 = g.input('t2', 'int64', ['B']);
  const xt = tab.qSample(x0, t, eps);
  const x1 = tab.ddimStep(x0, xt, t, t1);
  const x2 = tab.ddimStep(x0, x1, t1, t2);
  g.output('x1', x1);
  g.output('x1_ref', tab.qSample(x0, t1, eps));
  g.output('target', tab.distillationTarget(xt, x2, t, t2));
  g.output('post0', tab.posteriorSample(x0, xt, t2, eps));
  g.output('mean0', tab.posteriorSample(x0, xt, t2, tab.qSample(x0, t2, eps)));
  const session = await createSession(exportOnnx(g));
  const rng = new Rng(5);
  const n = 2 * 3 * 4;
  const x0v = rng.normalArray(n);
  const r = await session.run({
    x0: ortTensor('float32', x0v, [2, 1, 3, 4]),
    eps: ortTensor('float32', rng.normalArray(n), [2, 1, 3, 4]),
    t: ortTensor('int64', [4, 2], [2]),
    t1: ortTensor('int64', [3, 1], [2]),
    t2: ortTensor('int64', [2, 0], [2]),
  });
  const a = r.x1!.data as Float32Array;
  const b = r.x1_ref!.data as Float32Array;
  for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5);
  const tg = r.target!.data as Float32Array;
  for (let i = 0; i < n; i++) assert.ok(Math.abs(tg[i]! - x0v[i]!) < 2e-4, `target ${tg[i]} vs x0 ${x0v[i]}`);
  // Item 1 samples at index 0: the noise is ignored, whatever it is.
  const p = r.post0!.data as Float32Array;
  const m = r.mean0!.data as Float32Array;
  for (let i = n / 2; i < n; i++) assert.equal(p[i], m[i]);
});

test('x0 from an exact noise estimate inverts the noising: x0FromEpsilon(qSample(x0, t, eps), t, eps) = x0', async () => {
  const s = vpsdeSchedule(8);
  const g = new Graph('eps');
  const tab = new ScheduleTables(g, s);
  const x0 = g.input('x0', 'float32', ['B', 1, 3, 'T']);
  const eps = g.input('eps', 'float32', ['B', 1, 3, 'T']);
  const t = g.input('t', 'int64', ['B']);
  g.output('x0_back', tab.x0FromEpsilon(tab.qSample(x0, t, eps), t, eps));
  const session = await createSession(exportOnnx(g));
  const rng = new Rng(9);
  const n = 3 * 3 * 5;
  const x0v = rng.normalArray(n);
  // Indices 0..5: alpha_t >= ~0.1 there, so float32 rounding stays small after dividing by alpha_t.
  const r = await session.run({ x0: ortTensor('float32', x0v, [3, 1, 3, 5]), eps: ortTensor('float32', rng.normalArray(n), [3, 1, 3, 5]), t: ortTensor('int64', [0, 3, 5], [3]) });
  const back = r.x0_back!.data as Float32Array;
  for (let i = 0; i < n; i++) assert.ok(Math.abs(back[i]! - x0v[i]!) < 1e-4, `${back[i]} vs ${x0v[i]}`);
});
