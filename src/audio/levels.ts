// Output hygiene measures of audio: DC offset, peak and speech level (dBFS), and the count of
// frame-rate tones (harmonics of sampleRate / hop) standing out of the long-term average spectrum
// (Welch: Hann-windowed segments, 50 % overlap, power averaged over segments of all utterances).
import { RealFFT } from './fft.js';

/** 20 log10(x); -Infinity for 0. */
export const dbfs = (x: number): number => 20 * Math.log10(x);

/** Speech level frames: 1024 samples (46 ms at 22.05 kHz), hop 512. */
export const LEVEL_FRAME = 1024;
/** A frame counts as speech when its RMS is within this many dB of the loudest frame's. */
export const SPEECH_GATE_DB = 40;

export interface LevelStats {
  /** Mean sample value. */
  dc: number;
  /** Largest |sample|, dBFS. */
  peakDb: number;
  /** RMS over the speech frames (within SPEECH_GATE_DB of the loudest frame), dBFS. */
  speechRmsDb: number;
  /** RMS over all samples, dBFS. */
  rmsDb: number;
  samples: number;
}

/**
 * Sums over several signals (utterances) for one set of level figures: DC is the sample-weighted
 * mean, the speech gate is set per signal (its own loudest frame), peak is the largest of all.
 */
export class LevelMeter {
  private sum = 0;
  private sumSq = 0;
  private n = 0;
  private peak = 0;
  private speechSq = 0;
  private speechN = 0;

  add(x: ArrayLike<number>): void {
    let s = 0, s2 = 0, pk = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      s += v; s2 += v * v;
      if (Math.abs(v) > pk) pk = Math.abs(v);
    }
    this.sum += s; this.sumSq += s2; this.n += x.length;
    this.peak = Math.max(this.peak, pk);
    const frames: { ss: number; n: number }[] = [];
    const hop = LEVEL_FRAME / 2;
    for (let a = 0; a === 0 || a + LEVEL_FRAME <= x.length; a += hop) {
      const b = Math.min(x.length, a + LEVEL_FRAME);
      let ss = 0;
      for (let i = a; i < b; i++) ss += x[i]! * x[i]!;
      frames.push({ ss, n: b - a });
      if (b === x.length) break;
    }
    const loudest = Math.max(...frames.map((f) => (f.n ? f.ss / f.n : 0)));
    const gate = loudest * 10 ** (-SPEECH_GATE_DB / 10);
    for (const f of frames) if (f.n && f.ss / f.n >= gate && loudest > 0) { this.speechSq += f.ss; this.speechN += f.n; }
  }

  stats(): LevelStats {
    return {
      dc: this.n ? this.sum / this.n : 0,
      peakDb: dbfs(this.peak),
      speechRmsDb: this.speechN ? 10 * Math.log10(this.speechSq / this.speechN) : -Infinity,
      rmsDb: this.n ? 10 * Math.log10(this.sumSq / this.n) : -Infinity,
      samples: this.n,
    };
  }
}

/** Welch's long-term average power spectrum over any number of signals (Hann, 50 % overlap). */
export class LongTermSpectrum {
  private readonly fft: RealFFT;
  private readonly window: Float64Array;
  private readonly power: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly seg: Float64Array;
  private segments = 0;

  constructor(readonly sampleRate: number, readonly nFft = 4096) {
    this.fft = new RealFFT(nFft);
    // Periodic Hann (scipy.signal.welch's default window).
    this.window = Float64Array.from({ length: nFft }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
    this.power = new Float64Array(nFft / 2 + 1);
    this.re = new Float64Array(nFft / 2 + 1);
    this.im = new Float64Array(nFft / 2 + 1);
    this.seg = new Float64Array(nFft);
  }

  /** Adds every whole segment of x (a signal shorter than one segment adds nothing). */
  add(x: ArrayLike<number>): void {
    const n = this.nFft;
    for (let a = 0; a + n <= x.length; a += n / 2) {
      for (let i = 0; i < n; i++) this.seg[i] = x[a + i]! * this.window[i]!;
      this.fft.forward(this.seg, this.re, this.im);
      for (let k = 0; k < this.power.length; k++) this.power[k]! += this.re[k]! * this.re[k]! + this.im[k]! * this.im[k]!;
      this.segments++;
    }
  }

  get segmentCount(): number {
    return this.segments;
  }

  /** Mean power per bin (arbitrary units; only ratios are used). */
  spectrum(): Float64Array {
    return this.power.map((p) => (this.segments ? p / this.segments : 0));
  }

  binHz(): number {
    return this.sampleRate / this.nFft;
  }
}

export interface ToneOptions {
  /** Fundamental of the tone series, Hz (the frame rate sampleRate / hop). */
  fundamental: number;
  /** Highest harmonic frequency counted (default 7000 Hz). */
  maxHz?: number;
  /** Neighbourhood each side whose median is the reference (default 40 Hz). */
  neighbourhoodHz?: number;
  /** How far above the neighbourhood a harmonic must stand (default 6 dB). */
  thresholdDb?: number;
}

export interface ToneReport {
  /** Harmonics examined (k = 1 .. floor(maxHz / fundamental)). */
  harmonics: number;
  /** Harmonics standing >= thresholdDb above their neighbourhood. */
  count: number;
  /** Per harmonic: frequency and how far it stands above the neighbourhood median, dB. */
  excessDb: { hz: number; db: number }[];
}

/**
 * Frame-rate tonal count of a long-term spectrum: a harmonic's level is the largest bin within one
 * bin of its frequency (a tone between bins spreads over two); the reference is the median of the
 * bins within +-neighbourhoodHz, leaving out the harmonic's own +-2 bins (the Hann main lobe).
 */
export function countTones(power: Float64Array, binHz: number, o: ToneOptions): ToneReport {
  const maxHz = o.maxHz ?? 7000, hood = o.neighbourhoodHz ?? 40, thr = o.thresholdDb ?? 6;
  const excess: { hz: number; db: number }[] = [];
  for (let k = 1; k * o.fundamental <= maxHz; k++) {
    const hz = k * o.fundamental;
    const c = Math.round(hz / binHz);
    let peak = 0;
    for (let b = c - 1; b <= c + 1; b++) if (b >= 0 && b < power.length) peak = Math.max(peak, power[b]!);
    const around: number[] = [];
    const w = Math.floor(hood / binHz);
    for (let b = c - w; b <= c + w; b++) if (b >= 0 && b < power.length && Math.abs(b - c) > 2) around.push(power[b]!);
    around.sort((a, b) => a - b);
    const m = around.length % 2 ? around[(around.length - 1) / 2]! : 0.5 * (around[around.length / 2 - 1]! + around[around.length / 2]!);
    excess.push({ hz, db: 10 * Math.log10(peak / m) });
  }
  return { harmonics: excess.length, count: excess.filter((e) => e.db >= thr).length, excessDb: excess };
}
