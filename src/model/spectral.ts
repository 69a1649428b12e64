// Spectral transforms as graphs of standard ONNX ops, differentiable by the engine:
// - an inverse STFT (windowed inverse-DFT basis as MatMul, overlap-add by shifted sums,
//   division by the overlapped squared window), the last stage of the Vocos generator;
// - a forward STFT (windowed DFT basis as a strided Conv) and ProDiff's log-mel, used by the
//   vocoder's losses and spectral discriminators.
// Semantics follow src/audio/stft.ts (librosa, center=True, constant padding).
import { op, type Graph, type Tensor } from '../engine/index.js';
import { melFilterbank, type MelConfig } from '../audio/mel.js';
import { stftWindow, type StftConfig } from '../audio/stft.js';

function checkStft(cfg: StftConfig, what: string): void {
  if (cfg.nFft % cfg.hop !== 0) throw new Error(`${what}: nFft ${cfg.nFft} must be a multiple of hop ${cfg.hop}`);
  if (cfg.nFft % 2 !== 0) throw new Error(`${what}: nFft ${cfg.nFft} must be even`);
}

/** The analysis window, checked to be symmetric about nFft/2 (w[n] = w[nFft - n]). */
function symmetricWindow(cfg: StftConfig): Float64Array {
  const w = stftWindow(cfg);
  const N = cfg.nFft;
  for (let n = 1; n < N / 2; n++) {
    if (Math.abs(w[n]! - w[N - n]!) > 1e-12) throw new Error('istft graph: the window must be symmetric (w[n] = w[N-n]), as a periodic Hann window is');
  }
  return w;
}

/**
 * Windowed half-length inverse-DFT bases. With a = Re X and b = Im X (bins k = 0..N/2),
 * irfft gives x[n] = sum_k c_k (a_k cos(2 pi k n / N) - b_k sin(2 pi k n / N)) / N, c_k = 1 at
 * DC and Nyquist, else 2. For n in 0..N/2 let C[n] = sum_k c_k a_k cos(.) w[n] / N and
 * S[n] = sum_k c_k b_k sin(.) w[n] / N; then w[n] x[n] = C[n] - S[n] and, because cos is even,
 * sin odd and the window symmetric, w[N-n] x[N-n] = C[n] + S[n]. Two [F, N/2+1] products thus
 * replace one [2F, N], halving the work.
 */
function halfBases(cfg: StftConfig): { cos: Float32Array; sin: Float32Array; F: number; H: number } {
  const N = cfg.nFft;
  const F = N / 2 + 1;
  const H = N / 2 + 1; // output positions n = 0..N/2
  const w = symmetricWindow(cfg);
  const cos = new Float32Array(F * H);
  const sin = new Float32Array(F * H);
  for (let k = 0; k < F; k++) {
    const c = k === 0 || k === N / 2 ? 1 : 2;
    for (let n = 0; n < H; n++) {
      // Reduce k*n modulo N before the trigonometry, for accuracy at large k*n.
      const ang = (2 * Math.PI * ((k * n) % N)) / N;
      cos[k * H + n] = (c * Math.cos(ang) * w[n]!) / N;
      sin[k * H + n] = (c * Math.sin(ang) * w[n]!) / N;
    }
  }
  return { cos, sin, F, H };
}

/**
 * Overlap-add of frames [B, T, N] with hop: [B, (T + r - 1) * hop], r = N / hop. Each frame is
 * cut into r hop-long pieces; piece j of frame t lands at block t + j, so the blocks are the sum
 * of the r piece sequences shifted by j.
 */
function overlapAdd(frames: Tensor, hop: number): Tensor {
  const [B, T, N] = frames.shape as [number | string, number | string, number];
  const r = N / hop;
  const pieces = r === 1 ? [frames] : op.split(op.reshape(frames, [B, T, r, hop]), new Array(r).fill(1), 2);
  const shifted = pieces.map((p, j) => op.padAxis(op.reshape(p, [B, T, hop]), 1, j, r - 1 - j));
  const blocks = op.sum(shifted);
  return op.reshape(blocks, [B, -1]);
}

/**
 * The inverse STFT before its centre trim: [B, (T + r - 1) * hop] samples (r = nFft / hop), the
 * overlap-added windowed inverse DFTs divided by the overlapped squared window, with the nFft/2
 * samples at each end (the centre padding, where that window sum reaches 0) set to 0.
 */
function istftPadded(re: Tensor, im: Tensor, cfg: StftConfig): Tensor {
  checkStft(cfg, 'istft graph');
  const g = re.graph;
  const N = cfg.nFft;
  const hop = cfg.hop;
  const { cos, sin, F, H } = halfBases(cfg);
  if (re.shape[2] !== F || im.shape[2] !== F) throw new Error(`istft graph: frames must have ${F} bins, got ${re.shape[2]} and ${im.shape[2]}`);
  const T = re.shape[1]!;
  const cosB = g.constant({ dtype: 'float32', shape: [F, H], values: cos }, 'istft_cos_basis');
  const sinB = g.constant({ dtype: 'float32', shape: [F, H], values: sin }, 'istft_sin_basis');
  const C = op.matmul(re, cosB); // [B, T, H]
  const S = op.matmul(im, sinB);
  const first = op.sliceAxis(op.sub(C, S), 2, 0, N / 2); // n = 0 .. N/2 - 1
  const second = op.flip(op.sliceAxis(op.add(C, S), 2, 1, H), 2); // n = N/2 .. N - 1
  const frames = op.concat([first, second], 2); // [B, T, N], windowed
  const y = overlapAdd(frames, hop);

  // The overlapped squared window depends only on T: the same overlap-add over w^2. Its inverse
  // inside the trimmed span, 0 in the padding.
  const w = stftWindow(cfg);
  const w2 = g.constant({ dtype: 'float32', shape: [1, 1, N], values: Float32Array.from(w, (v) => v * v) }, 'istft_window_sq');
  const env = overlapAdd(op.expand(w2, [1, T, N]), hop);
  const half = N / 2;
  const invEnv = op.padAxis(op.div(1, op.sliceAxis(env, 1, half, -half)), 1, half, half);
  return op.mul(y, invEnv);
}

/**
 * Inverse STFT of re/im frames [B, T, F] (F = nFft/2 + 1): [B, (T - 1) * hop] samples, equal to
 * src/audio istft (center=True, default length).
 */
export function istftGraph(re: Tensor, im: Tensor, cfg: StftConfig): Tensor {
  const half = cfg.nFft / 2;
  return op.sliceAxis(istftPadded(re, im, cfg), 1, half, -half);
}

/**
 * Windowed forward-DFT bases for frames folded about their centre: cos [N/2 + 1, F] with rows
 * w[n] cos(2 pi k n / N) for n = 0..N/2, and sin [N/2 - 1, F] with rows -w[n] sin(2 pi k n / N) for
 * n = 1..N/2-1 (n = 0 and N/2 have no sine part).
 */
function foldedDftBases(cfg: StftConfig): { cos: Float32Array; sin: Float32Array } {
  const N = cfg.nFft;
  const half = N / 2;
  const F = half + 1;
  const w = symmetricWindow(cfg);
  const cos = new Float32Array((half + 1) * F), sin = new Float32Array((half - 1) * F);
  for (let n = 0; n <= half; n++) {
    for (let k = 0; k < F; k++) {
      const ang = (2 * Math.PI * ((k * n) % N)) / N;
      cos[n * F + k] = w[n]! * Math.cos(ang);
      if (n > 0 && n < half) sin[(n - 1) * F + k] = -w[n]! * Math.sin(ang);
    }
  }
  return { cos, sin };
}

/**
 * The STFT of the inverse STFT of re/im frames [B, T, F]: { re, im } [B, T, F], equal to
 * stftGraph(istftGraph(re, im)) transposed (the projection onto consistent spectrograms that
 * Griffin-Lim iterates). The inverse STFT's padded samples are already the STFT's centre padding, so
 * the T analysis frames are cut from its hop-long blocks directly; the DFT folds each frame about
 * its centre (the window is symmetric), x[n] + x[N - n] against cosines and x[n] - x[N - n] against
 * sines, half the multiplications of the full basis.
 */
export function reanalysisGraph(re: Tensor, im: Tensor, cfg: StftConfig): { re: Tensor; im: Tensor } {
  const g = re.graph;
  const N = cfg.nFft;
  const hop = cfg.hop;
  const r = N / hop;
  const half = N / 2;
  const F = half + 1;
  const [B, T] = re.shape as [number | string, number | string];
  const blocks = op.reshape(istftPadded(re, im, cfg), [B, -1, hop]); // [B, T + r - 1, hop]
  // Frame t is blocks t .. t + r - 1: piece j of every frame is blocks j .. j + T - 1.
  const pieces = Array.from({ length: r }, (_, j) => op.assertShape(j === r - 1 ? op.sliceAxis(blocks, 1, j) : op.sliceAxis(blocks, 1, j, j - (r - 1)), [B, T, hop]));
  const frames = op.concat(pieces, 2); // [B, T, N]
  const { cos, sin } = foldedDftBases(cfg);
  const cosB = g.constant({ dtype: 'float32', shape: [half + 1, F], values: cos }, 'stft_folded_cos');
  const sinB = g.constant({ dtype: 'float32', shape: [half - 1, F], values: sin }, 'stft_folded_sin');
  const lo = op.sliceAxis(frames, 2, 1, half); // n = 1 .. N/2 - 1
  const hi = op.flip(op.sliceAxis(frames, 2, half + 1, N), 2); // N - n for the same n
  const even = op.concat([op.sliceAxis(frames, 2, 0, 1), op.add(lo, hi), op.sliceAxis(frames, 2, half, half + 1)], 2);
  return { re: op.matmul(even, cosB), im: op.matmul(op.sub(lo, hi), sinB) };
}

/** Windowed DFT basis as Conv weights [2F, 1, N]: rows k give Re, rows F + k give Im. */
function dftConvWeights(cfg: StftConfig): Float32Array {
  const N = cfg.nFft;
  const F = N / 2 + 1;
  const w = stftWindow(cfg);
  const out = new Float32Array(2 * F * N);
  for (let k = 0; k < F; k++) {
    for (let n = 0; n < N; n++) {
      const ang = (2 * Math.PI * ((k * n) % N)) / N;
      out[k * N + n] = Math.cos(ang) * w[n]!;
      out[(F + k) * N + n] = -Math.sin(ang) * w[n]!;
    }
  }
  return out;
}

/**
 * STFT of wav [B, L] (center=True, zero padding): { re, im } each [B, F, frames], frames =
 * 1 + floor(L / hop). One strided Conv with the windowed DFT basis.
 */
export function stftGraph(wav: Tensor, cfg: StftConfig): { re: Tensor; im: Tensor } {
  checkStft(cfg, 'stft graph');
  if (cfg.padMode !== 'constant') throw new Error("stft graph: only padMode 'constant' is supported");
  const g = wav.graph;
  const N = cfg.nFft;
  const F = N / 2 + 1;
  const basis = g.constant({ dtype: 'float32', shape: [2 * F, 1, N], values: dftConvWeights(cfg) }, `stft_basis_${N}`);
  const spec = op.conv(op.unsqueeze(wav, [1]), basis, null, { strides: [cfg.hop], pads: [N / 2, N / 2] });
  const [re, im] = op.split(spec, [F, F], 1);
  return { re: re!, im: im! };
}

/** |STFT| of wav [B, L] as [B, F, frames]; `eps` keeps the square root differentiable at 0. */
export function stftMagnitudeGraph(wav: Tensor, cfg: StftConfig, eps = 1e-9): Tensor {
  const { re, im } = stftGraph(wav, cfg);
  return op.sqrt(op.add(op.add(op.mul(re, re), op.mul(im, im)), eps));
}

/** The mel filterbank (`melFilterbank`) as a graph constant [nMels, nBins]. */
export function melBasisGraph(g: Graph, cfg: MelConfig): Tensor {
  const basis = melFilterbank(cfg);
  return g.constant({ dtype: 'float32', shape: [basis.nMels, basis.nBins], values: basis.dense }, 'mel_basis');
}

/** ProDiff's log10 mel of wav [B, L]: [B, nMels, frames] (log10(max(eps, mel @ |STFT|))). */
export function logMelGraph(wav: Tensor, cfg: MelConfig): Tensor {
  const mel = op.matmul(melBasisGraph(wav.graph, cfg), stftMagnitudeGraph(wav, cfg, 1e-12));
  return op.mul(op.log(op.clip(mel, cfg.eps)), 1 / Math.LN10);
}
