// FastSpeech 2 / ProDiff training losses as graph ops (differentiable where the reference is).
import { op, type Tensor } from '../engine/index.js';
import { HparamsError, type Hparams } from './hparams.js';

const f32 = (t: Tensor) => op.cast(t, 'float32');
const masked = (x: Tensor, w: Tensor) => op.div(op.reduceSum(op.mul(x, w)), op.reduceSum(op.expand(w, x.shape)));

/** Mel-loss weights: 1 where the target frame is not all zero, [B, T, 1]. */
function melWeights(target: Tensor): Tensor {
  return op.unsqueeze(f32(op.not(op.equal(op.reduceSum(op.abs(target), [2]), 0))), [2]);
}

/** Masked L1 between mels [B, T, M] (mean over non-pad frames x bins). */
export function melL1(out: Tensor, target: Tensor): Tensor {
  return masked(op.abs(op.sub(out, target)), melWeights(target));
}

/** Gaussian window of pytorch-ssim: g_i = exp(-(i - w//2)^2 / (2 sigma^2)), normalised in float32. */
export function gaussianWindow(size = 11, sigma = 1.5): Float32Array {
  const g = Float32Array.from({ length: size }, (_, i) => Math.exp(-((i - Math.floor(size / 2)) ** 2) / (2 * sigma * sigma)));
  let s = 0;
  for (const v of g) s = Math.fround(s + v);
  return g.map((v) => Math.fround(v / s));
}

/**
 * 1 - SSIM map of (out + bias, target + bias) over the [T, M] image (11x11 Gaussian window, zero
 * padding 5, C1 = 1e-4, C2 = 9e-4), averaged over non-pad frames x bins.
 */
export function melSsimLoss(out: Tensor, target: Tensor, o: { bias?: number; window?: number; sigma?: number } = {}): Tensor {
  const bias = o.bias ?? 6;
  const size = o.window ?? 11;
  const g = gaussianWindow(size, o.sigma ?? 1.5);
  const w2 = new Float32Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) w2[i * size + j] = Math.fround(g[i]! * g[j]!);
  const win = out.graph.constant({ dtype: 'float32', shape: [1, 1, size, size], values: w2 }, 'ssim_window');
  const p = size >> 1;
  const blur = (x: Tensor) => op.conv(x, win, null, { pads: [p, p, p, p] });
  const x = op.unsqueeze(op.add(out, bias), [1]);
  const y = op.unsqueeze(op.add(target, bias), [1]);
  const mu1 = blur(x);
  const mu2 = blur(y);
  const mu1sq = op.mul(mu1, mu1);
  const mu2sq = op.mul(mu2, mu2);
  const mu12 = op.mul(mu1, mu2);
  const s1 = op.sub(blur(op.mul(x, x)), mu1sq);
  const s2 = op.sub(blur(op.mul(y, y)), mu2sq);
  const s12 = op.sub(blur(op.mul(x, y)), mu12);
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  const num = op.mul(op.add(op.mul(mu12, 2), C1), op.add(op.mul(s12, 2), C2));
  const den = op.mul(op.add(op.add(mu1sq, mu2sq), C1), op.add(op.add(s1, s2), C2));
  const map = op.squeeze(op.div(num, den), [1]);
  return masked(op.sub(1, map), melWeights(target));
}

/** Ground-truth durations from mel2ph: dur[b, j] = #frames with mel2ph = j + 1, x token mask. [B, L] float. */
function durationsFromMel2ph(mel2ph: Tensor, tokens: Tensor): Tensor {
  const nonPad = f32(op.not(op.equal(tokens, 0)));
  const ids = op.cast(op.cumsum(op.add(op.mul(nonPad, 0), 1), 1), 'int64'); // [B, L]: 1..L
  const hit = f32(op.equal(op.unsqueeze(mel2ph, [1]), op.unsqueeze(ids, [2]))); // [B, L, T]
  return op.mul(op.reduceSum(hit, [2]), nonPad);
}

export interface DurationLosses {
  pdur: Tensor;
  wdur: Tensor;
  sdur: Tensor;
}

/**
 * Phone (log-domain MSE), word and sentence duration losses (linear durations, log(d + 1) MSE).
 * `silTable` is a float [vocab] table with 1 for silence tokens (word boundaries).
 */
export function durationLosses(durPred: Tensor, mel2ph: Tensor, tokens: Tensor, silTable: Tensor, lambdas: { pdur: number; wdur: number; sdur: number }): DurationLosses {
  const nonPad = f32(op.not(op.equal(tokens, 0)));
  const gt = durationsFromMel2ph(mel2ph, tokens);
  const lg = op.log(op.add(gt, 1));
  const d = op.sub(durPred, lg);
  const pdur = op.mul(op.div(op.reduceSum(op.mul(op.mul(d, d), nonPad)), op.reduceSum(nonPad)), lambdas.pdur);
  const lin = op.clip(op.sub(op.exp(durPred), 1), 0);
  // Words: silence tokens split; word id = cumsum(sil) x (1 - sil), 0 = no word. One-hot [B, W, L] with W = L.
  const sil = op.gather(silTable, tokens, 0);
  const wordId = op.mul(op.cumsum(sil, 1), op.sub(1, sil));
  const wIdx = op.cumsum(op.add(op.mul(sil, 0), 1), 1); // 1..L
  const onehot = f32(op.equal(op.unsqueeze(wordId, [1]), op.unsqueeze(wIdx, [2]))); // [B, W, L]
  const wp = op.squeeze(op.matmul(onehot, op.unsqueeze(lin, [2])), [2]);
  const wg = op.squeeze(op.matmul(onehot, op.unsqueeze(gt, [2])), [2]);
  const wMask = f32(op.greater(wg, 0));
  const wd = op.sub(op.log(op.add(wp, 1)), op.log(op.add(wg, 1)));
  const wdur = op.mul(op.div(op.reduceSum(op.mul(op.mul(wd, wd), wMask)), op.reduceSum(wMask)), lambdas.wdur);
  const sd = op.sub(op.log(op.add(op.reduceSum(lin, [1]), 1)), op.log(op.add(op.reduceSum(gt, [1]), 1)));
  const sdur = op.mul(op.reduceMean(op.mul(sd, sd)), lambdas.sdur);
  return { pdur, wdur, sdur };
}

/** Silence table: 1 for ids whose phone does not start with a letter (and for <pad>, <EOS>, <UNK>). */
export function silenceTable(vocabSize: number, silIds: number[]): Float32Array {
  const t = new Float32Array(vocabSize);
  for (const i of silIds) if (i >= 0 && i < vocabSize) t[i] = 1;
  return t;
}

/** Silence ids from the official phone list (sorted phone_set; ids 0..2 are <pad>, <EOS>, <UNK>; <EOS> is skipped in the list). */
export function silenceIdsFromVocab(vocab: string[]): number[] {
  const ids = [0, 1, 2];
  vocab.filter((p) => p !== '<EOS>').forEach((p, i) => {
    if (!/^[A-Za-z]/.test(p)) ids.push(i + 3);
  });
  return ids;
}

export interface PitchLosses {
  uv: Tensor;
  f0: Tensor;
}

/** uv BCE-with-logits and f0 L1 (voiced frames) over non-pad frames; pitchPred [B, T, 2]. */
export function pitchLosses(pitchPred: Tensor, f0: Tensor, uv: Tensor, mel2ph: Tensor, lambdas: { uv: number; f0: number }): PitchLosses {
  const nonPad = f32(op.not(op.equal(mel2ph, 0)));
  const [p0, p1] = op.split(pitchPred, [1, 1], 2);
  const logit = op.squeeze(p1!, [2]);
  const bce = op.add(op.sub(op.relu(logit), op.mul(logit, uv)), op.softplus(op.neg(op.abs(logit))));
  const uvLoss = op.mul(op.div(op.reduceSum(op.mul(bce, nonPad)), op.reduceSum(nonPad)), lambdas.uv);
  const voiced = op.mul(nonPad, f32(op.equal(uv, 0)));
  const f0Loss = op.mul(op.div(op.reduceSum(op.mul(op.abs(op.sub(op.squeeze(p0!, [2]), f0)), voiced)), op.reduceSum(voiced)), lambdas.f0);
  return { uv: uvLoss, f0: f0Loss };
}

/** Energy MSE over frames with energy != 0. */
export function energyLoss(energyPred: Tensor, energy: Tensor, lambda: number): Tensor {
  const w = f32(op.not(op.equal(energy, 0)));
  const d = op.sub(energyPred, energy);
  return op.mul(op.div(op.reduceSum(op.mul(op.mul(d, d), w)), op.reduceSum(w)), lambda);
}

export interface LossWeights {
  ssim: number;
  l1: number;
  pdur: number;
  wdur: number;
  sdur: number;
  uv: number;
  f0: number;
  energy: number;
}

export function lossWeightsFromHparams(hp: Hparams): LossWeights {
  const mel: Record<string, number> = {};
  for (const part of hp.mel_loss.split('|')) {
    const [name, w] = part.split(':');
    const weight = w === undefined ? 1 : Number(w);
    if (name !== 'ssim' && name !== 'l1') throw new HparamsError(hp.source, 'mel_loss', `names the mel loss '${name}', which is not supported (ssim, l1)`);
    if (!Number.isFinite(weight) || weight < 0) throw new HparamsError(hp.source, 'mel_loss', `gives '${name}' the weight '${w}', not a number >= 0`);
    mel[name] = weight;
  }
  return {
    ssim: mel.ssim ?? 0,
    l1: mel.l1 ?? 0,
    pdur: hp.lambda_ph_dur,
    wdur: hp.lambda_word_dur,
    sdur: hp.lambda_sent_dur,
    uv: hp.lambda_uv,
    f0: hp.lambda_f0,
    energy: hp.lambda_energy,
  };
}
