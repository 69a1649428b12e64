// ProDiff's denoiser: a non-causal WaveNet predicting the clean mel x0 from (x_t, step, cond).
// Parameter names follow the official state_dict (`denoise_fn.` is added by the caller's scope).
import { op, type Tensor } from '../engine/index.js';
import { requireHparam, type Hparams } from './hparams.js';
import { conv1d, kaimingNormal, linear, sinusoidalEmbedding, type Scope } from '../nn/index.js';

export interface DenoiserConfig {
  /** Mel bins (in_dims). */
  mels: number;
  /** Channels of the condition (the encoder's hidden size). */
  condChannels: number;
  residualChannels: number;
  residualLayers: number;
  /** Dilation 2^(i mod cycle); the official config uses 1 (no dilation). */
  dilationCycle: number;
}

/** The official small-test and paper configurations are built by the caller; this is the paper's. */
export const PAPER_DENOISER: DenoiserConfig = { mels: 80, condChannels: 256, residualChannels: 256, residualLayers: 20, dilationCycle: 1 };

/** Kernel of the residual layers' dilated convolutions (padding = dilation keeps the length). */
const DILATED_KERNEL = 3;

export interface DenoiserOutputs {
  /** Predicted x0, [B, 1, mels, T]. */
  x0: Tensor;
  /** MLP(sinusoid(step)), [B, C]. */
  stepEmbedding: Tensor;
}

/**
 * x_t [B, 1, mels, T], step [B] (integer diffusion index), cond [B, condChannels, T].
 */
export function denoiser(s: Scope, cfg: DenoiserConfig, xT: Tensor, step: Tensor, cond: Tensor): DenoiserOutputs {
  const C = cfg.residualChannels;
  const conv = (name: string, x: Tensor, inC: number, outC: number, k = 1, dilation = 1) =>
    conv1d(s.child(name), x, inC, outC, k, { dilation, padding: k === 1 ? 0 : dilation, weightInit: kaimingNormal(inC * k) });

  let x = op.relu(conv('input_projection', op.squeeze(xT, [1]), cfg.mels, C));
  const mlp = s.child('mlp');
  const h = op.mish(linear(mlp.child(0), sinusoidalEmbedding(step, C), C, 4 * C));
  const stepEmbedding = linear(mlp.child(2), h, 4 * C, C);

  const skips: Tensor[] = [];
  for (let i = 0; i < cfg.residualLayers; i++) {
    const layer = s.child('residual_layers').child(i);
    const dilation = 2 ** (i % cfg.dilationCycle);
    const d = op.unsqueeze(linear(layer.child('diffusion_projection'), stepEmbedding, C, C), [2]);
    const condProj = conv1d(layer.child('conditioner_projection'), cond, cfg.condChannels, 2 * C, 1, { weightInit: kaimingNormal(cfg.condChannels) });
    const y = op.add(conv1d(layer.child('dilated_conv'), op.add(x, d), C, 2 * C, DILATED_KERNEL, { dilation, padding: dilation, weightInit: kaimingNormal(DILATED_KERNEL * C) }), condProj);
    const [gate, filter] = op.chunk(y, 2, 1);
    const z = conv1d(layer.child('output_projection'), op.mul(op.sigmoid(gate!), op.tanh(filter!)), C, 2 * C, 1, { weightInit: kaimingNormal(C) });
    const [residual, skip] = op.chunk(z, 2, 1);
    x = op.mul(op.add(x, residual!), Math.SQRT1_2);
    skips.push(skip!);
  }
  let out = op.mul(op.sum(skips), 1 / Math.sqrt(cfg.residualLayers));
  out = op.relu(conv('skip_projection', out, C, C));
  out = conv1d(s.child('output_projection'), out, C, cfg.mels, 1, { weightInit: { kind: 'zeros' } });
  return { x0: op.unsqueeze(out, [1]), stepEmbedding };
}

/**
 * Frames of context each side that one denoiser call needs for an exact output frame: the only
 * convolutions over time are the residual layers' kernel-3 dilated convs (reach = dilation each);
 * the input, conditioner, skip and output projections are 1x1 and the step embedding is global.
 */
export function denoiserReach(cfg: DenoiserConfig): number {
  let r = 0;
  for (let i = 0; i < cfg.residualLayers; i++) r += (2 ** (i % cfg.dilationCycle) * (DILATED_KERNEL - 1)) / 2;
  return r;
}

/** The denoiser of parsed hparams (hidden_size, residual_channels, residual_layers, dilation_cycle_length). */
export function denoiserConfigFromHparams(hp: Hparams, mels: number): DenoiserConfig {
  return {
    mels,
    condChannels: requireHparam(hp, 'hidden_size'),
    residualChannels: requireHparam(hp, 'residual_channels'),
    residualLayers: requireHparam(hp, 'residual_layers'),
    dilationCycle: hp.dilation_cycle_length,
  };
}
