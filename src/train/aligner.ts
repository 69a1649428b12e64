// Training the phone aligner with the forward-sum loss: per step the network's attention
// log-probabilities are computed (one forward run), the forward-sum over all monotonic paths and its
// gradient (the posterior occupancy) are computed on the host, and the training graph applies that
// gradient through the network (loss = -sum(occupancy * logp), exactly the forward-sum's gradient)
// with AdamW. Audio is augmented on the fly (gain, noise, silence padding, band-limiting resampling,
// clipping) so the aligner holds up on real recordings. Also used to adapt the bundled model to a
// user's corpus (`prodiff align --adapt`).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hzToMelSlaney, melToHzSlaney } from '../audio/mel.js';
import { writeFileAtomic } from '../engine/atomic.js';
import { createSession, exportOnnx, Graph, ortTensor, ParamStore, Rng, schedules, Trainer, writeSafetensors, type ort, type TrainerSpec } from '../engine/index.js';
import { alignerLoss, buildAligner, type AlignerConfig } from '../model/aligner.js';
import { alignerLogMel, alignerTokens, normalizeMel, tokenFeeds, type AlignerTokens, type AlignWord } from '../data/aligner.js';
import { betaBinomialLogPrior, forwardSum } from '../data/monotonic.js';
import type { AlignedPhone } from '../data/festival.js';

export interface TrainingUtterance {
  id: string;
  /** Raw log10 mel [frames, nMels], stored as round(1000 x value). */
  mel: Int16Array;
  frames: number;
  seconds: number;
  /** RMS of the audio (for noise levels relative to the speech). */
  rms: number;
  words: AlignWord[];
  tokens: AlignerTokens;
  /** The token of every frame by the reference times, when the corpus has them (supervision). */
  path?: Int32Array;
}

export function trainingUtterance(id: string, samples: Float32Array, words: AlignWord[], cfg: AlignerConfig, reference?: AlignedPhone[]): TrainingUtterance {
  const m = alignerLogMel(samples, cfg);
  let power = 0;
  for (let i = 0; i < samples.length; i++) power += samples[i]! * samples[i]!;
  const mel = Int16Array.from(m.data, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 1000))));
  const tokens = alignerTokens(words, cfg.tokens);
  const path = reference ? referencePath(reference, tokens, m.frames, cfg) : undefined;
  return { id, mel, frames: m.frames, seconds: samples.length / cfg.sampleRate, rms: Math.sqrt(power / Math.max(1, samples.length)), words, tokens, ...(path ? { path } : {}) };
}

/**
 * The token of every frame (by its centre time) given reference times whose phones are the
 * tokens' (pauses go to the optional pause token between the same words).
 */
export function referencePath(reference: AlignedPhone[], tokens: AlignerTokens, frames: number, cfg: AlignerConfig): Int32Array {
  const owner: number[] = [];
  let next = 0;
  for (const r of reference) {
    if (r.phone === 'sil') {
      if (next < tokens.optional.length && tokens.optional[next]) owner.push(next++);
      else if (next > 0 && tokens.optional[next - 1]) owner.push(next - 1);
      else throw new Error('reference pause where the tokens have none');
    } else {
      if (next < tokens.optional.length && tokens.optional[next]) next++;
      if (next >= tokens.optional.length || tokens.optional[next] || tokens.phone[next] !== r.phone) throw new Error(`reference phone '${r.phone}' does not match token ${next}`);
      owner.push(next++);
    }
  }
  const path = new Int32Array(frames);
  let k = 0;
  for (let t = 0; t < frames; t++) {
    const time = (t * cfg.hop) / cfg.sampleRate;
    while (k < reference.length - 1 && reference[k]!.end <= time) k++;
    path[t] = owner[k]!;
  }
  return path;
}

export interface AugmentOptions {
  /** Probability of each augmentation. */
  noise: number;
  pad: number;
  bandLimit: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = { noise: 0.6, pad: 0.5, bandLimit: 0.2 };

/** Mean mel magnitude per band of unit-variance white noise (the noise augmentation's spectrum). */
export function whiteNoiseMel(cfg: AlignerConfig): Float32Array {
  const rng = new Rng(7);
  const m = alignerLogMel(rng.normalArray(cfg.sampleRate * 2), cfg);
  const out = new Float32Array(cfg.nMels);
  for (let t = 2; t < m.frames - 2; t++) for (let c = 0; c < cfg.nMels; c++) out[c]! += 10 ** m.data[t * cfg.nMels + c]! / (m.frames - 4);
  return out;
}

/**
 * A randomly degraded copy of an utterance's log-mel, made in the mel domain (cheap enough to do
 * every step): white noise 20-50 dB below the speech (magnitudes added in power, with a random
 * per-cell spread), 0-0.8 s of silence or noise at each end, band-limiting (as audio recorded or
 * resampled at 16-24 kHz), gain -12..+6 dB against the log floor. Returns [frames, nMels] and the
 * number of frames added at the start.
 */
export function augmentMel(u: TrainingUtterance, cfg: AlignerConfig, noiseMel: Float32Array, rng: Rng, o: AugmentOptions = DEFAULT_AUGMENT): { data: Float32Array; frames: number; lead: number } {
  const C = cfg.nMels;
  const fps = cfg.sampleRate / cfg.hop;
  const pad = rng.uniform() < o.pad;
  const lead = pad ? Math.floor(rng.uniform() * 0.8 * fps) : 0;
  const tail = pad ? Math.floor(rng.uniform() * 0.8 * fps) : 0;
  const T = lead + u.frames + tail;
  const noise = rng.uniform() < o.noise ? u.rms * 10 ** (-(20 + 30 * rng.uniform()) / 20) : 0;
  const cutoff = rng.uniform() < o.bandLimit ? [8000, 11025, 12000][rng.int(3)]! / 2 : Infinity;
  const gain = 10 ** ((-12 + 18 * rng.uniform()) / 20);
  // Upper edge of mel band c (Slaney mel points, as the filterbank).
  const lo = hzToMelSlaney(cfg.fmin);
  const hi = hzToMelSlaney(cfg.fmax);
  const bandGain = Float64Array.from({ length: C }, (_, c) => (melToHzSlaney(lo + ((hi - lo) * (c + 2)) / (C + 1)) > cutoff * 1.1 ? 1e-3 : 1));
  const data = new Float32Array(T * C);
  for (let t = 0; t < T; t++) {
    const src = t - lead;
    for (let c = 0; c < C; c++) {
      let mag = src >= 0 && src < u.frames ? 10 ** (u.mel[src * C + c]! / 1000) : 0;
      mag *= bandGain[c]!;
      if (noise > 0) {
        const n = noise * noiseMel[c]! * Math.exp(0.35 * rng.normal());
        mag = Math.sqrt(mag * mag + n * n);
      }
      data[t * C + c] = Math.log10(Math.max(1e-5, mag * gain));
    }
  }
  return { data, frames: T, lead };
}

export interface AlignerTrainOptions {
  steps: number;
  lr: number;
  /** Utterances per batch, and a cap on the batch's padded frames. */
  batch: number;
  maxFrames: number;
  /** Steps during which the beta-binomial prior is added to the scores (guides early training). */
  priorSteps: number;
  seed: number;
  augment: AugmentOptions | null;
  /** Weight of the supervised term (cross-entropy on the reference path) where a corpus has reference times; the forward-sum takes the rest. */
  supervised: number;
}

export const DEFAULT_TRAIN: AlignerTrainOptions = { steps: 3000, lr: 2e-3, batch: 12, maxFrames: 9000, priorSteps: 1500, seed: 1, augment: DEFAULT_AUGMENT, supervised: 0.5 };

interface PreparedBatch {
  feeds: Record<string, ort.Tensor>;
  /** Per utterance: the reference token per frame (padding frames included), if any. */
  paths: (Int32Array | undefined)[];
  frames: number[];
  tokens: AlignerTokens[];
  T: number;
  N: number;
}

/** Drives training: prepared batches, the forward-sum on the host, one trainer step. */
export class AlignerTraining {
  private constructor(
    readonly config: AlignerConfig,
    readonly trainer: Trainer,
    private readonly forward: ort.InferenceSession,
    private readonly o: AlignerTrainOptions,
  ) {
    this.noiseMel = whiteNoiseMel(config);
  }

  private readonly noiseMel: Float32Array;

  static async create(config: AlignerConfig, params: ParamStore | null, o: AlignerTrainOptions): Promise<AlignerTraining> {
    const spec: TrainerSpec = {
      build(g) {
        const { logp } = buildAligner(g, config);
        return { loss: alignerLoss(g, logp) };
      },
      optimizer: { betas: [0.9, 0.98], eps: 1e-8, weightDecay: 0, clipGradNorm: 5 },
      schedule: schedules.cosine(o.lr, o.steps, Math.min(200, Math.floor(o.steps / 10)), o.lr / 20),
      session: { threads: 2 },
    };
    const store = params ?? (() => {
      const g = new Graph();
      buildAligner(g, config);
      return new ParamStore().initialize(g, new Rng(o.seed));
    })();
    const trainer = await Trainer.create(spec, store);
    const fg = new Graph('aligner_forward');
    fg.output('logp', buildAligner(fg, config).logp);
    const forward = await createSession(exportOnnx(fg, { params: () => 'input' }), { threads: 2 });
    return new AlignerTraining(config, trainer, forward, o);
  }

  prepare(utts: TrainingUtterance[], rng: Rng | null): PreparedBatch {
    const cfg = this.config;
    const paths: (Int32Array | undefined)[] = [];
    const feats = utts.map((u) => {
      const m = rng && this.o.augment ? augmentMel(u, cfg, this.noiseMel, rng, this.o.augment) : { data: Float32Array.from(u.mel, (v) => v / 1000), frames: u.frames, lead: 0 };
      if (u.path) {
        // Padding belongs to the leading and trailing pauses.
        const p = new Int32Array(m.frames);
        const last = u.tokens.ids.length - 1;
        for (let t = 0; t < m.frames; t++) {
          const src = t - m.lead;
          p[t] = src < 0 ? 0 : src >= u.frames ? last : u.path[src]!;
        }
        paths.push(p);
      } else paths.push(undefined);
      return { mel: normalizeMel(m.data, m.frames, cfg.nMels), frames: m.frames };
    });
    const T = Math.max(...feats.map((f) => f.frames));
    const B = utts.length;
    const mel = new Float32Array(B * cfg.nMels * T);
    feats.forEach((f, b) => {
      for (let c = 0; c < cfg.nMels; c++) mel.set(f.mel.subarray(c * f.frames, (c + 1) * f.frames), (b * cfg.nMels + c) * T);
    });
    const tokens = utts.map((u) => u.tokens);
    const t = tokenFeeds(tokens, cfg.tokens.length);
    return { feeds: { tokens: t.tokens, token_mask: t.mask, mel: ortTensor('float32', mel, [B, cfg.nMels, T]) }, paths, frames: feats.map((f) => f.frames), tokens, T, N: t.N };
  }

  /** Forward-sum loss (mean over the batch of -log Z / frames) and its gradient w.r.t. logp. */
  lossAndGradient(batch: PreparedBatch, logp: Float32Array, withPrior: boolean): { loss: number; grad: Float32Array; skipped: number } {
    const { T, N } = batch;
    const B = batch.tokens.length;
    const grad = new Float32Array(B * T * N);
    let loss = 0;
    let used = 0;
    batch.tokens.forEach((tok, b) => {
      const Tb = batch.frames[b]!;
      const Nb = tok.ids.length;
      const scores = new Float64Array(Tb * Nb);
      const prior = withPrior ? betaBinomialLogPrior(Tb, Nb) : null;
      for (let t = 0; t < Tb; t++) for (let n = 0; n < Nb; n++) scores[t * Nb + n] = logp[(b * T + t) * N + n]! + (prior ? prior[t * Nb + n]! : 0);
      if (Tb < Nb) return;
      const fs = forwardSum({ scores, frames: Tb, tokens: Nb, optional: tok.optional });
      if (!Number.isFinite(fs.logZ)) return;
      used++;
      const path = batch.paths[b];
      const w = path ? this.o.supervised : 0;
      loss += -fs.logZ / Tb;
      for (let t = 0; t < Tb; t++) for (let n = 0; n < Nb; n++) grad[(b * T + t) * N + n] = ((1 - w) * fs.occupancy[t * Nb + n]!) / Tb;
      if (path) for (let t = 0; t < Tb; t++) grad[(b * T + t) * N + path[t]!]! += w / Tb;
    });
    const scale = used > 0 ? 1 / used : 0;
    for (let i = 0; i < grad.length; i++) grad[i]! *= scale;
    return { loss: used > 0 ? loss / used : NaN, grad, skipped: B - used };
  }

  async logp(batch: PreparedBatch): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = { ...batch.feeds };
    for (const [n, t] of this.trainer.paramTensors()) feeds[n] = t;
    const r = await this.forward.run(feeds);
    return r.logp!.data as Float32Array;
  }

  async step(batch: PreparedBatch): Promise<{ loss: number; gradNorm: number; lr: number }> {
    const withPrior = this.trainer.step < this.o.priorSteps;
    const logp = await this.logp(batch);
    const { loss, grad } = this.lossAndGradient(batch, logp, withPrior);
    const r = await this.trainer.trainStep({ ...batch.feeds, grad_logp: ortTensor('float32', grad, [batch.tokens.length, batch.T, batch.N]) });
    return { loss, gradNorm: r.gradNorm, lr: r.lr };
  }

  /** Writes the model folder: config.json and aligner.safetensors (parameters only). */
  saveModel(dir: string, metadata: Record<string, string> = {}): void {
    mkdirSync(dir, { recursive: true });
    const store = this.trainer.exportParams(new ParamStore());
    const tensors = new Map([...store.values].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
    writeSafetensors(join(dir, 'aligner.safetensors'), tensors, { ...metadata, step: String(this.trainer.step) });
    writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(this.config, null, 1)}\n`);
  }

  async close(): Promise<void> {
    await this.trainer.close();
    await this.forward.release();
  }
}

/** Batches of similar length: utterances sorted by length, cut into groups, the groups shuffled. */
export function makeBatches(utts: TrainingUtterance[], batch: number, maxFrames: number, rng: Rng): TrainingUtterance[][] {
  const sorted = [...utts].sort((a, b) => a.frames - b.frames);
  const out: TrainingUtterance[][] = [];
  let cur: TrainingUtterance[] = [];
  for (const u of sorted) {
    const frames = (u.frames + 160) * (cur.length + 1);
    if (cur.length > 0 && (cur.length >= batch || frames > maxFrames)) {
      out.push(cur);
      cur = [];
    }
    cur.push(u);
  }
  if (cur.length > 0) out.push(cur);
  return rng.shuffle(out);
}
