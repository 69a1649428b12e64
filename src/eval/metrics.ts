// Objective metrics of `prodiff eval`: mels compared frame by frame (durations are forced, so the
// frames align), pitch tracks compared frame by frame, and word error rate. Every metric is
// accumulated as sums and counts so that a test set pools frames (or words), not utterance means.
import { gaussianWindow } from '../model/losses.js';

/** A [frames, mels] row-major log10 mel (the cache's and the model's layout). */
export interface MelImage {
  data: ArrayLike<number>;
  frames: number;
  mels: number;
}

function sameShape(a: MelImage, b: MelImage, what: string): void {
  if (a.frames !== b.frames || a.mels !== b.mels) throw new Error(`${what}: shapes differ ([${a.frames}, ${a.mels}] vs [${b.frames}, ${b.mels}])`);
  if (a.frames === 0) throw new Error(`${what}: no frames`);
}

/** Mean |a - b| over all frames x bins (log10 mel units; the training L1 on unpadded mels). */
export function melL1(a: MelImage, b: MelImage): number {
  sameShape(a, b, 'melL1');
  let s = 0;
  const n = a.frames * a.mels;
  for (let i = 0; i < n; i++) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / n;
}

export interface SsimOptions {
  /** Added to both mels before SSIM (the model's loss uses 6, which makes log10 mels positive). */
  bias: number;
  window: number;
  sigma: number;
}
const MEL_SSIM: SsimOptions = { bias: 6, window: 11, sigma: 1.5 };

/**
 * Mean SSIM over the [frames, mels] image: the model's `melSsimLoss` definition on the host
 * (SSIM = 1 - that loss on unpadded mels): both images + bias, 11 x 11 Gaussian window (sigma 1.5,
 * pytorch-ssim's float32 weights), zero padding of 5 on every side, C1 = 0.01^2, C2 = 0.03^2,
 * SSIM map averaged over all frames x bins. Computed in float64 with the separable window.
 */
export function melSsim(a: MelImage, b: MelImage, o: Partial<SsimOptions> = {}): number {
  sameShape(a, b, 'melSsim');
  const { bias, window, sigma } = { ...MEL_SSIM, ...o };
  const g = gaussianWindow(window, sigma);
  const p = window >> 1;
  const H = a.frames, W = a.mels, n = H * W;
  // Separable blur with zero padding: rows (frames) then columns (bins).
  const blur = (x: Float64Array): Float64Array => {
    const tmp = new Float64Array(n);
    for (let t = 0; t < H; t++) for (let m = 0; m < W; m++) {
      let s = 0;
      for (let k = 0; k < window; k++) {
        const mm = m + k - p;
        if (mm >= 0 && mm < W) s += g[k]! * x[t * W + mm]!;
      }
      tmp[t * W + m] = s;
    }
    const out = new Float64Array(n);
    for (let t = 0; t < H; t++) for (let m = 0; m < W; m++) {
      let s = 0;
      for (let k = 0; k < window; k++) {
        const tt = t + k - p;
        if (tt >= 0 && tt < H) s += g[k]! * tmp[tt * W + m]!;
      }
      out[t * W + m] = s;
    }
    return out;
  };
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) { x[i] = a.data[i]! + bias; y[i] = b.data[i]! + bias; }
  const xx = x.map((v) => v * v), yy = y.map((v) => v * v), xy = x.map((v, i) => v * y[i]!);
  const mu1 = blur(x), mu2 = blur(y), e11 = blur(xx), e22 = blur(yy), e12 = blur(xy);
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const m1 = mu1[i]!, m2 = mu2[i]!;
    const s1 = e11[i]! - m1 * m1, s2 = e22[i]! - m2 * m2, s12 = e12[i]! - m1 * m2;
    s += ((2 * m1 * m2 + C1) * (2 * s12 + C2)) / ((m1 * m1 + m2 * m2 + C1) * (s1 + s2 + C2));
  }
  return s / n;
}

/** Cepstral coefficients c_1..c_order used by MCD (c_0, the frame's level, is left out). */
export const MCD_ORDER = 13;

/**
 * Mel cepstra of one log10 mel frame: the orthonormal DCT-II of the natural-log mel,
 * c_k = w_k sum_{m=0}^{M-1} ln(mel_m) cos(pi k (2m + 1) / (2M)), w_0 = sqrt(1/M), w_k = sqrt(2/M)
 * (scipy's dct(type=2, norm='ortho')), where ln(mel_m) = ln(10) * log10mel_m. Returns c_0..c_order.
 */
export function melCepstrum(log10Frame: ArrayLike<number>, order = MCD_ORDER): Float64Array {
  const M = log10Frame.length;
  if (order >= M) throw new Error(`melCepstrum: order ${order} needs more than ${M} mel bins`);
  const c = new Float64Array(order + 1);
  for (let k = 0; k <= order; k++) {
    let s = 0;
    for (let m = 0; m < M; m++) s += Math.LN10 * log10Frame[m]! * Math.cos((Math.PI * k * (2 * m + 1)) / (2 * M));
    c[k] = s * Math.sqrt((k === 0 ? 1 : 2) / M);
  }
  return c;
}

/** The MCD constant 10 / ln 10 * sqrt(2) (dB). */
export const MCD_SCALE = (10 / Math.LN10) * Math.SQRT2;

/**
 * Mel-cepstral distortion summed over frames (divide by frames for the mean), in dB:
 * per frame (10 / ln 10) sqrt(2 sum_{k=1}^{order} (c_k - c'_k)^2) with the cepstra of `melCepstrum`.
 * The frames are compared one to one (no DTW): eval forces the ground-truth durations.
 */
export function mcdSum(a: MelImage, b: MelImage, order = MCD_ORDER): number {
  sameShape(a, b, 'mcd');
  let total = 0;
  const M = a.mels;
  const fa = new Float64Array(M);
  for (let t = 0; t < a.frames; t++) {
    for (let m = 0; m < M; m++) { fa[m] = a.data[t * M + m]! - b.data[t * M + m]!; }
    // The DCT is linear: the cepstra of the difference are the difference of the cepstra.
    const d = melCepstrum(fa, order);
    let s = 0;
    for (let k = 1; k <= order; k++) s += d[k]! * d[k]!;
    total += MCD_SCALE * Math.sqrt(s);
  }
  return total;
}

/** Mean MCD over frames (dB). */
export function mcd(a: MelImage, b: MelImage, order = MCD_ORDER): number {
  return mcdSum(a, b, order) / a.frames;
}

// ---------------------------------------------------------------- pitch

/** Frame counts of a pitch comparison; add them up over utterances, then `pitchSummary`. */
export interface PitchCounts {
  frames: number;
  /** Frames where one track is voiced and the other not. */
  voicingErrors: number;
  /** Frames voiced in both. */
  bothVoiced: number;
  /** Frames voiced in both with |f0_est / f0_ref - 1| > 0.2. */
  grossErrors: number;
  /** Sum over frames voiced in both of (1200 log2(f0_est / f0_ref))^2. */
  sqCents: number;
}

export const emptyPitchCounts = (): PitchCounts => ({ frames: 0, voicingErrors: 0, bothVoiced: 0, grossErrors: 0, sqCents: 0 });

export function addPitchCounts(a: PitchCounts, b: PitchCounts): PitchCounts {
  return { frames: a.frames + b.frames, voicingErrors: a.voicingErrors + b.voicingErrors, bothVoiced: a.bothVoiced + b.bothVoiced, grossErrors: a.grossErrors + b.grossErrors, sqCents: a.sqCents + b.sqCents };
}

/** A pitch track cut, or padded with unvoiced frames, to `frames` (tracker and mel framing can differ by a frame). */
export function f0Frames(f0: ArrayLike<number>, frames: number): ArrayLike<number> {
  return f0.length === frames ? f0 : Float64Array.from({ length: frames }, (_, i) => f0[i] ?? 0);
}

/** Compares an estimated f0 track with a reference one (Hz per frame, 0 or less = unvoiced). */
export function comparePitch(ref: ArrayLike<number>, est: ArrayLike<number>): PitchCounts {
  if (ref.length !== est.length) throw new Error(`comparePitch: ${ref.length} reference frames vs ${est.length}`);
  const c = emptyPitchCounts();
  c.frames = ref.length;
  for (let t = 0; t < ref.length; t++) {
    const r = ref[t]!, e = est[t]!;
    const vr = r > 0, ve = e > 0;
    if (vr !== ve) c.voicingErrors++;
    else if (vr) {
      c.bothVoiced++;
      if (Math.abs(e / r - 1) > 0.2) c.grossErrors++;
      c.sqCents += (1200 * Math.log2(e / r)) ** 2;
    }
  }
  return c;
}

export interface PitchSummary {
  /** RMSE of 1200 log2(f0_est / f0_ref) over frames voiced in both (cents); null if there are none. */
  logF0RmseCents: number | null;
  /** Voicing decision error: voicing errors / frames. */
  vde: number;
  /** Gross pitch error: gross errors / frames voiced in both; null if there are none. */
  gpe: number | null;
  /** F0 frame error: (voicing errors + gross errors) / frames. */
  ffe: number;
}

export function pitchSummary(c: PitchCounts): PitchSummary {
  if (c.frames === 0) throw new Error('pitchSummary: no frames');
  return {
    logF0RmseCents: c.bothVoiced > 0 ? Math.sqrt(c.sqCents / c.bothVoiced) : null,
    vde: c.voicingErrors / c.frames,
    gpe: c.bothVoiced > 0 ? c.grossErrors / c.bothVoiced : null,
    ffe: (c.voicingErrors + c.grossErrors) / c.frames,
  };
}

// ---------------------------------------------------------------- words

/** Lower-case words of a text: letters, digits and inner apostrophes; everything else separates. */
export function normalizeWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+(?:'[a-z0-9]+)*/g) ?? []);
}

/** Word-level Levenshtein distance (substitutions + deletions + insertions) and the reference length. */
export function wordErrors(reference: string[], hypothesis: string[]): { errors: number; words: number } {
  const n = reference.length, m = hypothesis.length;
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const cur = [i];
    for (let j = 1; j <= m; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return { errors: prev[m]!, words: n };
}
