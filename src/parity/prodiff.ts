// Golden cases of the official ProDiff modules beyond the denoiser: the FastSpeech 2 encoder
// (forward and gradients), the diffusion schedule, the variance adaptor (teacher-forced and
// inference paths), teacher and student sampling, the distillation step, and the losses.
// Every runner reports each `output.*` (or `grad.*`) tensor of its case; one the port does not
// produce fails.
import { exportOnnx, gradients, Graph, op, ortTensor, ParamStore, createSession, type ort, type Tensor } from '../engine/index.js';
import type { StTensor } from '../engine/safetensors.js';
import { vpsdeSchedule, SCHEDULE_BUFFERS, type DiffusionSchedule } from '../model/diffusion.js';
import { sample, samplerSteps, type SamplerTrace } from '../model/sampler.js';
import { fastspeechEncoder, foldTiedParameters, fs2ConfigFromHparams, lengthRegulator, TIED_PARAMETERS } from '../model/fastspeech2.js';
import { durationLosses, energyLoss, lossWeightsFromHparams, melL1, melSsimLoss, pitchLosses, silenceIdsFromVocab, silenceTable } from '../model/losses.js';
import { buildAdaptorGraph, buildDenoiseStepGraph, buildEncoderGraph, distillationLoss, fs2Forward, teacherTrainingLoss, toMelLayout, prodiffConfigFromHparams, type ProDiffConfig } from '../model/prodiff.js';
import { parseHparams, type Hparams } from '../model/hparams.js';

export { prodiffConfigFromHparams };
import { Scope } from '../nn/index.js';
import { compareArrays, toleranceFor } from './compare.js';
import type { CaseRunner, GoldenCase, ParityCheck } from './types.js';

type Values = Map<string, ArrayLike<number | bigint>>;

function need(c: GoldenCase, name: string): StTensor {
  const t = c.tensors.get(name);
  if (!t) throw new Error(`${c.file}: missing tensor '${name}'`);
  return t;
}

function hparams(c: GoldenCase): Hparams {
  return parseHparams(JSON.parse(c.metadata.hparams ?? '{}'), c.file);
}

/** `prefix` tensors as parameters, renamed `rename + name`; tied aliases are folded onto their canonical names. */
function loadParams(c: GoldenCase, store = new ParamStore(), prefix = 'param.', rename = ''): ParamStore {
  const own = new ParamStore();
  for (const [name, t] of c.tensors) {
    if (name.startsWith(prefix) && t.data instanceof Float32Array) own.set(name.slice(prefix.length), t.shape, t.data);
  }
  foldTiedParameters(own, c.file);
  for (const [k, v] of own.values) store.set(rename + k, v.shape, v.data);
  return store;
}

function feedOf(t: StTensor): ort.Tensor {
  switch (t.dtype) {
    case 'F32': return ortTensor('float32', t.data as Float32Array, t.shape);
    case 'I64': return ortTensor('int64', t.data as BigInt64Array, t.shape);
    default: throw new Error(`unsupported input dtype ${t.dtype}`);
  }
}

async function run(g: Graph, params: ParamStore, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  params.checkAgainst(g, g.name);
  const session = await createSession(exportOnnx(g, { values: (n) => params.get(n).data }));
  return session.run(feeds);
}

/** Compares every reference tensor with `prefix` against the port's values (missing ones fail). */
function compareAll(c: GoldenCase, values: Values, prefix = 'output.'): ParityCheck[] {
  const checks: ParityCheck[] = [];
  for (const [name, ref] of c.tensors) {
    if (!name.startsWith(prefix)) continue;
    const key = prefix === 'output.' ? name.slice(prefix.length) : name;
    const v = values.get(key);
    if (!v) {
      checks.push({ name: key, maxAbsError: Infinity, tolerance: 'not produced by the port', pass: false });
      continue;
    }
    const port = v instanceof BigInt64Array ? Array.from(v, Number) : (v as ArrayLike<number>);
    checks.push(compareArrays(key, port, ref, toleranceFor(c, key)));
  }
  return checks;
}

function collect(values: Values, result: Record<string, ort.Tensor>, rename: (n: string) => string = (n) => n): void {
  for (const [k, v] of Object.entries(result)) values.set(rename(k), v.data as ArrayLike<number>);
}

function inputsOf(g: Graph, c: GoldenCase, names: string[]): { tensors: Record<string, Tensor>; feeds: Record<string, ort.Tensor> } {
  const tensors: Record<string, Tensor> = {};
  const feeds: Record<string, ort.Tensor> = {};
  const dims: Record<string, (string | number)[]> = {
    txt_tokens: ['B', 'L'], mel2ph: ['B', 'T'], f0: ['B', 'T'], uv: ['B', 'T'], energy: ['B', 'T'], mels: ['B', 'T', 'M'], mel_out: ['B', 'T', 'M'], dur_pred: ['B', 'L'], pitch_pred: ['B', 'T', 'M'], energy_pred: ['B', 'T'],
    noise: ['B', 1, 'M', 'T'], noise_posterior: ['B', 1, 'M', 'T'], t: ['B'], target: ['B', 'L', 'H'],
  };
  for (const n of names) {
    const st = need(c, `input.${n}`);
    const shape = (dims[n] ?? st.shape).map((d, i) => (d === 'M' || d === 'H' ? st.shape[i]! : d));
    tensors[n] = g.input(n, st.dtype === 'I64' ? 'int64' : 'float32', shape);
    feeds[n] = feedOf(st);
  }
  return { tensors, feeds };
}

// ---------------------------------------------------------------- encoder

const fs2EncoderRunner: CaseRunner = {
  name: 'fs2-encoder',
  matches: (c) => c.metadata.module === 'modules.fastspeech.tts_modules.FastspeechEncoder',
  async run(c) {
    const cfg = fs2ConfigFromHparams(hparams(c));
    const params = loadParams(c);
    const g = new Graph('fs2_encoder');
    const { tensors, feeds } = inputsOf(g, c, ['txt_tokens']);
    const tokens = tensors.txt_tokens!;
    const out = fastspeechEncoder(new Scope(g).child('fs2'), cfg, tokens);
    const values: Values = new Map();
    const isGrad = [...c.tensors.keys()].some((n) => n.startsWith('grad.'));
    if (!isGrad) {
      g.output('encoder_out', out);
      collect(values, await run(g, params, feeds));
      return compareAll(c, values);
    }
    const loss = c.metadata.loss ?? '';
    if (!loss.startsWith('masked_mse')) throw new Error(`unsupported loss '${loss}'`);
    const tgt = need(c, 'input.target');
    const target = g.input('target', 'float32', ['B', 'L', tgt.shape[2]!]);
    feeds.target = feedOf(tgt);
    const mask = op.unsqueeze(op.cast(op.greater(tokens, 0), 'float32'), [2]);
    const d = op.sub(out, target);
    const l = op.div(op.reduceSum(op.mul(op.mul(d, d), mask)), op.mul(op.reduceSum(mask), cfg.hidden));
    g.output('loss', l);
    const names = [...c.tensors.keys()].filter((n) => n.startsWith('grad.')).map((n) => n.slice(5));
    const wrt = names.map((n) => {
      const p = g.params.get(TIED_PARAMETERS[n] ?? n);
      if (!p) throw new Error(`gradient for unknown parameter '${n}'`);
      return p.tensor;
    });
    const grads = gradients(l, wrt);
    const outNames = new Map<Tensor, string>();
    names.forEach((n, i) => {
      const gt = grads[i] ?? op.mul(wrt[i]!, 0);
      const existing = outNames.get(gt);
      if (existing) return; // tied: same tensor, reported under both names below
      outNames.set(gt, n);
      g.output(`grad.${n}`, gt);
    });
    const result = await run(g, params, feeds);
    values.set('loss', result.loss!.data as Float32Array);
    names.forEach((n, i) => {
      const gt = grads[i] ?? null;
      const first = gt ? outNames.get(gt) : n;
      values.set(`grad.${n}`, result[`grad.${first ?? n}`]!.data as Float32Array);
    });
    return [...compareAll(c, values, 'output.'), ...compareAll(c, values, 'grad.')];
  },
};

// ---------------------------------------------------------------- schedule

const scheduleRunner: CaseRunner = {
  name: 'schedule',
  matches: (c) => (c.metadata.module ?? '').endsWith('GaussianDiffusion (buffers)'),
  async run(c) {
    const hp = hparams(c);
    const timescale = hp.timescale ?? 1;
    const values: Values = new Map();
    const steps = new Set<number>();
    for (const name of c.tensors.keys()) {
      const m = /^output\.steps(\d+)\./.exec(name);
      if (m) steps.add(Number(m[1]));
    }
    if (steps.size === 0) throw new Error('no output.steps{N}.* tensors');
    for (const n of steps) {
      const s = vpsdeSchedule(n, timescale);
      values.set(`steps${n}.timesteps`, [n]);
      values.set(`steps${n}.timescale`, [timescale]);
      for (const k of SCHEDULE_BUFFERS) values.set(`steps${n}.${k}`, s.f32[k]);
    }
    return compareAll(c, values);
  },
};

// ---------------------------------------------------------------- variance adaptor

/** Inference front: encoder graph, host length regulation, adaptor graph. */
async function inferFront(cfg: ProDiffConfig, params: ParamStore, tokensSt: StTensor, values: Values, prefix: string): Promise<{ cond: ort.Tensor; mel2ph: BigInt64Array; frames: number }> {
  const [B, L] = tokensSt.shape as [number, number];
  const tokens = feedOf(tokensSt);
  const enc = await run(buildEncoderGraph(cfg), params, { txt_tokens: tokens });
  values.set(`${prefix}dur_log`, enc.dur_log!.data as Float32Array);
  values.set(`${prefix}dur`, enc.dur!.data as BigInt64Array);
  const padMask = Array.from(tokensSt.data as BigInt64Array, (v) => v === 0n);
  const lr = lengthRegulator(enc.dur!.data as BigInt64Array, B, L, { padMask });
  values.set(`${prefix}mel2ph`, lr.mel2ph);
  const ad = await run(buildAdaptorGraph(cfg), params, { encoder_out: enc.encoder_out!, txt_tokens: tokens, mel2ph: ortTensor('int64', lr.mel2ph, [B, lr.frames]) });
  collect(values, ad, (k) => prefix + k);
  return { cond: ad.cond!, mel2ph: lr.mel2ph, frames: lr.frames };
}

/** Teacher-forced FastSpeech 2 forward in one graph. */
async function teacherForcedFront(c: GoldenCase, cfg: ProDiffConfig, params: ParamStore, values: Values): Promise<void> {
  const g = new Graph('fs2_forward');
  const { tensors, feeds } = inputsOf(g, c, ['txt_tokens', 'mel2ph', 'f0', 'uv', 'energy']);
  const o = fs2Forward(new Scope(g), cfg.fs2, { tokens: tensors.txt_tokens!, mel2ph: tensors.mel2ph!, f0: tensors.f0, uv: tensors.uv, energy: tensors.energy });
  g.output('encoder_out', o.encoderOut);
  g.output('dur', o.dur);
  g.output('pitch_predictor_input', o.pitchPredictorInput);
  g.output('pitch_pred', o.pitchPredOut!);
  g.output('energy_pred', o.energyPred!);
  g.output('f0_denorm', o.f0Denorm!);
  g.output('pitch_coarse', o.pitchCoarse!);
  g.output('energy_idx', o.energyIdx!);
  g.output('cond', o.cond);
  collect(values, await run(g, params, feeds));
}

const varianceRunner: CaseRunner = {
  name: 'variance',
  matches: (c) => c.metadata.module === 'modules.fastspeech.fs2.FastSpeech2',
  async run(c) {
    const cfg = prodiffConfigFromHparams(hparams(c));
    const params = loadParams(c);
    const values: Values = new Map();
    await teacherForcedFront(c, cfg, params, values);
    await inferFront(cfg, params, need(c, 'input.txt_tokens'), values, 'infer_');
    return compareAll(c, values);
  },
};

// ---------------------------------------------------------------- sampling

function stack(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function teacherSchedule(hp: Hparams): DiffusionSchedule {
  return vpsdeSchedule(hp.timesteps, hp.timescale ?? 1);
}

/** Student step count and time scale: from the hparams, else from the stored buffers. */
function studentScale(c: GoldenCase, hp: Hparams): { numSteps: number; timescale: number } {
  const buf = (k: string) => (c.tensors.has(`param.${k}`) ? Number((need(c, `param.${k}`).data as Float32Array)[0]) : undefined);
  const numSteps = (hp.other.student_num_timesteps as number | undefined) ?? buf('timesteps');
  const timescale = (hp.other.student_time_scale as number | undefined) ?? buf('timescale');
  if (numSteps === undefined || timescale === undefined) throw new Error('student step count / time scale not found (hparams student_num_timesteps, student_time_scale)');
  return { numSteps, timescale };
}

const samplingRunner: CaseRunner = {
  name: 'sampling',
  matches: (c) => /^modules\.ProDiff\.model\.ProDiff(_teacher)?\.GaussianDiffusion\.forward\(infer=True\)$/.test(c.metadata.module ?? ''),
  async run(c) {
    const hp = hparams(c);
    const cfg = prodiffConfigFromHparams(hp);
    const params = loadParams(c);
    const schedule = teacherSchedule(hp);
    const isStudent = !(c.metadata.module ?? '').includes('ProDiff_teacher');
    const { numSteps, timescale } = isStudent ? studentScale(c, hp) : { numSteps: schedule.steps, timescale: 1 };
    const values: Values = new Map();
    let cond: { data: Float32Array; shape: number[] };
    if (c.tensors.has('input.mel2ph')) {
      await teacherForcedFront(c, cfg, params, values);
      const [B, T] = need(c, 'input.mel2ph').shape as [number, number];
      cond = { data: values.get('cond') as Float32Array, shape: [B, cfg.fs2.hidden, T] };
    } else {
      const r = await inferFront(cfg, params, need(c, 'input.txt_tokens'), values, '');
      cond = { data: r.cond.data as Float32Array, shape: r.cond.dims as number[] };
    }
    const noiseInit = need(c, 'input.noise_init');
    const noiseSteps = need(c, 'input.noise_steps');
    if (noiseInit.shape[3] !== cond.shape[2]) throw new Error(`noise_init has ${noiseInit.shape[3]} frames, the port's condition ${cond.shape[2]}`);
    const size = noiseInit.data.length;
    const steps = samplerSteps(numSteps, timescale);
    const stepGraph = buildDenoiseStepGraph(cfg, schedule);
    params.checkAgainst(stepGraph, c.file);
    const session = await createSession(exportOnnx(stepGraph, { values: (n) => params.get(n).data }));
    const [B, condChannels, T] = cond.shape as [number, number, number];
    const trace: SamplerTrace = { xIn: [], x0: [] };
    const x = await sample(session, schedule, {
      cond: cond.data, condChannels, mels: cfg.mels, frames: T, batch: B, steps, sampler: 'ddpm',
      init: noiseInit.data as Float32Array,
      stepNoise: steps.map((_, k) => (noiseSteps.data as Float32Array).subarray(k * size, (k + 1) * size)),
    }, { trace });
    values.set('step_index', steps);
    values.set('x_in_steps', stack(trace.xIn));
    values.set('x0_pred_steps', stack(trace.x0));
    values.set('mel_out', toMelLayout(x, B, cfg.mels, T));
    return compareAll(c, values);
  },
};

// ---------------------------------------------------------------- distillation

const distillationRunner: CaseRunner = {
  name: 'distillation',
  matches: (c) => c.metadata.module === 'modules.ProDiff.model.ProDiff.GaussianDiffusion.forward(infer=False)',
  async run(c) {
    const hp = hparams(c);
    const cfg = prodiffConfigFromHparams(hp);
    const params = loadParams(c, loadParams(c, new ParamStore(), 'teacher_param.', 'teacher.'));
    const schedule = teacherSchedule(hp);
    const { timescale } = studentScale(c, hp);
    const g = new Graph('distill');
    const { tensors, feeds } = inputsOf(g, c, ['txt_tokens', 'mel2ph', 'f0', 'uv', 'energy', 'mels', 'noise', 'noise_posterior']);
    const draw = need(c, 'input.t_randint').data as BigInt64Array;
    const tHost = Array.from(draw, (v) => Number(v) * timescale);
    const t = g.input('t', 'int64', ['B']);
    feeds.t = ortTensor('int64', tHost, [tHost.length]);
    const o = distillationLoss(new Scope(g), cfg, schedule, timescale, {
      tokens: tensors.txt_tokens!, mel2ph: tensors.mel2ph!, f0: tensors.f0, uv: tensors.uv, energy: tensors.energy,
      mels: tensors.mels!, t, noise: tensors.noise!, noisePosterior: tensors.noise_posterior,
    });
    const outs: Record<string, Tensor> = {
      cond: o.fs2.cond, x_t: o.xT, teacher_x0_pred: o.teacherX0, x_t_pre: o.xTPre, teacher_x0_pred1: o.teacherX0b,
      x_t_pre_pre: o.xTPrePre, x_target: o.target, student_x_pred: o.studentX0, loss: o.loss,
      x_t_prev: op.transpose(op.squeeze(o.xTPrev, [1]), [0, 2, 1]),
    };
    if (o.xTPrevPred) outs.x_t_prev_pred = op.transpose(op.squeeze(o.xTPrevPred, [1]), [0, 2, 1]);
    for (const [k, v] of Object.entries(outs)) g.output(k, v);
    const values: Values = new Map();
    collect(values, await run(g, params, feeds));
    values.set('t', tHost);
    values.set('teacher_step_index', [...tHost, ...tHost.map((v) => v - Math.floor(timescale / 2))]);
    values.set('student_step_index', tHost.map((v) => v - timescale));
    return compareAll(c, values);
  },
};

// ---------------------------------------------------------------- losses

function silTableFor(g: Graph, hp: Hparams, vocabSize: number): Tensor {
  const ids = Array.isArray(hp.other.sil_ids) ? (hp.other.sil_ids as number[]) : hp.vocab ? silenceIdsFromVocab([...hp.vocab]) : undefined;
  if (!ids) throw new Error('hparams: neither sil_ids nor vocab given (needed for the word duration loss)');
  return g.constant({ dtype: 'float32', shape: [vocabSize], values: silenceTable(vocabSize, ids) }, 'sil_table');
}

const lossesRunner: CaseRunner = {
  name: 'losses',
  matches: (c) => (c.metadata.module ?? '').startsWith('tasks.tts.fs2.FastSpeech2Task'),
  async run(c) {
    const hp = hparams(c);
    const cfg = fs2ConfigFromHparams(hp);
    const w = lossWeightsFromHparams(hp);
    const g = new Graph('losses');
    const { tensors: x, feeds } = inputsOf(g, c, ['mel_out', 'mels', 'txt_tokens', 'mel2ph', 'dur_pred', 'pitch_pred', 'f0', 'uv', 'energy_pred', 'energy']);
    const l1 = melL1(x.mel_out!, x.mels!);
    const ssim = melSsimLoss(x.mel_out!, x.mels!);
    const dl = durationLosses(x.dur_pred!, x.mel2ph!, x.txt_tokens!, silTableFor(g, hp, cfg.vocabSize), w);
    const pl = pitchLosses(x.pitch_pred!, x.f0!, x.uv!, x.mel2ph!, w);
    const outs: Record<string, Tensor> = {
      l1_raw: l1, ssim_raw: ssim, loss_l1: op.mul(l1, w.l1), loss_ssim: op.mul(ssim, w.ssim),
      loss_pdur: dl.pdur, loss_wdur: dl.wdur, loss_sdur: dl.sdur, loss_uv: pl.uv, loss_f0: pl.f0,
      loss_e: energyLoss(x.energy_pred!, x.energy!, w.energy),
    };
    for (const [k, v] of Object.entries(outs)) g.output(k, v);
    const values: Values = new Map();
    collect(values, await run(g, new ParamStore(), feeds));
    return compareAll(c, values);
  },
};

const teacherTrainRunner: CaseRunner = {
  name: 'teacher-train',
  matches: (c) => c.metadata.module === 'modules.ProDiff.task.ProDiff_teacher_task.ProDiff_teacher_Task.run_model',
  async run(c) {
    const hp = hparams(c);
    const cfg = prodiffConfigFromHparams(hp);
    const params = loadParams(c);
    const g = new Graph('teacher_train');
    const { tensors: x, feeds } = inputsOf(g, c, ['txt_tokens', 'mel2ph', 'f0', 'uv', 'energy', 'mels', 't', 'noise']);
    const o = teacherTrainingLoss(new Scope(g), cfg, teacherSchedule(hp), {
      tokens: x.txt_tokens!, mel2ph: x.mel2ph!, f0: x.f0!, uv: x.uv!, energy: x.energy!, mels: x.mels!, t: x.t!, noise: x.noise!,
    }, lossWeightsFromHparams(hp), silTableFor(g, hp, cfg.fs2.vocabSize));
    g.output('x_t', o.xT);
    g.output('cond', o.fs2.cond);
    g.output('mel_out', o.melOut);
    for (const [k, v] of Object.entries(o.losses)) g.output(`loss_${k}`, v);
    g.output('loss_total', o.total);
    const values: Values = new Map();
    collect(values, await run(g, params, feeds));
    return compareAll(c, values);
  },
};

export const prodiffRunners: CaseRunner[] = [fs2EncoderRunner, scheduleRunner, varianceRunner, samplingRunner, distillationRunner, lossesRunner, teacherTrainRunner];
