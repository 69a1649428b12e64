// Inference: phone ids -> log-mel (+ durations), as three forward-only ONNX graphs driven from
// the host: encoder + duration predictor, host length regulation, frame adaptor (pitch/energy),
// then the sampler's denoiser steps.
import { exportOnnx, ortTensor, type Device, type Graph, type ort, type ParamStore } from '../engine/index.js';
import { vpsdeSchedule, type DiffusionSchedule } from './diffusion.js';
import { lengthRegulator } from './fastspeech2.js';
import { denoiserReach } from './denoiser.js';
import { sample, samplerPlan, seededNoise, supportedStepCounts, type SamplerInputs, type SamplerKind } from './sampler.js';
import { buildAdaptorGraph, buildDenoiseStepGraph, buildEncoderGraph, sessionFor, toMelLayout, type ProDiffConfig } from './prodiff.js';

export interface AcousticModelOptions {
  /** Teacher steps N of the schedule (official 4). */
  teacherSteps: number;
  /** Denoiser calls of this model: N for a teacher, N / 2^k for a distilled student. */
  numSteps: number;
  /** 1 for a teacher, 2^k for a student. */
  timescale: number;
  threads?: number;
  /** Where the sessions run (default: the program's default device, normally 'cpu'). */
  device?: Device;
  /**
   * 'ddpm' (default): the DDPM posterior sampler the model was trained for. 'ddim': deterministic
   * DDIM over the same step indices (the naive fewer-steps baseline when a teacher is given
   * numSteps N / s and timescale s).
   */
  sampler?: SamplerKind;
}

export interface SynthesisOptions {
  /** Speaker id (use_spk_id models; default 0). */
  speaker?: number;
  /** External speaker embedding (use_spk_embed models: required, spkEmbedDim values). */
  speakerEmbedding?: ArrayLike<number>;
  /** Multiplies every predicted duration (rounded half to even), > 0. */
  durationScale?: number;
  /** Pitch shift in semitones applied to the predicted f0. */
  pitchShift?: number;
  /** Multiplies the predicted energy. */
  energyScale?: number;
  /** Seed of the sampler's noise. */
  seed?: number;
  /**
   * Forced alignment: phone index (1-based, 0 = padding) per frame, as in a preprocessed cache.
   * Replaces the predicted durations (durationScale is then ignored).
   */
  mel2ph?: ArrayLike<number | bigint>;
  /**
   * Denoiser calls for this utterance: any divisor of the teacher's N. The model's own count uses
   * its own sampler; any other count runs DDIM over every (N / steps)-th teacher step - the naive
   * fewer/more-steps path, which a distilled student was not trained for.
   */
  steps?: number;
}

export interface SynthesisResult {
  /** Log-mel [frames, mels], row-major. */
  mel: Float32Array;
  frames: number;
  mels: number;
  /** Frames per phone. */
  durations: number[];
  /** Predicted f0 in Hz per frame (0 = unvoiced), after the pitch shift. */
  f0: Float32Array;
  /** Wall times; denoiserMs covers all sampler steps (steps.length calls). */
  timings: { encoderMs: number; adaptorMs: number; denoiserMs: number; steps: number[] };
}

/** An utterance up to the denoiser (`AcousticModel.prepare`). */
export interface PreparedUtterance {
  frames: number;
  mels: number;
  /** Frames per phone. */
  durations: number[];
  /** Predicted f0 in Hz per frame (0 = unvoiced), after the pitch shift. */
  f0: Float32Array;
  /** The sampler's condition, steps and whole-utterance noise. */
  sampler: SamplerInputs;
  timings: { encoderMs: number; adaptorMs: number };
}

export class AcousticModel {
  private constructor(
    readonly cfg: ProDiffConfig,
    readonly options: AcousticModelOptions,
    readonly schedule: DiffusionSchedule,
    private readonly graphs: { encoder: Graph; adaptor: Graph; denoiser: Graph },
    private readonly sessions: { encoder: ort.InferenceSession; adaptor: ort.InferenceSession; denoiser: ort.InferenceSession },
    private readonly params: ParamStore,
  ) {}

  static async create(cfg: ProDiffConfig, params: ParamStore, o: AcousticModelOptions): Promise<AcousticModel> {
    if (o.numSteps * o.timescale !== o.teacherSteps) throw new Error(`a model of ${o.numSteps} steps at time scale ${o.timescale} does not cover ${o.teacherSteps} teacher steps`);
    const schedule = vpsdeSchedule(o.teacherSteps);
    const graphs = { encoder: buildEncoderGraph(cfg), adaptor: buildAdaptorGraph(cfg, { controls: true }), denoiser: buildDenoiseStepGraph(cfg, schedule) };
    const session = { ...(o.threads ? { threads: o.threads } : {}), ...(o.device ? { device: o.device } : {}) };
    const sessions = {
      encoder: await sessionFor(graphs.encoder, params, session),
      adaptor: await sessionFor(graphs.adaptor, params, session),
      denoiser: await sessionFor(graphs.denoiser, params, session),
    };
    return new AcousticModel(cfg, o, schedule, graphs, sessions, params);
  }

  /** Releases the ORT sessions; the model cannot run afterwards. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }

  private released = false;

  /** The three forward graphs as standalone ONNX models (weights included). */
  onnxModels(): { encoder: Uint8Array; adaptor: Uint8Array; denoiser: Uint8Array } {
    const bytes = (g: Graph) => exportOnnx(g, { values: (n) => this.params.get(n).data, docString: `prodiff ${g.name}` });
    return { encoder: bytes(this.graphs.encoder), adaptor: bytes(this.graphs.adaptor), denoiser: bytes(this.graphs.denoiser) };
  }

  /** Denoiser step counts this model can run: the divisors of the teacher's N. */
  supportedSteps(): number[] {
    return supportedStepCounts(this.options.teacherSteps);
  }

  /** Frames of context each side one denoiser call needs (see `denoiserReach`). */
  get denoiserReach(): number {
    return denoiserReach(this.cfg.denoiser);
  }

  /**
   * Everything before the denoiser for one utterance: encoder, durations, adaptor, and the
   * sampler's whole-utterance noise. `denoiseFrames` then gives any frame range of the mel.
   */
  async prepare(phoneIds: number[], o: SynthesisOptions = {}): Promise<PreparedUtterance> {
    if (phoneIds.length === 0) throw new Error('synthesize: no phones');
    if (phoneIds.some((p) => !Number.isInteger(p) || p <= 0 || p >= this.cfg.fs2.vocabSize)) throw new Error(`synthesize: phone ids must be integers in [1, ${this.cfg.fs2.vocabSize - 1}]`);
    const L = phoneIds.length;
    const tokens = ortTensor('int64', phoneIds, [1, L]);
    const spk = speakerFeeds(this.cfg, o);
    const { steps, sampler } = samplerPlan(this.options, o.steps);
    let t0 = performance.now();
    const enc = await this.sessions.encoder.run({ txt_tokens: tokens, ...spk });
    const encoderMs = performance.now() - t0;
    const lr = o.mel2ph ? forcedAlignment(o.mel2ph, L) : lengthRegulator(enc.dur!.data as BigInt64Array, 1, L, { scale: o.durationScale ?? 1 });
    if (lr.frames === 0) throw new Error('synthesize: every predicted duration is zero');
    const durations = perPhone(lr.mel2ph, L);
    t0 = performance.now();
    const ad = await this.sessions.adaptor.run({
      encoder_out: enc.encoder_out!, txt_tokens: tokens, mel2ph: ortTensor('int64', lr.mel2ph, [1, lr.frames]), ...spk,
      pitch_shift: ortTensor('float32', [o.pitchShift ?? 0], []), energy_scale: ortTensor('float32', [o.energyScale ?? 1], []),
    });
    const adaptorMs = performance.now() - t0;
    const M = this.cfg.mels;
    const noise = seededNoise(o.seed ?? 0, M * lr.frames);
    return {
      frames: lr.frames, mels: M, durations,
      f0: (ad.f0_denorm?.data as Float32Array | undefined) ?? new Float32Array(lr.frames),
      sampler: {
        cond: ad.cond!.data as Float32Array, condChannels: this.cfg.fs2.hidden, mels: M, frames: lr.frames, steps, sampler,
        // The step noise is drawn after the initial x from the same generator.
        init: noise.init, stepNoise: sampler === 'ddpm' ? steps.map((_, k) => noise.step(k)) : [],
      },
      timings: { encoderMs, adaptorMs },
    };
  }

  /**
   * Log-mel frames [a, b) of a prepared utterance, [b - a, mels] row-major: the whole-utterance
   * sampler's frames, computed on windows of about b - a + 2 S R frames (S steps, R the reach).
   */
  async denoiseFrames(p: PreparedUtterance, a: number, b: number): Promise<Float32Array> {
    const x = await sample(this.sessions.denoiser, this.schedule, p.sampler, { range: [a, b], reach: this.denoiserReach });
    return toMelLayout(x, 1, p.mels, b - a);
  }

  async synthesize(phoneIds: number[], o: SynthesisOptions = {}): Promise<SynthesisResult> {
    const p = await this.prepare(phoneIds, o);
    const { steps, mels: M, frames: T } = p.sampler;
    const t0 = performance.now();
    const x = await sample(this.sessions.denoiser, this.schedule, p.sampler);
    const denoiserMs = performance.now() - t0;
    return {
      mel: toMelLayout(x, 1, M, T), frames: T, mels: M, durations: p.durations, f0: p.f0,
      timings: { ...p.timings, denoiserMs, steps },
    };
  }
}

/** The speaker inputs of the encoder and adaptor graphs for one utterance. */
function speakerFeeds(cfg: ProDiffConfig, o: SynthesisOptions): Record<string, ort.Tensor> {
  const d = cfg.fs2.spkEmbedDim ?? 0;
  if (d > 0) {
    const e = o.speakerEmbedding;
    if (!e || e.length !== d) throw new Error(`synthesize: this model takes an external speaker embedding of ${d} values (got ${e ? e.length : 'none'})`);
    if (!Array.prototype.every.call(e, Number.isFinite)) throw new Error('synthesize: the speaker embedding holds a non-finite value');
    return { spk_embed: ortTensor('float32', Float32Array.from(e), [1, d]) };
  }
  if (cfg.fs2.numSpk <= 0) return {};
  const id = o.speaker ?? 0;
  if (!(Number.isInteger(id) && id >= 0 && id <= cfg.fs2.numSpk)) throw new Error(`synthesize: speaker ${id} out of range [0, ${cfg.fs2.numSpk}]`);
  return { spk_id: ortTensor('int64', [id], [1]) };
}

function forcedAlignment(mel2ph: ArrayLike<number | bigint>, L: number): { mel2ph: BigInt64Array; frames: number } {
  const out = BigInt64Array.from(Array.from(mel2ph, (v) => BigInt(v)));
  if (out.length === 0) throw new Error('synthesize: mel2ph is empty');
  for (const v of out) if (v < 0n || v > BigInt(L)) throw new Error(`synthesize: mel2ph value ${v} outside [0, ${L}]`);
  return { mel2ph: out, frames: out.length };
}

function perPhone(mel2ph: BigInt64Array, L: number): number[] {
  const d = new Array<number>(L).fill(0);
  for (const v of mel2ph) if (v > 0n) d[Number(v) - 1]!++;
  return d;
}
