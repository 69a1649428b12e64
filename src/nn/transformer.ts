// Transformer pieces with fairseq/FastSpeech conventions: token embeddings with a padding row,
// fairseq sinusoidal positions (running count of non-pad items), self-attention without biases.
import { op, type Init, type Tensor } from '../engine/index.js';
import type { Scope } from './scope.js';

/** nn.Embedding lookup: W [num, dim] (row `paddingIdx` is expected to be zero, as in the reference init). */
export function embedding(s: Scope, ids: Tensor, num: number, dim: number, init: Init = { kind: 'normal', std: dim ** -0.5 }): Tensor {
  const w = s.param('weight', [num, dim], init);
  return op.gather(w, ids, 0);
}

/** Frequencies f_k = exp(-k ln(1e4) / (dim/2 - 1)), computed as the reference does (float32 arithmetic). */
function sinusoidFrequencies(dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const step = Math.fround(Math.log(10000) / (half - 1));
  return Float32Array.from({ length: half }, (_, k) => Math.exp(Math.fround(k * -step)));
}

/**
 * fairseq-style sinusoidal positions: position = running count of non-pad items (starting at 1),
 * pad items get the zero vector. `nonPad` is a float 0/1 tensor [B, T]; returns [B, T, dim].
 */
export function fairseqPositions(nonPad: Tensor, dim: number): Tensor {
  if (dim % 2 !== 0) throw new Error('fairseqPositions: odd embedding sizes are not supported');
  const pos = op.mul(op.cumsum(nonPad, 1), nonPad);
  const f = nonPad.graph.constant({ dtype: 'float32', shape: [dim / 2], values: sinusoidFrequencies(dim) }, 'pos_freqs');
  const arg = op.mul(op.unsqueeze(pos, [2]), f);
  return op.mul(op.concat([op.sin(arg), op.cos(arg)], 2), op.unsqueeze(nonPad, [2]));
}

/**
 * Multi-head self-attention as fairseq's MultiheadAttention(bias=False, self_attention=True):
 * in_proj_weight [3H, H] (rows q|k|v), heads are contiguous channel slices, scale 1/sqrt(head_dim),
 * keys at padded positions excluded; out_proj.weight [H, H]. x [B, T, H], keyPad bool [B, T].
 */
export function selfAttention(s: Scope, x: Tensor, hidden: number, heads: number, keyPad: Tensor): Tensor {
  const hd = hidden / heads;
  if (!Number.isInteger(hd)) throw new Error(`selfAttention: hidden ${hidden} is not divisible by ${heads} heads`);
  const xavier: Init = { kind: 'uniform', bound: Math.sqrt(6 / (hidden + 3 * hidden)) };
  const wIn = s.param('in_proj_weight', [3 * hidden, hidden], xavier);
  const wOut = s.child('out_proj').param('weight', [hidden, hidden], { kind: 'uniform', bound: Math.sqrt(6 / (2 * hidden)) });
  const qkv = op.matmul(x, op.transpose(wIn, [1, 0]));
  const [q, k, v] = op.split(qkv, [hidden, hidden, hidden], 2);
  const heads4 = (t: Tensor) => op.transpose(op.reshape(t, [0, 0, heads, hd]), [0, 2, 1, 3]);
  const qh = op.mul(heads4(q!), hd ** -0.5);
  const kh = heads4(k!);
  const vh = heads4(v!);
  const scores = op.matmul(qh, op.transpose(kh, [0, 1, 3, 2]));
  // -1e9 underflows to an exact zero weight after the softmax, like the reference's -inf.
  const bias = op.unsqueeze(op.mul(op.cast(keyPad, 'float32'), -1e9), [1, 2]);
  const attn = op.softmax(op.add(scores, bias), -1);
  const ctx = op.reshape(op.transpose(op.matmul(attn, vh), [0, 2, 1, 3]), [0, 0, hidden]);
  return op.matmul(ctx, op.transpose(wOut, [1, 0]));
}
