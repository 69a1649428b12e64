import { test } from 'node:test';
import assert from 'node:assert/strict';
import { griffinLim, melPseudoInverse, melToLinear, melToWaveGriffinLim, spectralConvergence } from '../../src/audio/griffinlim.js';
import { logMel, melFilterbank, PRODIFF_MEL } from '../../src/audio/mel.js';
import { stftMagnitude } from '../../src/audio/stft.js';
import { trackPitch } from '../../src/audio/pitch.js';

const sr = 22050;
function harmonicTone(f0: number, seconds: number): Float64Array {
  const n = Math.round(sr * seconds);
  return Float64Array.from({ length: n }, (_, i) => {
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin((2 * Math.PI * f0 * h * i) / sr) / h;
    return 0.2 * v;
  });
}

test('mel pseudo-inverse: M pinv(M) = I (M has full row rank)', () => {
  const M = melFilterbank(PRODIFF_MEL);
  const P = melPseudoInverse(PRODIFF_MEL);
  let err = 0;
  for (let i = 0; i < 80; i++) for (let j = 0; j < 80; j++) {
    let s = 0;
    for (let k = 0; k < 513; k++) s += M.dense[i * 513 + k]! * P.data[k * 80 + j]!;
    err = Math.max(err, Math.abs(s - (i === j ? 1 : 0)));
  }
  assert.ok(err < 1e-6, `max |M P - I| = ${err}`);
});

test('melToLinear is non-negative and reproduces the mel it came from where no clipping occurs', () => {
  const y = harmonicTone(150, 0.5);
  const mel = logMel(y);
  const lin = melToLinear(mel);
  assert.ok(lin.data.every((v) => v >= 0));
  const M = melFilterbank(PRODIFF_MEL);
  // Re-project: log10(M lin) should be close to mel on strong bins.
  let worst = 0;
  for (let t = 5; t < mel.frames - 5; t++) for (let m = 0; m < 80; m++) {
    const g = mel.data[t * 80 + m]!;
    if (g < -1) continue;
    let s = 0;
    for (let k = 0; k < 513; k++) s += M.dense[m * 513 + k]! * lin.data[t * 513 + k]!;
    worst = Math.max(worst, Math.abs(Math.log10(s) - g));
  }
  assert.ok(worst < 0.05, `worst log10 error ${worst}`);
});

test('fast Griffin-Lim recovers a consistent phase: spectral convergence falls, momentum helps', () => {
  const y = harmonicTone(140, 0.6);
  const mag = stftMagnitude(y);
  const m64 = { data: Float64Array.from(mag.data), frames: mag.frames, bins: mag.bins };
  const slow = spectralConvergence(m64, griffinLim(m64, PRODIFF_MEL, { iterations: 32, momentum: 0 }));
  const fast = spectralConvergence(m64, griffinLim(m64, PRODIFF_MEL, { iterations: 32 }));
  const few = spectralConvergence(m64, griffinLim(m64, PRODIFF_MEL, { iterations: 2 }));
  assert.ok(fast < few, `${fast} vs ${few}`);
  assert.ok(fast < slow, `momentum ${fast} vs classic ${slow}`);
  assert.ok(fast < 0.15, `spectral convergence ${fast}`);
});

test('vocoder end to end: log-mel of a 150 Hz tone -> Griffin-Lim -> a 150 Hz tone', () => {
  const y = harmonicTone(150, 1.0);
  const wav = melToWaveGriffinLim(logMel(y));
  assert.equal(wav.length, (logMel(y).frames - 1) * 256);
  const tr = trackPitch(wav, sr);
  const mid = tr.frequency.slice(10, tr.frequency.length - 10);
  const voiced = [...mid].filter((f) => f > 0);
  assert.ok(voiced.length >= mid.length * 0.9);
  for (const f of voiced) assert.ok(Math.abs(f - 150) < 3, `f0 ${f}`);
});
