// The phone aligner's network, in the spirit of "One TTS Alignment To Rule Them All" (Badlani et
// al. 2021): a convolutional text encoder over phone one-hots and a convolutional mel encoder, and
// attention log-probabilities from the negative squared distance between every frame's query and
// every token's key, log-softmaxed over the tokens. The forward-sum loss and the monotonic search
// run on the host (src/data/monotonic.ts): training feeds the loss's gradient w.r.t. these
// log-probabilities back in as `grad_logp`, so the graph's loss sum(grad_logp * logp) has exactly
// the forward-sum gradient.
import { op, type Graph, type Tensor } from '../engine/index.js';
import { conv1d } from '../nn/layers.js';
import { Scope } from '../nn/scope.js';

export interface AlignerConfig {
  /** Token inventory (one-hot width): stressless ARPAbet phones and 'sil'. */
  tokens: string[];
  nMels: number;
  sampleRate: number;
  hop: number;
  nFft: number;
  winLength: number;
  fmin: number;
  fmax: number;
  textChannels: number;
  melChannels: number;
  attentionChannels: number;
  kernel: number;
  melLayers: number;
  textLayers: number;
  /** Scale of the squared distance. */
  temperature: number;
}

export const ALIGNER_TOKENS = [
  'sil', 'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH',
  'K', 'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
];

export const DEFAULT_ALIGNER_CONFIG: AlignerConfig = {
  tokens: ALIGNER_TOKENS,
  nMels: 80, sampleRate: 16000, hop: 160, nFft: 512, winLength: 400, fmin: 50, fmax: 7600,
  textChannels: 128, melChannels: 128, attentionChannels: 64, kernel: 5, melLayers: 3, textLayers: 2,
  temperature: 0.05,
};

export interface AlignerGraph {
  /** [B, T, N] log-probabilities over tokens per frame. */
  logp: Tensor;
}

function convStack(s: Scope, x: Tensor, inC: number, C: number, outC: number, layers: number, k: number): Tensor {
  let h = x;
  let c = inC;
  for (let i = 0; i < layers; i++) {
    h = op.relu(conv1d(s.child(`conv${i}`), h, c, C, k, { padding: (k - 1) / 2 }));
    c = C;
  }
  return conv1d(s.child('proj'), h, c, outC, 1);
}

/**
 * Inputs: `tokens` [B, N, V] one-hots (all-zero rows are padding), `token_mask` [B, N] (1 real,
 * 0 padding), `mel` [B, nMels, T] (normalised log-mel).
 */
export function buildAligner(g: Graph, cfg: AlignerConfig): AlignerGraph {
  const V = cfg.tokens.length;
  const oneHot = g.input('tokens', 'float32', ['B', 'N', V]);
  const tokenMask = g.input('token_mask', 'float32', ['B', 'N']);
  const mel = g.input('mel', 'float32', ['B', cfg.nMels, 'T']);
  const s = new Scope(g);
  const emb = s.param('text.embedding', [V, cfg.textChannels], { kind: 'normal', std: 0.3 });
  const x = op.transpose(op.matmul(oneHot, emb), [0, 2, 1]); // [B, C, N]
  const keys = convStack(s.child('text'), x, cfg.textChannels, cfg.textChannels, cfg.attentionChannels, cfg.textLayers, cfg.kernel);
  const queries = convStack(s.child('mel'), mel, cfg.nMels, cfg.melChannels, cfg.attentionChannels, cfg.melLayers, cfg.kernel);
  // -temperature * |q_t - k_n|^2 = temperature * (2 q.k - |q|^2 - |k|^2)
  const qk = op.matmul(op.transpose(queries, [0, 2, 1]), keys); // [B, T, N]
  const q2 = op.transpose(op.reduceSum(op.mul(queries, queries), [1], true), [0, 2, 1]); // [B, T, 1]
  const k2 = op.reduceSum(op.mul(keys, keys), [1], true); // [B, 1, N]
  const dist = op.sub(op.add(q2, k2), op.mul(qk, 2));
  // Padding tokens get a large negative logit, so they take no probability.
  const maskBias = op.unsqueeze(op.mul(op.sub(tokenMask, 1), 1e4), [1]); // [B, 1, N]
  const logits = op.add(op.mul(dist, -cfg.temperature), maskBias);
  return { logp: op.logSoftmax(logits, -1) };
}

/** The training loss: -sum(grad_logp * logp) with `grad_logp` [B, T, N] fed from the host. */
export function alignerLoss(g: Graph, logp: Tensor): Tensor {
  const occupancy = g.input('grad_logp', 'float32', ['B', 'T', 'N']);
  return op.neg(op.reduceSum(op.mul(occupancy, logp)));
}
