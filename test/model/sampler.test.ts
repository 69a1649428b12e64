// The host-side sampler: step plans and step-count checks, the DDIM update against its formula,
// and exact windowed denoising: the denoiser's receptive field as derived (perturbation test), and
// mels computed chunk by chunk equal to the whole-utterance sampler's (DDPM student and teacher,
// DDIM), for chunks smaller than the reach, larger, and one chunk.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, exportOnnx, Graph, ortTensor, ParamStore, Rng } from '../../src/engine/index.js';
import { Scope } from '../../src/nn/index.js';
import { denoiser, denoiserReach, type DenoiserConfig } from '../../src/model/denoiser.js';
import { AcousticModel } from '../../src/model/inference.js';
import { vpsdeSchedule } from '../../src/model/diffusion.js';
import { sample, samplerPlan, samplerWindows, stepCountProblem, supportedStepCounts, type SamplerTrace } from '../../src/model/sampler.js';
import { loadVoice, makeRandomVoice, TINY_HPARAMS } from '../../src/voice/index.js';
import { maxAbsDiff } from '../compare.js';

// Dilations 1, 2, 4, 1: reach 8 frames per call.
const HP = { ...TINY_HPARAMS, residual_layers: 4, dilation_cycle_length: 3 };
let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-windowed-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('denoiser reach: sum of dilations; a perturbed input frame changes exactly the frames within it', async () => {
  const cfg: DenoiserConfig = { mels: 6, condChannels: 5, residualChannels: 8, residualLayers: 5, dilationCycle: 3 };
  const R = denoiserReach(cfg);
  assert.equal(R, 1 + 2 + 4 + 1 + 2);
  assert.equal(denoiserReach({ ...cfg, residualLayers: 20, dilationCycle: 1 }), 20);
  const g = new Graph('d');
  const x = g.input('x_t', 'float32', [1, 1, cfg.mels, 'T']);
  const step = g.input('step', 'int64', [1]);
  const cond = g.input('cond', 'float32', [1, cfg.condChannels, 'T']);
  g.output('x0', denoiser(new Scope(g), cfg, x, step, cond).x0);
  const rng = new Rng(7);
  const params = new ParamStore().initialize(g, rng);
  const out = params.get('output_projection.weight');
  for (let i = 0; i < out.data.length; i++) out.data[i] = rng.normal();
  const s = await createSession(exportOnnx(g, { values: (n) => params.get(n).data }), { threads: 1 });
  const T = 60, t0 = 30;
  const xs = new Rng(1).normalArray(cfg.mels * T);
  const cs = new Rng(2).normalArray(cfg.condChannels * T);
  const run = async (xv: Float32Array, cv: Float32Array) => (await s.run({
    x_t: ortTensor('float32', xv, [1, 1, cfg.mels, T]), step: ortTensor('int64', [2], [1]), cond: ortTensor('float32', cv, [1, cfg.condChannels, T]),
  })).x0!.data as Float32Array;
  const base = await run(xs, cs);
  const changedFrames = (y: Float32Array) => {
    const f: number[] = [];
    for (let t = 0; t < T; t++) {
      let d = 0;
      for (let m = 0; m < cfg.mels; m++) d = Math.max(d, Math.abs(y[m * T + t]! - base[m * T + t]!));
      if (d > 0) f.push(t);
    }
    return f;
  };
  const px = Float32Array.from(xs);
  for (let m = 0; m < cfg.mels; m++) px[m * T + t0]! += 1;
  const fx = changedFrames(await run(px, cs));
  assert.deepEqual(fx, Array.from({ length: 2 * R + 1 }, (_, i) => t0 - R + i), 'x_t frame t0 reaches exactly t0 +- R');
  const pc = Float32Array.from(cs);
  for (let c = 0; c < cfg.condChannels; c++) pc[c * T + t0]! += 1;
  const fc = changedFrames(await run(xs, pc));
  assert.ok(fc.length > 0 && fc[0]! >= t0 - R && fc[fc.length - 1]! <= t0 + R, `cond reach within R: ${fc[0]}..${fc[fc.length - 1]}`);
});

test("step plans: the model's own count runs its sampler, other divisors of N run DDIM, the rest are refused", () => {
  const student = { teacherSteps: 4, numSteps: 2, timescale: 2 };
  assert.deepEqual(samplerPlan(student), { steps: [2, 0], sampler: 'ddpm' });
  assert.deepEqual(samplerPlan(student, 2), { steps: [2, 0], sampler: 'ddpm' });
  assert.deepEqual(samplerPlan(student, 4), { steps: [3, 2, 1, 0], sampler: 'ddim' });
  assert.deepEqual(samplerPlan(student, 1), { steps: [0], sampler: 'ddim' });
  assert.deepEqual(samplerPlan({ ...student, sampler: 'ddim' }), { steps: [2, 0], sampler: 'ddim' });
  assert.throws(() => samplerPlan(student, 3), /steps 3: the schedule has 4 teacher steps, so steps must be one of 1, 2, 4/);
  assert.deepEqual(supportedStepCounts(8), [1, 2, 4, 8]);
  for (const bad of [0, -2, 2.5, 3, NaN, '2']) assert.match(stepCountProblem(4, bad) ?? '', /must be one of 1, 2, 4/, String(bad));
  assert.equal(stepCountProblem(4, 4), undefined);
});

test('DDIM: x_next = alpha_to x0 + sigma_to / sigma_from (x - alpha_from x0); the last x0 is the sample', async () => {
  const schedule = vpsdeSchedule(4);
  const calls: number[] = [];
  // A fake step session: x0 = 0.5 x + step.
  const session = {
    run: async (feeds: Record<string, { data: unknown }>) => {
      const x = feeds.x_t!.data as Float32Array;
      const step = Number((feeds.step!.data as BigInt64Array)[0]);
      calls.push(step);
      return { x0_pred: { data: x.map((v) => 0.5 * v + step) }, x_prev: { data: new Float32Array(x.length) } };
    },
  };
  const init = Float32Array.of(1, -2, 3);
  const trace: SamplerTrace = { xIn: [], x0: [] };
  const x = await sample(session as never, schedule, { cond: new Float32Array(2 * 3), condChannels: 2, mels: 1, frames: 3, steps: [2, 0], sampler: 'ddim', init, stepNoise: [] }, { trace });
  assert.deepEqual(calls, [2, 0]);
  const a = schedule.f32.sqrt_alphas_cumprod, s = schedule.f32.sqrt_one_minus_alphas_cumprod;
  const x1 = Array.from(init, (v) => { const x0 = 0.5 * v + 2; return a[0]! * x0 + (s[0]! / s[2]!) * (v - a[2]! * x0); });
  assert.equal(trace.xIn.length, 2);
  Array.from(trace.xIn[1]!).forEach((v, i) => assert.ok(Math.abs(v - x1[i]!) <= 1e-5, `${v} vs ${x1[i]}`));
  Array.from(x).forEach((v, i) => assert.ok(Math.abs(v - 0.5 * x1[i]!) <= 1e-5, `${v} vs ${0.5 * x1[i]!}`));
  await assert.rejects(sample(session as never, schedule, { cond: new Float32Array(6), condChannels: 2, mels: 1, frames: 3, steps: [0], sampler: 'ddim', init, stepNoise: [] }, { range: [0, 2] }), /needs the denoiser reach/);
});

test('sampler windows shrink by the reach per step, clipped to the utterance', () => {
  assert.deepEqual(samplerWindows(40, 50, 100, 2, 8), [[24, 66], [32, 58], [40, 50]]);
  assert.deepEqual(samplerWindows(0, 10, 12, 2, 8), [[0, 12], [0, 12], [0, 10]]);
});

async function model(name: string, steps: number): Promise<AcousticModel> {
  const dir = join(tmp, name);
  makeRandomVoice(dir, HP, { seed: 4, steps });
  const v = loadVoice({ dir });
  return AcousticModel.create(v.model.cfg, v.model.params, { ...v.model.options, threads: 1 });
}

const IDS = Array.from({ length: 24 }, (_, i) => 10 + ((i * 7) % 60));

for (const [name, modelSteps, runSteps] of [['student (2 DDPM steps)', 2, undefined], ['teacher (4 DDPM steps)', 4, undefined], ['teacher, naive DDIM (2 steps)', 4, 2]] as const) {
  test(`chunked denoising = whole-utterance mel: ${name}`, async () => {
    const m = await model(name.replace(/\W+/g, '-'), modelSteps);
    assert.equal(m.denoiserReach, 8);
    const o = { seed: 11, ...(runSteps ? { steps: runSteps } : {}) };
    const whole = await m.synthesize(IDS, o);
    const T = whole.frames;
    assert.ok(T > 100, `${T} frames`);
    const p = await m.prepare(IDS, o);
    assert.equal(p.frames, T);
    assert.deepEqual(p.durations, whole.durations);
    assert.deepEqual(await m.denoiseFrames(p, 0, T), whole.mel, 'one chunk: the same computation');
    const peak = Math.max(...Array.from(whole.mel, Math.abs));
    for (const size of [1, 5, 8, 17, 64]) {
      const mel = new Float32Array(whole.mel.length);
      for (let a = 0; a < T; a += size) mel.set(await m.denoiseFrames(p, a, Math.min(T, a + size)), a * whole.mels);
      const d = maxAbsDiff(mel, whole.mel);
      assert.ok(d <= 1e-5 * Math.max(1, peak), `chunks of ${size}: max |diff| ${d} (peak ${peak})`);
    }
    // One frame deep inside, and the edges.
    for (const [a, b] of [[T >> 1, (T >> 1) + 1], [0, 3], [T - 3, T]] as const) {
      const d = maxAbsDiff(await m.denoiseFrames(p, a, b), whole.mel.subarray(a * whole.mels, b * whole.mels));
      assert.ok(d <= 1e-5 * Math.max(1, peak), `[${a}, ${b}): ${d}`);
    }
    await assert.rejects(m.denoiseFrames(p, 5, 5), /bad frame range/);
    await assert.rejects(m.denoiseFrames(p, 0, T + 1), /bad frame range/);
  });
}
