// Autocorrelation pitch tracker after Boersma (1993), "Accurate short-term analysis of the
// fundamental frequency and the harmonics-to-noise ratio of a sampled sound", with the parameter
// conventions of Praat's "To Pitch (ac)..." (as ProDiff calls it through parselmouth 0.3.3:
// "very accurate" on, i.e. a Gaussian window of 6 periods of the pitch floor).
//
// Per frame: subtract the local mean, window, autocorrelate (via FFT, zero-padded), divide by the
// window's own autocorrelation (eq. 9 of the paper), pick local maxima above half the voicing
// threshold as candidates, refine each by maximising a windowed-sinc interpolation of the
// autocorrelation, then choose one candidate per frame by dynamic programming (Viterbi) with the
// octave, octave-jump and voiced/unvoiced costs.
import { RealFFT } from './fft.js';

export interface PitchOptions {
  /** Seconds between frame centres. ProDiff: hop / sample rate. */
  timeStep: number;
  pitchFloor: number;
  pitchCeiling: number;
  maxCandidates: number;
  /** Gaussian window of 6 periods (true) or Hanning window of 3 periods (false). */
  veryAccurate: boolean;
  silenceThreshold: number;
  voicingThreshold: number;
  octaveCost: number;
  octaveJumpCost: number;
  voicedUnvoicedCost: number;
}

/** ProDiff's settings (hop 256 at 22050 Hz, parselmouth 0.3.3 defaults otherwise). */
export const PRODIFF_PITCH: PitchOptions = {
  timeStep: 256 / 22050,
  pitchFloor: 80,
  pitchCeiling: 750,
  maxCandidates: 15,
  veryAccurate: true,
  silenceThreshold: 0.03,
  voicingThreshold: 0.6,
  octaveCost: 0.01,
  octaveJumpCost: 0.35,
  voicedUnvoicedCost: 0.14,
};

export class PitchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PitchError';
  }
}

export interface PitchTrack {
  /** Chosen frequency per frame in Hz, 0 where unvoiced. */
  frequency: Float64Array;
  /** Strength (normalised autocorrelation) of the chosen candidate. */
  strength: Float64Array;
  /** Frame centres in seconds (the signal's first sample sits at 0.5 / sampleRate). */
  times: Float64Array;
}

interface Candidate { f: number; s: number }

/**
 * Windowed-sinc interpolation of y (1-based: y[1..size] stored at y[1..size]; y[0] unused) at x,
 * using up to `maxDepth` samples on each side and a raised-cosine window that spans the samples
 * used. Depth 0: nearest, 1: linear, 2: cubic.
 */
export function interpolateSinc(y: Float64Array, size: number, x: number, maxDepth: number): number {
  const midleft = Math.floor(x), midright = midleft + 1;
  if (x < 1) return y[1]!;
  if (x > size) return y[size]!;
  if (x === midleft) return y[midleft]!;
  let depth = Math.min(maxDepth, midright - 1, size - midleft);
  if (depth <= 0) return y[Math.round(x)]!;
  if (depth === 1) return y[midleft]! + (x - midleft) * (y[midright]! - y[midleft]!);
  if (depth === 2) {
    const yl = y[midleft]!, yr = y[midright]!;
    const dyl = 0.5 * (yr - y[midleft - 1]!), dyr = 0.5 * (y[midright + 1]! - yl);
    const fil = x - midleft, fir = midright - x;
    return yl * fir + yr * fil - fil * fir * (0.5 * (dyr - dyl) + (fil - 0.5) * (dyl + dyr - 2 * (yr - yl)));
  }
  const left = midright - depth, right = midleft + depth;
  let result = 0;
  {
    // Samples midleft, midleft-1, ..., left: sinc phase a = pi (x - i), window phase a / (x - left + 1).
    let a = Math.PI * (x - midleft);
    let halfSin = 0.5 * Math.sin(a);
    const span = x - left + 1;
    const wStep = Math.PI / span;
    let c = Math.cos(a / span), s = Math.sin(a / span);
    const cs = Math.cos(wStep), ss = Math.sin(wStep);
    for (let i = midleft; i >= left; i--) {
      result += y[i]! * (halfSin / a) * (1 + c);
      a += Math.PI;
      halfSin = -halfSin;
      const c2 = c * cs - s * ss;
      s = c * ss + s * cs;
      c = c2;
    }
  }
  {
    let a = Math.PI * (midright - x);
    let halfSin = 0.5 * Math.sin(a);
    const span = right - x + 1;
    const wStep = Math.PI / span;
    let c = Math.cos(a / span), s = Math.sin(a / span);
    const cs = Math.cos(wStep), ss = Math.sin(wStep);
    for (let i = midright; i <= right; i++) {
      result += y[i]! * (halfSin / a) * (1 + c);
      a += Math.PI;
      halfSin = -halfSin;
      const c2 = c * cs - s * ss;
      s = c * ss + s * cs;
      c = c2;
    }
  }
  return result;
}

/**
 * Brent's one-dimensional minimisation (golden section with parabolic steps) of f on [a, b],
 * absolute tolerance tol. Returns [xmin, f(xmin)].
 */
export function minimizeBrent(f: (x: number) => number, a: number, b: number, tol: number): [number, number] {
  const g = (3 - Math.sqrt(5)) / 2;
  const sqrtEps = Math.sqrt(2.220446049250313e-16);
  let v = a + g * (b - a);
  let fv = f(v);
  let x = v, w = v, fx = fv, fw = fv;
  for (let iter = 0; iter < 60; iter++) {
    const mid = 0.5 * (a + b);
    const tolAct = sqrtEps * Math.abs(x) + tol / 3;
    if (Math.abs(x - mid) + 0.5 * (b - a) <= 2 * tolAct) break;
    let step = g * (x < mid ? b - x : a - x);
    if (Math.abs(x - w) >= tolAct) {
      const t = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * t;
      q = 2 * (q - t);
      if (q > 0) p = -p; else q = -q;
      if (Math.abs(p) < Math.abs(step * q) && p > q * (a - x + 2 * tolAct) && p < q * (b - x - 2 * tolAct)) step = p / q;
    }
    if (Math.abs(step) < tolAct) step = step > 0 ? tolAct : -tolAct;
    const u = x + step;
    const fu = f(u);
    if (fu <= fx) {
      if (u < x) b = x; else a = x;
      v = w; fv = fw; w = x; fw = fx; x = u; fx = fu;
    } else {
      if (u < x) a = u; else b = u;
      if (fu <= fw || w === x) { v = w; fv = fw; w = u; fw = fu; }
      else if (fu <= fv || v === x || v === w) { v = u; fv = fu; }
    }
  }
  return [x, fx];
}

const isVoiced = (f: number, ceiling: number) => f > 0 && f < ceiling;

/**
 * Pitch track of a mono signal. Throws a PitchError when the signal is shorter than the analysis
 * window (Praat refuses such sounds too), naming the lowest pitch floor that would work.
 */
export function trackPitch(samples: ArrayLike<number>, sampleRate: number, options: Partial<PitchOptions> = {}): PitchTrack {
  const o: PitchOptions = { ...PRODIFF_PITCH, ...options };
  const nx = samples.length;
  const dx = 1 / sampleRate;
  const x1 = 0.5 * dx;
  const dt = o.timeStep;
  const floor = o.pitchFloor;
  let ceiling = o.pitchCeiling;
  if (!(dt > 0) || !(floor > 0) || !(ceiling > floor)) throw new PitchError(`pitch: need time step > 0 and 0 < floor < ceiling (got ${dt}, ${floor}, ${ceiling})`);
  const ppw = o.veryAccurate ? 6 : 3;
  const gauss = o.veryAccurate;
  const interpolationDepth = gauss ? 0.25 : 0.5;
  const brentDepth = gauss ? 700 : 70;
  const maxn = Math.max(o.maxCandidates, Math.floor(ceiling / floor));
  const duration = dx * nx;
  if (floor < ppw / duration) {
    throw new PitchError(`To analyse this Sound, "minimum pitch" must not be less than ${ppw / duration} Hz (the signal is ${nx} samples, ${duration.toFixed(4)} s, shorter than the ${ppw / floor} s analysis window)`);
  }
  const nsampPeriod = Math.floor(1 / dx / floor);
  const halfnsampPeriod = Math.floor(nsampPeriod / 2) + 1;
  ceiling = Math.min(ceiling, 0.5 / dx);
  const dtWindow = ppw / floor;
  let nsampWindow = Math.floor(dtWindow / dx);
  const halfnsampWindow = Math.floor(nsampWindow / 2) - 1;
  if (halfnsampWindow < 2) throw new PitchError('pitch: analysis window too short');
  nsampWindow = halfnsampWindow * 2;
  const maximumLag = Math.min(Math.floor(nsampWindow / ppw) + 2, nsampWindow);
  if (dtWindow > duration) throw new PitchError('pitch: signal shorter than the analysis window');
  const nFrames = Math.floor((duration - dtWindow) / dt) + 1;
  const t1 = x1 - 0.5 * dx + 0.5 * duration - 0.5 * (nFrames * dt) + 0.5 * dt;

  const times = new Float64Array(nFrames);
  for (let i = 0; i < nFrames; i++) times[i] = t1 + i * dt;
  const frequency = new Float64Array(nFrames);
  const strength = new Float64Array(nFrames);

  // Global peak (about the global mean) for the silence threshold.
  let mean = 0;
  for (let i = 0; i < nx; i++) mean += samples[i]!;
  mean /= nx;
  let globalPeak = 0;
  for (let i = 0; i < nx; i++) globalPeak = Math.max(globalPeak, Math.abs(samples[i]! - mean));
  if (globalPeak === 0) return { frequency, strength, times };

  let nsampFFT = 1;
  while (nsampFFT < nsampWindow * (1 + interpolationDepth)) nsampFFT *= 2;
  const fft = new RealFFT(nsampFFT);
  const half = nsampFFT / 2;
  const re = new Float64Array(half + 1), im = new Float64Array(half + 1);
  // Window (1-based formulas, stored 0-based) and its normalised autocorrelation.
  const window = new Float64Array(nsampWindow);
  if (gauss) {
    const imid = 0.5 * (nsampWindow + 1), edge = Math.exp(-12);
    for (let i = 1; i <= nsampWindow; i++) {
      window[i - 1] = (Math.exp((-48 * (i - imid) * (i - imid)) / (nsampWindow + 1) / (nsampWindow + 1)) - edge) / (1 - edge);
    }
  } else {
    for (let i = 1; i <= nsampWindow; i++) window[i - 1] = 0.5 - 0.5 * Math.cos((i * 2 * Math.PI) / (nsampWindow + 1));
  }
  const buf = new Float64Array(nsampFFT);
  const autocorrelate = (frame: Float64Array, out: Float64Array) => {
    fft.forward(frame, re, im);
    for (let k = 0; k <= half; k++) { re[k] = re[k]! * re[k]! + im[k]! * im[k]!; im[k] = 0; }
    fft.inverse(re, im, out);
  };
  const windowR = new Float64Array(nsampFFT);
  buf.fill(0);
  buf.set(window);
  autocorrelate(buf, windowR);
  for (let i = nsampWindow - 1; i >= 0; i--) windowR[i] = windowR[i]! / windowR[0]!;
  const brentIxmax = Math.floor(nsampWindow * interpolationDepth);

  // r is stored 1-based for interpolation: rv[k] = r[k - brentIxmax - 1], k = 1 .. 2*brentIxmax + 1.
  const rSize = 2 * brentIxmax + 1;
  const rv = new Float64Array(rSize + 1);
  const rOff = brentIxmax + 1; // rv[lag + rOff] = r[lag]
  const ac = new Float64Array(nsampFFT);
  const candidatesPerFrame: Candidate[][] = [];
  const intensity = new Float64Array(nFrames);
  const imax = new Int32Array(maxn + 1);

  for (let iframe = 0; iframe < nFrames; iframe++) {
    const t = times[iframe]!;
    const leftSample = Math.floor((t - x1) / dx + 1); // 1-based
    const rightSample = leftSample + 1;
    let s0 = rightSample - nsampPeriod, s1 = leftSample + nsampPeriod;
    if (s0 < 1 || s1 > nx) throw new PitchError(`pitch: internal error, frame ${iframe} window outside the signal`);
    let localMean = 0;
    for (let i = s0; i <= s1; i++) localMean += samples[i - 1]!;
    localMean /= 2 * nsampPeriod;
    s0 = rightSample - halfnsampWindow;
    s1 = leftSample + halfnsampWindow;
    if (s0 < 1 || s1 > nx) throw new PitchError(`pitch: internal error, frame ${iframe} window outside the signal`);
    buf.fill(0);
    for (let j = 0; j < nsampWindow; j++) buf[j] = (samples[s0 - 1 + j]! - localMean) * window[j]!;
    let localPeak = 0;
    const p0 = Math.max(1, halfnsampWindow + 1 - halfnsampPeriod);
    const p1 = Math.min(nsampWindow, halfnsampWindow + halfnsampPeriod);
    for (let j = p0; j <= p1; j++) localPeak = Math.max(localPeak, Math.abs(buf[j - 1]!));
    intensity[iframe] = localPeak > globalPeak ? 1 : localPeak / globalPeak;

    const cands: Candidate[] = [{ f: 0, s: 0 }];
    candidatesPerFrame.push(cands);
    if (localPeak === 0) continue;

    autocorrelate(buf, ac);
    rv[rOff] = 1;
    for (let i = 1; i <= brentIxmax; i++) {
      const v = ac[i]! / (ac[0]! * windowR[i]!);
      rv[rOff + i] = v;
      rv[rOff - i] = v;
    }
    const r = (lag: number) => rv[rOff + lag]!;

    imax[1] = 0;
    for (let i = 2; i < maximumLag && i < brentIxmax; i++) {
      const ri = r(i);
      if (!(ri > 0.5 * o.voicingThreshold && ri > r(i - 1) && ri >= r(i + 1))) continue;
      const dr = 0.5 * (r(i + 1) - r(i - 1));
      const d2r = 2 * ri - r(i - 1) - r(i + 1);
      const fMax = 1 / dx / (i + dr / d2r);
      let sMax = interpolateSinc(rv, rSize, 1 / dx / fMax + rOff, 30);
      if (sMax > 1) sMax = 1 / sMax;
      let place = 0;
      if (cands.length < maxn) {
        cands.push({ f: 0, s: 0 });
        place = cands.length - 1;
      } else {
        let weakest = 2;
        for (let iw = 1; iw < maxn; iw++) {
          const ls = cands[iw]!.s - o.octaveCost * Math.log2(floor / cands[iw]!.f);
          if (ls < weakest) { weakest = ls; place = iw; }
        }
        if (sMax - o.octaveCost * Math.log2(floor / fMax) <= weakest) place = 0;
      }
      if (place) {
        cands[place] = { f: fMax, s: sMax };
        imax[place + 1] = i;
      }
    }
    // Refine every candidate by maximising the sinc-interpolated autocorrelation.
    for (let c = 1; c < cands.length; c++) {
      const cand = cands[c]!;
      if (!gauss && !(cand.f > 0)) continue;
      const ixmid = imax[c + 1]! + rOff;
      const depth = cand.f > 0.3 / dx ? 700 : brentDepth;
      let xmid: number, ymid: number;
      if (ixmid <= 1) { xmid = 1; ymid = rv[1]!; }
      else if (ixmid >= rSize) { xmid = rSize; ymid = rv[rSize]!; }
      else {
        const [xm, fm] = minimizeBrent((x) => -interpolateSinc(rv, rSize, x, depth), ixmid - 1, ixmid + 1, 1e-10);
        xmid = xm; ymid = -fm;
      }
      cand.f = 1 / dx / (xmid - rOff);
      cand.s = ymid > 1 ? 1 / ymid : ymid;
    }
  }

  // Viterbi path through the candidates.
  const timeStepCorrection = 0.01 / dt;
  const octaveJumpCost = o.octaveJumpCost * timeStepCorrection;
  const vuCost = o.voicedUnvoicedCost * timeStepCorrection;
  const delta: Float64Array[] = [];
  const psi: Int32Array[] = [];
  for (let f = 0; f < nFrames; f++) {
    const cands = candidatesPerFrame[f]!;
    let unvoicedStrength = o.silenceThreshold <= 0 ? 0 : 2 - intensity[f]! / (o.silenceThreshold / (1 + o.voicingThreshold));
    unvoicedStrength = o.voicingThreshold + Math.max(0, unvoicedStrength);
    const d = new Float64Array(cands.length);
    for (let c = 0; c < cands.length; c++) {
      const fr = cands[c]!.f;
      d[c] = isVoiced(fr, ceiling) ? cands[c]!.s - o.octaveCost * Math.log2(ceiling / fr) : unvoicedStrength;
    }
    delta.push(d);
    psi.push(new Int32Array(cands.length));
  }
  for (let f = 1; f < nFrames; f++) {
    const prev = candidatesPerFrame[f - 1]!, cur = candidatesPerFrame[f]!;
    const pd = delta[f - 1]!, cd = delta[f]!, cp = psi[f]!;
    for (let c2 = 0; c2 < cur.length; c2++) {
      const f2 = cur[c2]!.f;
      const v2 = isVoiced(f2, ceiling);
      let best = -1e30, place = 0;
      for (let c1 = 0; c1 < prev.length; c1++) {
        const f1 = prev[c1]!.f;
        const v1 = isVoiced(f1, ceiling);
        const cost = !v2 ? (v1 ? vuCost : 0) : !v1 ? vuCost : octaveJumpCost * Math.abs(Math.log2(f1 / f2));
        const value = pd[c1]! - cost + cd[c2]!;
        if (value > best) { best = value; place = c1; }
      }
      cd[c2] = best;
      cp[c2] = place;
    }
  }
  const last = delta[nFrames - 1]!;
  let place = 0;
  for (let c = 1; c < last.length; c++) if (last[c]! > last[place]!) place = c;
  for (let f = nFrames - 1; f >= 0; f--) {
    const cand = candidatesPerFrame[f]![place]!;
    frequency[f] = cand.f;
    strength[f] = cand.s;
    place = psi[f]![place]!;
  }
  return { frequency, strength, times };
}
