// A Vocos-style vocoder generator (Siuzdak, 2023): log-mel -> Conv embedding -> ConvNeXt blocks at
// the frame rate -> linear head predicting log-magnitude and phase of each STFT bin -> inverse STFT
// (standard ONNX ops, see spectral.ts). Parameter names follow the Vocos state_dict layout
// (`backbone.embed`, `backbone.convnext.<i>.dwconv`, ..., `head.out`) under the caller's scope.
import { op, type Tensor } from '../engine/index.js';
import { conv1d, layerNorm, linear, type Scope } from '../nn/index.js';
import { PRODIFF_STFT, type StftConfig } from '../audio/stft.js';
import { istftGraph } from './spectral.js';

export interface VocosConfig {
  /** Mel bins of the input (ProDiff: 80). */
  mels: number;
  /** Channels of the ConvNeXt backbone. */
  dim: number;
  /** Hidden width of each block's pointwise MLP. */
  intermediate: number;
  layers: number;
  /** Kernel of the embedding and of the depthwise convolutions. */
  kernel: number;
  /** Initial layer-scale value; default 1 / layers (as Vocos). */
  layerScale?: number;
  /** The synthesis STFT (n_fft, hop, window); ProDiff's by default. */
  stft: StftConfig;
  /**
   * Where the phase comes from: 'learned' (Vocos: the head predicts it and the graph ends in an
   * inverse STFT) or 'pghi' (the head predicts the log-magnitude alone, trained by regression on
   * the recordings' STFT; the phase is integrated from it by `pghiPhase` at synthesis). Default
   * 'learned'.
   */
  phase?: 'learned' | 'pghi';
}

/** Small CPU default: ~2.8 M parameters, the shape DESIGN.md timed in PyTorch at RTF ~0.006. */
export const VOCOS_SMALL: VocosConfig = { mels: 80, dim: 256, intermediate: 768, layers: 6, kernel: 7, stft: PRODIFF_STFT };
/** The Vocos paper's backbone size (dim 512, 8 blocks). */
export const VOCOS_BASE: VocosConfig = { mels: 80, dim: 512, intermediate: 1536, layers: 8, kernel: 7, stft: PRODIFF_STFT };

/** Vocos initialises conv and linear weights from N(0, 0.02) (truncated) with zero biases. */
const W_INIT = { kind: 'normal', std: 0.02 } as const;

export interface VocosOutputs {
  /** Waveform [B, (T - 1) * hop]. */
  wav: Tensor;
  /** Natural-log magnitude, clipped at ln(100), [B, T, F]. */
  logMag: Tensor;
  /** Phase in radians, [B, T, F]. */
  phase: Tensor;
}

/**
 * Mel frames of context each side that make a frame range's samples exact (`Vocoder.contextFrames`).
 * The embedding and every block's depthwise conv reach (kernel - 1) / 2 frames. The centred inverse
 * STFT gives sample n the frames f with f hop - nFft/2 <= n < f hop + nFft/2, so the samples of
 * frames [a, b) use STFT frames a - q .. b + q, q = floor((nFft/2 - 1) / hop): q frames before the
 * range, q + 1 after it (n_fft 1024, hop 256: 1 and 2).
 */
export function vocosContextFrames(cfg: VocosConfig): number {
  const backbone = ((cfg.kernel - 1) / 2) * (cfg.layers + 1);
  return backbone + Math.floor((cfg.stft.nFft / 2 - 1) / cfg.stft.hop) + 1;
}

export const isPghiGenerator = (cfg: VocosConfig): boolean => cfg.phase === 'pghi';

function convNeXtBlock(s: Scope, x: Tensor, cfg: VocosConfig): Tensor {
  const { dim, intermediate, kernel } = cfg;
  // x: [B, dim, T]
  const dw = conv1d(s.child('dwconv'), x, dim, dim, kernel, { padding: (kernel - 1) / 2, groups: dim, weightInit: W_INIT });
  let y = op.transpose(dw, [0, 2, 1]); // [B, T, dim]
  y = layerNorm(s.child('norm'), y, dim, 1e-6);
  y = op.gelu(linear(s.child('pwconv1'), y, dim, intermediate, { weightInit: W_INIT, bias: true }));
  y = linear(s.child('pwconv2'), y, intermediate, dim, { weightInit: W_INIT, bias: true });
  const gamma = s.param('gamma', [dim], { kind: 'constant', value: cfg.layerScale ?? 1 / cfg.layers });
  y = op.mul(y, gamma);
  return op.add(x, op.transpose(y, [0, 2, 1]));
}

/** The ConvNeXt backbone: mel [B, mels, T] -> features [B, T, dim] (after the final LayerNorm). */
function vocosBackbone(s: Scope, cfg: VocosConfig, mel: Tensor): Tensor {
  if (cfg.kernel % 2 !== 1) throw new Error(`vocos: kernel ${cfg.kernel} must be odd`);
  const bb = s.child('backbone');
  let x = conv1d(bb.child('embed'), mel, cfg.mels, cfg.dim, cfg.kernel, { padding: (cfg.kernel - 1) / 2, weightInit: W_INIT });
  x = op.transpose(layerNorm(bb.child('norm'), op.transpose(x, [0, 2, 1]), cfg.dim, 1e-6), [0, 2, 1]);
  for (let i = 0; i < cfg.layers; i++) x = convNeXtBlock(bb.child('convnext').child(i), x, cfg);
  return layerNorm(bb.child('final_layer_norm'), op.transpose(x, [0, 2, 1]), cfg.dim, 1e-6);
}

/** The head's projection to `outputs` values per frame, [B, T, outputs]. */
function vocosHead(s: Scope, cfg: VocosConfig, h: Tensor, outputs: number): Tensor {
  return linear(s.child('head').child('out'), h, cfg.dim, outputs, { weightInit: W_INIT, bias: true });
}

// exp(x) clipped at 100 (Vocos): the log magnitude is clipped at ln 100.
const clipLogMagnitude = (x: Tensor): Tensor => op.clip(x, undefined, Math.log(100));

/** The generator: mel [B, mels, T] (ProDiff log10 mel, channels first) -> waveform. */
export function vocosGenerator(s: Scope, cfg: VocosConfig, mel: Tensor): VocosOutputs {
  if (isPghiGenerator(cfg)) throw new Error("vocos: a 'pghi' generator predicts magnitudes only (vocosLogMagnitude)");
  const F = cfg.stft.nFft / 2 + 1;
  const out = vocosHead(s, cfg, vocosBackbone(s, cfg, mel), 2 * F); // [B, T, 2F]
  const [mag, phase] = op.split(out, [F, F], 2);
  const logMag = clipLogMagnitude(mag!);
  const m = op.exp(logMag);
  const wav = istftGraph(op.mul(m, op.cos(phase!)), op.mul(m, op.sin(phase!)), cfg.stft);
  return { wav, logMag, phase: phase! };
}

/** A 'pghi' generator: mel [B, mels, T] -> natural-log STFT magnitude [B, T, F], clipped at ln 100. */
export function vocosLogMagnitude(s: Scope, cfg: VocosConfig, mel: Tensor): Tensor {
  if (!isPghiGenerator(cfg)) throw new Error("vocos: vocosLogMagnitude needs a generator with phase 'pghi'");
  return clipLogMagnitude(vocosHead(s, cfg, vocosBackbone(s, cfg, mel), cfg.stft.nFft / 2 + 1));
}
