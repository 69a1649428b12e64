// ProDiff assembled: FastSpeech 2 front (encoder + variance adaptor) conditioning an x0-predicting
// WaveNet denoiser. Graph builders for inference (encoder/durations, frame adaptor, one denoiser
// step), for teacher training and for progressive distillation. The host-side sampler loop is in
// sampler.ts.
import { createSession, exportOnnx, Graph, op, type ort, type ParamStore, type SessionOptions, type Tensor } from '../engine/index.js';
import { Scope } from '../nn/index.js';
import { denoiser, denoiserConfigFromHparams, type DenoiserConfig } from './denoiser.js';
import { HparamsError, parseHparams, type Hparams } from './hparams.js';
import { ScheduleTables, type DiffusionSchedule } from './diffusion.js';
import { durationPredictor, durationsFromLog, fastspeechEncoder, fs2ConfigFromHparams, speakerEmbedding, varianceAdaptor, type FastSpeech2Config, type ForwardOptions, type VarianceOutputs } from './fastspeech2.js';
import { durationLosses, energyLoss, melL1, melSsimLoss, pitchLosses, type LossWeights } from './losses.js';

export type DiffusionTarget = 'x0' | 'epsilon' | 'regression';

export interface ProDiffConfig {
  fs2: FastSpeech2Config;
  denoiser: DenoiserConfig;
  /** Mel bins. */
  mels: number;
  /** What the denoiser network predicts (ProDiff: x0). Default x0. */
  target?: DiffusionTarget;
  /** Epsilon models: the per-bin range their samplers clip the x0 estimate to (spec_min / spec_max). */
  x0Clip?: { min: readonly number[]; max: readonly number[] };
}

/**
 * The whole configuration from hparams: parsed ones, or official hparams as golden cases and
 * converted checkpoints carry them (parsed here, `source` naming them in errors).
 */
export function prodiffConfigFromHparams(hparams: Hparams | Record<string, unknown>, source = 'hparams'): ProDiffConfig {
  const hp = parseHparams(hparams, source);
  const mels = hp.audio_num_mel_bins;
  const target = hp.diffusion_target as DiffusionTarget;
  let x0Clip: ProDiffConfig['x0Clip'];
  if (target === 'epsilon' && hp.spec_min?.length && hp.spec_max?.length) {
    for (const key of ['spec_min', 'spec_max'] as const) {
      if (hp[key]!.length !== mels) throw new HparamsError(hp.source, key, `must have one value per mel bin (${mels}), got ${hp[key]!.length}`);
    }
    if (hp.spec_min.some((lo, i) => lo > hp.spec_max![i]!)) throw new HparamsError(hp.source, 'spec_min', 'must not exceed spec_max in any bin');
    x0Clip = { min: hp.spec_min, max: hp.spec_max };
  }
  return { fs2: fs2ConfigFromHparams(hp), denoiser: denoiserConfigFromHparams(hp, mels), mels, target, ...(x0Clip ? { x0Clip } : {}) };
}

/**
 * The denoiser's x0 prediction at index t: the network's output for an x0 model; for an epsilon
 * model the output is the noise estimate, turned into x0 with the schedule (`eps` is returned too);
 * a regression model is given x_t = 0 and index 0 whatever the sampler passes, so every call
 * returns the same mel.
 */
export function predictX0(s: Scope, cfg: ProDiffConfig, tables: ScheduleTables, xT: Tensor, t: Tensor, cond: Tensor): { x0: Tensor; eps?: Tensor } {
  const target = cfg.target ?? 'x0';
  if (target === 'regression') return { x0: denoiser(s, cfg.denoiser, op.mul(xT, 0), op.sub(t, t), cond).x0 };
  const out = denoiser(s, cfg.denoiser, xT, t, cond).x0;
  if (target === 'x0') return { x0: out };
  return { x0: tables.x0FromEpsilon(xT, t, out), eps: out };
}

export interface Fs2Inputs {
  tokens: Tensor;
  mel2ph: Tensor;
  f0?: Tensor;
  uv?: Tensor;
  energy?: Tensor;
  /** Speaker ids [B] (use_spk_id). */
  spk?: Tensor;
  /** External speaker embeddings [B, spkEmbedDim] (use_spk_embed). */
  spkEmbed?: Tensor;
}

export interface Fs2Outputs extends VarianceOutputs {
  encoderOut: Tensor;
  /** Log-domain duration prediction [B, L]. */
  dur: Tensor;
}

/** The whole FastSpeech 2 forward (skip_decoder) with mel2ph given. */
export function fs2Forward(root: Scope, cfg: FastSpeech2Config, i: Fs2Inputs, o: ForwardOptions = {}): Fs2Outputs {
  const fs2 = root.child('fs2');
  const encoderOut = fastspeechEncoder(fs2, cfg, i.tokens, o);
  const nonPad = op.cast(op.not(op.equal(i.tokens, 0)), 'float32');
  const spk = speakerEmbedding(fs2, cfg, { id: i.spk, embed: i.spkEmbed }, 'dur');
  const durInp = op.mul(spk ? op.add(encoderOut, spk) : encoderOut, op.unsqueeze(nonPad, [2]));
  const dur = durationPredictor(fs2, cfg, durInp, nonPad, o);
  const v = varianceAdaptor(fs2, cfg, { tokens: i.tokens, encoderOut, mel2ph: i.mel2ph, f0: i.f0, uv: i.uv, energy: i.energy, spk: i.spk, spkEmbed: i.spkEmbed }, o);
  return { ...v, encoderOut, dur };
}

/** Frame mask as [B, 1, 1, T] (the diffusion tensors' layout). */
function diffusionMask(mel2ph: Tensor): Tensor {
  return op.unsqueeze(op.cast(op.not(op.equal(mel2ph, 0)), 'float32'), [1, 2]);
}

/** mels [B, T, M] -> [B, 1, M, T]. */
const melsToDiffusion = (mels: Tensor): Tensor => op.unsqueeze(op.transpose(mels, [0, 2, 1]), [1]);
/** [B, 1, M, T] -> [B, T, M]. */
const diffusionToMels = (x: Tensor): Tensor => op.transpose(op.squeeze(x, [1]), [0, 2, 1]);

// ---------------------------------------------------------------- inference graphs

/** The graph's speaker inputs: spk_id int64 [B] (use_spk_id) or spk_embed float32 [B, D] (use_spk_embed); none for one speaker. */
export function declareSpeakerInputs(g: Graph, cfg: FastSpeech2Config): { spk?: Tensor; spkEmbed?: Tensor } {
  const d = cfg.spkEmbedDim ?? 0;
  if (d > 0) return { spkEmbed: g.input('spk_embed', 'float32', ['B', d]) };
  return cfg.numSpk > 0 ? { spk: g.input('spk_id', 'int64', ['B']) } : {};
}

/** Graph 1: tokens [B, L] (+ spk_id [B] or spk_embed [B, D]) -> encoder_out, dur_log [B, L, 1], dur (int64 [B, L]). */
export function buildEncoderGraph(cfg: ProDiffConfig): Graph {
  const g = new Graph('prodiff_encoder');
  const root = new Scope(g);
  const tokens = g.input('txt_tokens', 'int64', ['B', 'L']);
  const who = declareSpeakerInputs(g, cfg.fs2);
  const fs2 = root.child('fs2');
  const enc = fastspeechEncoder(fs2, cfg.fs2, tokens);
  const nonPad = op.cast(op.not(op.equal(tokens, 0)), 'float32');
  const s = speakerEmbedding(fs2, cfg.fs2, { id: who.spk, embed: who.spkEmbed }, 'dur');
  const durLog = durationPredictor(fs2, cfg.fs2, op.mul(s ? op.add(enc, s) : enc, op.unsqueeze(nonPad, [2])), nonPad);
  g.output('encoder_out', enc);
  g.output('dur_log', op.unsqueeze(durLog, [2]));
  g.output('dur', durationsFromLog(durLog));
  return g;
}

export interface AdaptorGraphOptions {
  /** f0/uv/energy given as inputs (teacher forcing); predicted otherwise. */
  teacherForced?: boolean;
  /** Scalar inputs pitch_shift (semitones) and energy_scale. */
  controls?: boolean;
}

/** Graph 2: encoder_out [B, L, H], txt_tokens, mel2ph [B, T] -> cond [B, H, T] and the variance outputs. */
export function buildAdaptorGraph(cfg: ProDiffConfig, o: AdaptorGraphOptions = {}): Graph {
  const g = new Graph('prodiff_adaptor');
  const root = new Scope(g);
  const encoderOut = g.input('encoder_out', 'float32', ['B', 'L', cfg.fs2.hidden]);
  const tokens = g.input('txt_tokens', 'int64', ['B', 'L']);
  const mel2ph = g.input('mel2ph', 'int64', ['B', 'T']);
  const who = declareSpeakerInputs(g, cfg.fs2);
  const tf = o.teacherForced ? { f0: g.input('f0', 'float32', ['B', 'T']), uv: g.input('uv', 'float32', ['B', 'T']), energy: g.input('energy', 'float32', ['B', 'T']) } : {};
  const controls = o.controls ? { pitchShift: g.input('pitch_shift', 'float32', []), energyScale: g.input('energy_scale', 'float32', []) } : {};
  const v = varianceAdaptor(root.child('fs2'), cfg.fs2, { tokens, encoderOut, mel2ph, ...who, ...tf, ...controls });
  g.output('cond', v.cond);
  if (v.pitchPredOut) g.output('pitch_pred', v.pitchPredOut);
  if (v.f0Denorm) g.output('f0_denorm', v.f0Denorm);
  if (v.pitchCoarse) g.output('pitch_coarse', v.pitchCoarse);
  if (v.energyPred) g.output('energy_pred', v.energyPred);
  if (v.energyIdx) g.output('energy_idx', v.energyIdx);
  return g;
}

/**
 * Graph 3: one sampler step. x_t [B, 1, M, T], step int64 [B], cond [B, H, T], noise [B, 1, M, T]
 * -> x0_pred and x_prev (the DDPM posterior sample at the same index; noise unused where step = 0).
 */
export function buildDenoiseStepGraph(cfg: ProDiffConfig, schedule: DiffusionSchedule, prefix = 'denoise_fn.'): Graph {
  const g = new Graph('prodiff_denoise_step');
  const xT = g.input('x_t', 'float32', ['B', 1, cfg.mels, 'T']);
  const step = g.input('step', 'int64', ['B']);
  const cond = g.input('cond', 'float32', ['B', cfg.denoiser.condChannels, 'T']);
  const noise = g.input('noise', 'float32', ['B', 1, cfg.mels, 'T']);
  const tables = new ScheduleTables(g, schedule);
  const predicted = predictX0(new Scope(g, prefix), cfg, tables, xT, step, cond).x0;
  const x0 = cfg.x0Clip ? clipPerBin(g, predicted, cfg.x0Clip) : predicted;
  g.output('x0_pred', x0);
  g.output('x_prev', tables.posteriorSample(x0, xT, step, noise));
  return g;
}

/** x [B, 1, M, T] clipped bin by bin to [min_m, max_m]. */
function clipPerBin(g: Graph, x: Tensor, range: { min: readonly number[]; max: readonly number[] }): Tensor {
  const M = range.min.length;
  const lo = g.constant({ dtype: 'float32', shape: [1, 1, M, 1], values: Float32Array.from(range.min) }, 'x0_clip_min');
  const hi = g.constant({ dtype: 'float32', shape: [1, 1, M, 1], values: Float32Array.from(range.max) }, 'x0_clip_max');
  return op.minimum(op.maximum(x, lo), hi);
}

/** [B, 1, M, T] -> [B, T, M] on the host. */
export function toMelLayout(x: Float32Array, B: number, M: number, T: number): Float32Array {
  const out = new Float32Array(B * T * M);
  for (let b = 0; b < B; b++) for (let m = 0; m < M; m++) for (let t = 0; t < T; t++) out[(b * T + t) * M + m] = x[(b * M + m) * T + t]!;
  return out;
}

// ---------------------------------------------------------------- training graphs

export interface TeacherTrainInputs extends Fs2Inputs {
  f0: Tensor;
  uv: Tensor;
  energy: Tensor;
  /** Target mels [B, T, M]. */
  mels: Tensor;
  /** Diffusion index per item, int64 [B] in [0, N]. */
  t: Tensor;
  /** Noise [B, 1, M, T]. */
  noise: Tensor;
}

export interface TeacherTrainOutputs {
  fs2: Fs2Outputs;
  xT: Tensor;
  melOut: Tensor;
  losses: Record<'ssim' | 'l1' | 'pdur' | 'wdur' | 'sdur' | 'uv' | 'f0' | 'e', Tensor>;
  total: Tensor;
}

/**
 * The teacher's training loss (ProDiff_teacher_Task.run_model): x0 prediction at a given t with
 * given noise, mel losses on it. An epsilon model's mel loss is instead the L1 distance of its noise
 * estimate to the noise (DiffSpeech's), over non-pad frames, in the `l1` slot (weight 1; no SSIM).
 */
export function teacherTrainingLoss(root: Scope, cfg: ProDiffConfig, schedule: DiffusionSchedule, i: TeacherTrainInputs, w: LossWeights, silTable: Tensor, o: ForwardOptions = {}): TeacherTrainOutputs {
  const fs2 = fs2Forward(root, cfg.fs2, i, o);
  const tables = new ScheduleTables(root.graph, schedule);
  const mask = diffusionMask(i.mel2ph);
  const xT = op.mul(tables.qSample(melsToDiffusion(i.mels), i.t, i.noise), mask);
  const { x0, eps } = predictX0(root.child('denoise_fn'), cfg, tables, xT, i.t, fs2.cond);
  const melOut = diffusionToMels(op.mul(x0, mask));
  const dl = durationLosses(fs2.dur, i.mel2ph, i.tokens, silTable, w);
  const pl = pitchLosses(fs2.pitchPred!, i.f0, i.uv, i.mel2ph, w);
  const losses = {
    ssim: eps ? op.mul(op.reduceSum(mask), 0) : op.mul(melSsimLoss(melOut, i.mels), w.ssim),
    l1: eps ? maskedNoiseL1(eps, i.noise, mask, cfg.mels) : op.mul(melL1(melOut, i.mels), w.l1),
    pdur: dl.pdur,
    wdur: dl.wdur,
    sdur: dl.sdur,
    uv: pl.uv,
    f0: pl.f0,
    e: energyLoss(fs2.energyPred!, i.energy, w.energy),
  };
  return { fs2, xT, melOut, losses, total: op.sum(Object.values(losses)) };
}

/** mean |eps - noise| over non-pad frames x mel bins ([B, 1, M, T], mask [B, 1, 1, T]). */
function maskedNoiseL1(eps: Tensor, noise: Tensor, mask: Tensor, mels: number): Tensor {
  const err = op.reduceSum(op.mul(op.abs(op.sub(eps, noise)), mask));
  return op.div(err, op.mul(op.reduceSum(mask), mels));
}

export interface DistillInputs extends Fs2Inputs {
  mels: Tensor;
  /** Student-scale draw in [1, numSteps]: t = timescale * draw. int64 [B]. */
  t: Tensor;
  noise: Tensor;
  /** Noise of the logging-only posterior sample (x_t_prev_pred). */
  noisePosterior?: Tensor;
}

export interface DistillOutputs {
  fs2: Fs2Outputs;
  xT: Tensor;
  teacherX0: Tensor;
  xTPre: Tensor;
  teacherX0b: Tensor;
  xTPrePre: Tensor;
  target: Tensor;
  studentX0: Tensor;
  loss: Tensor;
  xTPrev: Tensor;
  xTPrevPred?: Tensor;
}

/**
 * One progressive-distillation step (ProDiff.GaussianDiffusion.forward, infer=False): two DDIM steps
 * of the frozen teacher (`teacher.denoise_fn.*`) from t give the Salimans-Ho x-target for one
 * student step from t (the student is called at index t - timescale). Loss: masked L1 mean over
 * all B x M x T elements.
 */
export function distillationLoss(root: Scope, cfg: ProDiffConfig, schedule: DiffusionSchedule, timescale: number, i: DistillInputs, o: ForwardOptions = {}): DistillOutputs {
  if (cfg.target === 'regression') throw new Error('a regression model has no sampler steps to distil');
  const g = root.graph;
  const fs2 = fs2Forward(root, cfg.fs2, i, o);
  const tables = new ScheduleTables(g, schedule);
  const mask = diffusionMask(i.mel2ph);
  const cond = fs2.cond;
  const condT = op.stopGradient(cond);
  const x0gt = melsToDiffusion(i.mels);
  const t = i.t;
  const half = op.sub(t, Math.floor(timescale / 2));
  const full = op.sub(t, timescale);
  const teacher = root.child('teacher').child('denoise_fn');
  const xT = op.mul(tables.qSample(x0gt, t, i.noise), mask);
  const teacherX0 = op.mul(predictX0(teacher, cfg, tables, xT, t, condT).x0, mask);
  const xTPre = tables.ddimStep(teacherX0, xT, t, half);
  const teacherX0b = op.mul(predictX0(teacher, cfg, tables, xTPre, half, condT).x0, mask);
  const xTPrePre = tables.ddimStep(teacherX0b, xTPre, half, full);
  const target = op.stopGradient(op.mul(tables.distillationTarget(xT, xTPrePre, t, full), mask));
  const studentX0 = op.mul(predictX0(root.child('denoise_fn'), cfg, tables, xT, full, cond).x0, mask);
  const loss = op.reduceMean(op.mul(op.abs(op.sub(studentX0, target)), mask));
  // Logging outputs: x at t - timescale - 1 (index -1 means the clean mel) and the student's posterior sample.
  const prevIdx = op.sub(full, 1);
  const below = op.less(prevIdx, 0);
  const prevClamped = op.where(below, op.mul(prevIdx, 0), prevIdx);
  const xTPrev = op.mul(op.where(op.unsqueeze(below, [1, 2, 3]), x0gt, tables.qSample(x0gt, prevClamped, i.noise)), mask);
  const xTPrevPred = i.noisePosterior ? op.mul(tables.posteriorSample(studentX0, xT, full, i.noisePosterior), mask) : undefined;
  return { fs2, xT, teacherX0, xTPre, teacherX0b, xTPrePre, target, studentX0, loss, xTPrev, xTPrevPred };
}

/** Builds a session for a graph with parameter values from a store. */
export async function sessionFor(g: Graph, params: ParamStore, session: SessionOptions = {}): Promise<ort.InferenceSession> {
  params.checkAgainst(g, g.name);
  return createSession(exportOnnx(g, { values: (n) => params.get(n).data }), session);
}
