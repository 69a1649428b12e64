// GAN discriminators for the vocoder, on the engine:
// - multi-period (HiFi-GAN): the waveform folded into [L/p, p] and scanned by (k x 1) 2-D
//   convolutions strided along time, one sub-discriminator per period p;
// - multi-resolution (UnivNet, as used by Vocos): 2-D convolutions over the STFT magnitude
//   (time x frequency) at several FFT sizes, strided along frequency.
// Each sub-discriminator returns its score map and the feature maps after every hidden layer
// (for feature matching). Weight normalisation is not used (plain convolutions).
import { op, type Tensor } from '../engine/index.js';
import type { Scope } from '../nn/index.js';
import { stftMagnitudeGraph } from './spectral.js';

export interface MpdConfig {
  periods: number[];
  /** Output channels of the strided convolutions; the last one has stride 1. */
  channels: number[];
  kernel: number;
  stride: number;
}

export interface MrdConfig {
  /** [nFft, hop] per resolution (window = nFft, periodic Hann). */
  resolutions: [number, number][];
  channels: number;
}

/** HiFi-GAN's / Vocos' sizes. */
const MPD_FULL: MpdConfig = { periods: [2, 3, 5, 7, 11], channels: [32, 128, 512, 1024, 1024], kernel: 5, stride: 3 };
const MRD_FULL: MrdConfig = { resolutions: [[1024, 256], [2048, 512], [512, 128]], channels: 32 };
/** Narrow versions for CPU training (same depth, strides and receptive fields). */
export const MPD_SMALL: MpdConfig = { ...MPD_FULL, channels: [16, 32, 64, 128, 128] };
export const MRD_SMALL: MrdConfig = { ...MRD_FULL, channels: 16 };

export interface DiscriminatorOutput {
  score: Tensor;
  features: Tensor[];
}

const LRELU = 0.1;

function conv2d(s: Scope, x: Tensor, inC: number, outC: number, k: [number, number], stride: [number, number], pad: [number, number]): Tensor {
  const fanIn = inC * k[0] * k[1];
  const bound = 1 / Math.sqrt(fanIn);
  const w = s.param('weight', [outC, inC, k[0], k[1]], { kind: 'uniform', bound });
  const b = s.param('bias', [outC], { kind: 'uniform', bound });
  return op.conv(x, w, b, { strides: stride, pads: [pad[0], pad[1], pad[0], pad[1]] });
}

/** One period sub-discriminator on wav [B, L] (static L). */
function periodDiscriminator(s: Scope, cfg: MpdConfig, wav: Tensor, period: number): DiscriminatorOutput {
  const [B, L] = wav.shape as [number, number];
  if (typeof L !== 'number' || typeof B !== 'number') throw new Error('period discriminator: static [B, L] input needed');
  const padded = L % period === 0 ? wav : op.padAxis(wav, 1, 0, period - (L % period));
  const H = Math.ceil(L / period);
  let x = op.reshape(padded, [B, 1, H, period]);
  const features: Tensor[] = [];
  let inC = 1;
  const pad = Math.floor(cfg.kernel / 2);
  cfg.channels.forEach((outC, i) => {
    const stride = i === cfg.channels.length - 1 ? 1 : cfg.stride;
    x = op.leakyRelu(conv2d(s.child('convs').child(i), x, inC, outC, [cfg.kernel, 1], [stride, 1], [pad, 0]), LRELU);
    features.push(x);
    inC = outC;
  });
  const score = conv2d(s.child('conv_post'), x, inC, 1, [3, 1], [1, 1], [1, 0]);
  return { score, features };
}

export function multiPeriodDiscriminator(s: Scope, cfg: MpdConfig, wav: Tensor): DiscriminatorOutput[] {
  return cfg.periods.map((p, i) => periodDiscriminator(s.child('discriminators').child(i), cfg, wav, p));
}

/** One resolution sub-discriminator: magnitude [B, 1, frames, F], convolutions strided along F. */
function resolutionDiscriminator(s: Scope, cfg: MrdConfig, wav: Tensor, nFft: number, hop: number): DiscriminatorOutput {
  const mag = stftMagnitudeGraph(wav, { nFft, hop, winLength: nFft, padMode: 'constant' }); // [B, F, frames]
  let x = op.unsqueeze(op.transpose(mag, [0, 2, 1]), [1]);
  const C = cfg.channels;
  const layers: { k: [number, number]; st: [number, number]; p: [number, number] }[] = [
    { k: [3, 9], st: [1, 1], p: [1, 4] },
    { k: [3, 9], st: [1, 2], p: [1, 4] },
    { k: [3, 9], st: [1, 2], p: [1, 4] },
    { k: [3, 9], st: [1, 2], p: [1, 4] },
    { k: [3, 3], st: [1, 1], p: [1, 1] },
  ];
  const features: Tensor[] = [];
  let inC = 1;
  layers.forEach((l, i) => {
    x = op.leakyRelu(conv2d(s.child('convs').child(i), x, inC, C, l.k, l.st, l.p), LRELU);
    features.push(x);
    inC = C;
  });
  const score = conv2d(s.child('conv_post'), x, C, 1, [3, 3], [1, 1], [1, 1]);
  return { score, features };
}

export function multiResolutionDiscriminator(s: Scope, cfg: MrdConfig, wav: Tensor): DiscriminatorOutput[] {
  return cfg.resolutions.map(([nFft, hop], i) => resolutionDiscriminator(s.child('discriminators').child(i), cfg, wav, nFft, hop));
}

// ---- losses ----
export type AdversarialLoss = 'hinge' | 'lsgan';

/** Discriminator loss summed over sub-discriminators: real pushed to +1, generated to -1 (hinge) or 0 (LS). */
export function discriminatorLoss(real: DiscriminatorOutput[], fake: DiscriminatorOutput[], kind: AdversarialLoss): Tensor {
  const terms = real.map((r, i) => {
    const f = fake[i]!.score;
    if (kind === 'hinge') return op.add(op.reduceMean(op.relu(op.sub(1, r.score))), op.reduceMean(op.relu(op.add(f, 1))));
    return op.add(op.reduceMean(op.square(op.sub(1, r.score))), op.reduceMean(op.square(f)));
  });
  return op.sum(terms);
}

/** Generator adversarial loss summed over sub-discriminators. */
export function generatorAdversarialLoss(fake: DiscriminatorOutput[], kind: AdversarialLoss): Tensor {
  return op.sum(fake.map((f) => (kind === 'hinge' ? op.reduceMean(op.relu(op.sub(1, f.score))) : op.reduceMean(op.square(op.sub(1, f.score))))));
}

/** Feature matching: sum over sub-discriminators and layers of mean |real - generated|. */
export function featureMatchingLoss(real: DiscriminatorOutput[], fake: DiscriminatorOutput[]): Tensor {
  const terms: Tensor[] = [];
  real.forEach((r, i) => r.features.forEach((fr, j) => terms.push(op.reduceMean(op.abs(op.sub(op.stopGradient(fr), fake[i]!.features[j]!))))));
  return op.sum(terms);
}
