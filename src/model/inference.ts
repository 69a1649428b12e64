// Inference: phone ids -> log-mel (+ durations), as three forward-only ONNX graphs driven from
// the host: encoder + duration predictor, host length regulation, frame adaptor (pitch/energy),
// then the sampler's denoiser steps.
import { exportOnnx, ortTensor, type Graph, type ort, type ParamStore } from '../engine/index.js';
import { samplerSteps, vpsdeSchedule, type DiffusionSchedule } from './diffusion.js';
import { lengthRegulator } from './fastspeech2.js';
import { buildAdaptorGraph, buildDenoiseStepGraph, buildEncoderGraph, runDdimSampler, runSampler, seededNoise, sessionFor, toMelLayout, type ProDiffConfig } from './prodiff.js';

export interface AcousticModelOptions {
  /** Teacher steps N of the schedule (official 4). */
  teacherSteps: number;
  /** Denoiser calls of this model: N for a teacher, N / 2^k for a distilled student. */
  numSteps: number;
  /** 1 for a teacher, 2^k for a student. */
  timescale: number;
  threads?: number;
  /**
   * 'ddpm' (default): the DDPM posterior sampler the model was trained for. 'ddim': deterministic
   * DDIM over the same step indices (the naive fewer-steps baseline when a teacher is given
   * numSteps N / s and timescale s).
   */
  sampler?: 'ddpm' | 'ddim';
}

export interface SynthesisOptions {
  /** Speaker id (multi-speaker models). */
  speaker?: number;
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
    const sessions = {
      encoder: await sessionFor(graphs.encoder, params, o.threads),
      adaptor: await sessionFor(graphs.adaptor, params, o.threads),
      denoiser: await sessionFor(graphs.denoiser, params, o.threads),
    };
    return new AcousticModel(cfg, o, schedule, graphs, sessions, params);
  }

  /** The three forward graphs as standalone ONNX models (weights included). */
  onnxModels(): { encoder: Uint8Array; adaptor: Uint8Array; denoiser: Uint8Array } {
    const bytes = (g: Graph) => exportOnnx(g, { values: (n) => this.params.get(n).data, docString: `prodiff ${g.name}` });
    return { encoder: bytes(this.graphs.encoder), adaptor: bytes(this.graphs.adaptor), denoiser: bytes(this.graphs.denoiser) };
  }

  /** Denoiser step counts this model can run: the divisors of the teacher's N. */
  supportedSteps(): number[] {
    const N = this.options.teacherSteps;
    return Array.from({ length: N }, (_, i) => i + 1).filter((s) => N % s === 0);
  }

  private samplerPlan(steps: number | undefined): { steps: number[]; sampler: 'ddpm' | 'ddim' } {
    const own = this.options.numSteps;
    if (steps === undefined || steps === own) return { steps: samplerSteps(own, this.options.timescale), sampler: this.options.sampler ?? 'ddpm' };
    const N = this.options.teacherSteps;
    if (!(Number.isInteger(steps) && steps >= 1 && N % steps === 0)) {
      throw new Error(`synthesize: steps ${String(steps)}: this model's schedule has ${N} teacher steps, so steps must divide ${N} (${this.supportedSteps().join(', ')})`);
    }
    return { steps: samplerSteps(steps, N / steps), sampler: 'ddim' };
  }

  async synthesize(phoneIds: number[], o: SynthesisOptions = {}): Promise<SynthesisResult> {
    if (phoneIds.length === 0) throw new Error('synthesize: no phones');
    if (phoneIds.some((p) => !Number.isInteger(p) || p <= 0 || p >= this.cfg.fs2.vocabSize)) throw new Error(`synthesize: phone ids must be integers in [1, ${this.cfg.fs2.vocabSize - 1}]`);
    const L = phoneIds.length;
    const tokens = ortTensor('int64', phoneIds, [1, L]);
    const spk: Record<string, ort.Tensor> = {};
    if (this.cfg.fs2.numSpk > 0) {
      const id = o.speaker ?? 0;
      if (!(Number.isInteger(id) && id >= 0 && id <= this.cfg.fs2.numSpk)) throw new Error(`synthesize: speaker ${id} out of range [0, ${this.cfg.fs2.numSpk}]`);
      spk.spk_id = ortTensor('int64', [id], [1]);
    }
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
    const cond = { data: ad.cond!.data as Float32Array, shape: [1, this.cfg.fs2.hidden, lr.frames] };
    const { steps, sampler } = this.samplerPlan(o.steps);
    const noise = seededNoise(o.seed ?? 0, M * lr.frames);
    t0 = performance.now();
    const res = sampler === 'ddim'
      ? await runDdimSampler(this.sessions.denoiser, this.schedule, cond, M, steps, noise.init)
      : await runSampler(this.sessions.denoiser, cond, M, steps, noise);
    const denoiserMs = performance.now() - t0;
    return {
      mel: toMelLayout(res.x, 1, M, lr.frames), frames: lr.frames, mels: M, durations,
      f0: (ad.f0_denorm?.data as Float32Array | undefined) ?? new Float32Array(lr.frames),
      timings: { encoderMs, adaptorMs, denoiserMs, steps },
    };
  }
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
