// The vocoder's GAN objective as two training graphs for the engine's Trainer: one updates the
// generator (discriminator weights fed as inputs), one updates the discriminators (generator
// weights fed as inputs). Losses and weights follow Vocos: hinge adversarial loss, feature
// matching, and an L1 log-mel loss weighted 45; the multi-resolution terms are scaled by 0.1.
import { Graph, op, ParamStore, Rng, type Schedule, type Tensor, type TrainerSpec } from '../engine/index.js';
import { PRODIFF_MEL, type MelConfig } from '../audio/mel.js';
import { Scope } from '../nn/index.js';
import {
  discriminatorLoss, featureMatchingLoss, generatorAdversarialLoss, MPD_SMALL, MRD_SMALL, multiPeriodDiscriminator, multiResolutionDiscriminator,
  type AdversarialLoss, type DiscriminatorOutput, type MpdConfig, type MrdConfig,
} from './discriminators.js';
import { logMelGraph, melBasisGraph, stftMagnitudeGraph } from './spectral.js';
import { isPghiGenerator, vocosGenerator, vocosLogMagnitude, VOCOS_SMALL, type VocosConfig } from './vocos.js';

export interface VocoderLossConfig {
  adversarial: AdversarialLoss;
  /** Weight of the L1 log-mel loss (natural-log units, as Vocos). */
  mel: number;
  /** Weight of the multi-resolution discriminator's adversarial and feature-matching terms. */
  mrd: number;
  /** Weight of feature matching (both discriminators). */
  featureMatching: number;
}

export const VOCOS_LOSS: VocoderLossConfig = { adversarial: 'hinge', mel: 45, mrd: 0.1, featureMatching: 1 };

export interface VocoderModelConfig {
  generator: VocosConfig;
  mpd: MpdConfig;
  mrd: MrdConfig;
  loss: VocoderLossConfig;
  /** The mel the generator consumes and the mel loss compares (ProDiff's). */
  mel: MelConfig;
}

export const VOCODER_SMALL: VocoderModelConfig = { generator: VOCOS_SMALL, mpd: MPD_SMALL, mrd: MRD_SMALL, loss: VOCOS_LOSS, mel: PRODIFF_MEL };

const GEN_PREFIX = 'generator.';
export const isGeneratorParam = (n: string): boolean => n.startsWith(GEN_PREFIX);
export const isDiscriminatorParam = (n: string): boolean => n.startsWith('mpd.') || n.startsWith('mrd.');

/** Fixed training-batch geometry: `segmentFrames` hops of audio, segmentFrames + 1 mel frames. */
export interface BatchShape {
  batch: number;
  segmentFrames: number;
}

function batchInputs(g: Graph, cfg: VocoderModelConfig, b: BatchShape): { mel: Tensor; wav: Tensor } {
  const L = b.segmentFrames * cfg.generator.stft.hop;
  return {
    mel: g.input('mel', 'float32', [b.batch, cfg.generator.mels, b.segmentFrames + 1]),
    wav: g.input('wav', 'float32', [b.batch, L]),
  };
}

function discriminate(g: Graph, cfg: VocoderModelConfig, wav: Tensor): { mpd: DiscriminatorOutput[]; mrd: DiscriminatorOutput[] } {
  return { mpd: multiPeriodDiscriminator(new Scope(g, 'mpd.'), cfg.mpd, wav), mrd: multiResolutionDiscriminator(new Scope(g, 'mrd.'), cfg.mrd, wav) };
}

/** L1 distance of log-mels in natural-log units: ln(10) * mean |log10 mel(a) - log10 mel(b)|. */
export function melL1(a: Tensor, b: Tensor, mel: MelConfig): Tensor {
  return op.mul(op.reduceMean(op.abs(op.sub(logMelGraph(a, mel), logMelGraph(b, mel)))), Math.LN10);
}

export interface OptimConfig {
  lr: Schedule;
  betas: [number, number];
  weightDecay: number;
  clipGradNorm?: number;
  threads: number;
}

/** What both sides share: AdamW settings, schedule, the other side's weights bound as inputs. */
function sideOptions(o: OptimConfig): Omit<TrainerSpec, 'build' | 'trainable'> {
  return {
    optimizer: { betas: o.betas, eps: 1e-8, weightDecay: o.weightDecay, ...(o.clipGradNorm ? { clipGradNorm: o.clipGradNorm } : {}) },
    schedule: o.lr,
    frozenBinding: 'input',
    // The generator and discriminator sessions alternate: neither should keep its threads spinning.
    session: { threads: o.threads, spinning: false },
  };
}

/**
 * Generator step. Inputs: mel, wav and the scalar `gan_weight` (0 during mel-only pre-training,
 * else 1). Loss = gan_weight * (adv_mpd + fm_mpd + mrd * (adv_mrd + fm_mrd)) + mel * mel_l1,
 * each adversarial/feature term averaged over its sub-discriminators (as Vocos).
 */
export function generatorSpec(cfg: VocoderModelConfig, b: BatchShape, o: OptimConfig): TrainerSpec {
  return {
    build(g) {
      const { mel, wav } = batchInputs(g, cfg, b);
      const ganWeight = g.input('gan_weight', 'float32', []);
      const yHat = vocosGenerator(new Scope(g, GEN_PREFIX), cfg.generator, mel).wav;
      const melLoss = melL1(yHat, wav, cfg.mel);
      const real = discriminate(g, cfg, wav);
      const fake = discriminate(g, cfg, yHat);
      const nP = cfg.mpd.periods.length;
      const nR = cfg.mrd.resolutions.length;
      const advMpd = op.div(generatorAdversarialLoss(fake.mpd, cfg.loss.adversarial), nP);
      const advMrd = op.div(generatorAdversarialLoss(fake.mrd, cfg.loss.adversarial), nR);
      const fmMpd = op.div(featureMatchingLoss(real.mpd, fake.mpd), nP);
      const fmMrd = op.div(featureMatchingLoss(real.mrd, fake.mrd), nR);
      const adv = op.add(advMpd, op.mul(advMrd, cfg.loss.mrd));
      const fm = op.mul(op.add(fmMpd, op.mul(fmMrd, cfg.loss.mrd)), cfg.loss.featureMatching);
      const loss = op.add(op.mul(op.add(adv, fm), ganWeight), op.mul(melLoss, cfg.loss.mel));
      return { loss, metrics: { mel_l1: melLoss, g_adv_mpd: advMpd, g_adv_mrd: advMrd, fm_mpd: fmMpd, fm_mrd: fmMrd } };
    },
    ...sideOptions(o),
    trainable: isGeneratorParam,
  };
}

/** Discriminator step: Loss = d_mpd / periods + mrd * d_mrd / resolutions, on wav and generator(mel). */
export function discriminatorSpec(cfg: VocoderModelConfig, b: BatchShape, o: OptimConfig): TrainerSpec {
  return {
    build(g) {
      const { mel, wav } = batchInputs(g, cfg, b);
      const yHat = vocosGenerator(new Scope(g, GEN_PREFIX), cfg.generator, mel).wav;
      const real = discriminate(g, cfg, wav);
      const fake = discriminate(g, cfg, yHat);
      const dMpd = op.div(discriminatorLoss(real.mpd, fake.mpd, cfg.loss.adversarial), cfg.mpd.periods.length);
      const dMrd = op.div(discriminatorLoss(real.mrd, fake.mrd, cfg.loss.adversarial), cfg.mrd.resolutions.length);
      const meanScore = (outs: DiscriminatorOutput[]) => op.div(op.sum(outs.map((d) => op.reduceMean(d.score))), outs.length);
      return {
        loss: op.add(dMpd, op.mul(dMrd, cfg.loss.mrd)),
        metrics: { d_mpd: dMpd, d_mrd: dMrd, d_real_mpd: meanScore(real.mpd), d_fake_mpd: meanScore(fake.mpd) },
      };
    },
    ...sideOptions(o),
    trainable: isDiscriminatorParam,
  };
}

/** Floor of the recordings' STFT magnitude before the log (a 'pghi' generator's regression target). */
export const MAGNITUDE_FLOOR = 1e-5;

/**
 * The step of a 'pghi' generator (no discriminators): regression of the recording's natural-log
 * STFT magnitude, L1 = mean |log max(|STFT(wav)|, floor) - prediction|, plus the L1 between the
 * log-mel of the predicted magnitude and the input mel (weight `loss.mel` / 45, natural-log units, so
 * that the default weight gives them equal say). The segment's two frames at each end are left out:
 * their analysis windows reach past the segment, where the target STFT sees zeros.
 */
export function magnitudeSpec(cfg: VocoderModelConfig, b: BatchShape, o: OptimConfig): TrainerSpec {
  if (!isPghiGenerator(cfg.generator)) throw new Error("magnitudeSpec: the generator's phase is not 'pghi'");
  const edge = Math.ceil(cfg.generator.stft.nFft / 2 / cfg.generator.stft.hop);
  if (b.segmentFrames + 1 <= 2 * edge) throw new Error(`magnitude regression: segments of ${b.segmentFrames} frames leave none inside ${edge} edge frames`);
  return {
    build(g) {
      const { mel, wav } = batchInputs(g, cfg, b);
      const T = b.segmentFrames + 1;
      const inner = (x: Tensor, axis: number) => op.sliceAxis(x, axis, edge, T - edge);
      const pred = inner(vocosLogMagnitude(new Scope(g, GEN_PREFIX), cfg.generator, mel), 1); // [B, t, F]
      const target = op.transpose(op.log(op.clip(stftMagnitudeGraph(wav, cfg.generator.stft, 1e-12), MAGNITUDE_FLOOR)), [0, 2, 1]);
      const magL1 = op.reduceMean(op.abs(op.sub(pred, inner(target, 1))));
      const fbT = op.transpose(melBasisGraph(g, cfg.mel), [1, 0]); // [F, mels]
      const predMel = op.log(op.clip(op.matmul(op.exp(pred), fbT), cfg.mel.eps)); // [B, t, mels], natural log
      const melL1 = op.reduceMean(op.abs(op.sub(predMel, op.mul(op.transpose(inner(mel, 2), [0, 2, 1]), Math.LN10))));
      const loss = op.add(magL1, op.mul(melL1, cfg.loss.mel / 45));
      return { loss, metrics: { mag_l1: magL1, mel_l1: melL1 } };
    },
    ...sideOptions(o),
    trainable: isGeneratorParam,
  };
}

/** Initial values of every generator and discriminator parameter. */
export function initVocoderParams(cfg: VocoderModelConfig, b: BatchShape, seed: number): ParamStore {
  const g = new Graph('init');
  const { mel, wav } = batchInputs(g, cfg, b);
  if (isPghiGenerator(cfg.generator)) vocosLogMagnitude(new Scope(g, GEN_PREFIX), cfg.generator, mel);
  else {
    vocosGenerator(new Scope(g, GEN_PREFIX), cfg.generator, mel);
    discriminate(g, cfg, wav);
  }
  return new ParamStore().initialize(g, new Rng(seed));
}

/**
 * The inference graph of the generator alone: mel [B, mels, T] -> wav [B, (T - 1) * hop], or for a
 * 'pghi' generator -> logmag [B, T, F] (the phase and inverse STFT are made on the host).
 */
export function generatorGraph(cfg: VocosConfig): Graph {
  const g = new Graph('vocos');
  const mel = g.input('mel', 'float32', ['B', cfg.mels, 'T']);
  if (isPghiGenerator(cfg)) g.output('logmag', vocosLogMagnitude(new Scope(g, GEN_PREFIX), cfg, mel));
  else g.output('wav', vocosGenerator(new Scope(g, GEN_PREFIX), cfg, mel).wav);
  return g;
}
