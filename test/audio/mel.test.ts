import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCase, readManifest } from './golden.js';
import { readWav, toMono } from '../../src/audio/wav.js';
import { hzToMelSlaney, logMel, melFilterbank, melToHzSlaney, PRODIFF_MEL, prodiffEnergy } from '../../src/audio/mel.js';
import { stftMagnitude } from '../../src/audio/stft.js';

test('Slaney mel scale: closed form', () => {
  assert.ok(Math.abs(hzToMelSlaney(1000) - 15) < 1e-12);
  assert.ok(Math.abs(hzToMelSlaney(6400) - 42) < 1e-12); // 15 + 27 steps of ln(6.4)/27
  assert.ok(Math.abs(hzToMelSlaney(200) - 3) < 1e-12);
  for (const f of [0, 80, 999, 1000, 4321, 7600]) assert.ok(Math.abs(melToHzSlaney(hzToMelSlaney(f)) - f) < 1e-9);
});

test('mel filterbank: each triangle has unit area in Hz (Slaney normalisation)', () => {
  // Evaluate on a fine grid (nFft large) so the Riemann sum approximates the integral.
  const b = melFilterbank({ sampleRate: 22050, nFft: 1 << 16, nMels: 80, fmin: 80, fmax: 7600 });
  const df = 22050 / (1 << 16);
  for (let m = 0; m < 80; m += 13) {
    let s = 0;
    for (const w of b.weights[m]!) s += w * df;
    assert.ok(Math.abs(s - 1) < 2e-3, `filter ${m}: area ${s}`);
  }
});

const manifest = readManifest();
for (const entry of manifest.cases) {
  test(`golden ${entry.case}: mel basis, |STFT|, log-mel, energy within the manifest tolerances`, () => {
    const tol = manifest.tolerance;
    const c = loadCase(entry.case);
    const y = toMono(readWav(c.wavPath));
    const gy = c.tensors.get('input.wav')!.data as Float32Array;
    assert.deepEqual(y, gy);

    const basis = melFilterbank(PRODIFF_MEL);
    const gb = c.tensors.get('output.mel_basis')!.data as Float32Array;
    let db = 0;
    for (let i = 0; i < gb.length; i++) db = Math.max(db, Math.abs(basis.dense[i]! - gb[i]!));
    assert.ok(db <= (tol['output.mel_basis']!.atol as number), `mel basis max err ${db}`);

    const s = stftMagnitude(y);
    const gs = c.tensors.get('output.stft_mag')!.data as Float32Array;
    const T = s.frames;
    assert.deepEqual(c.tensors.get('output.stft_mag')!.shape, [513, T]);
    let ds = 0, mx = 0;
    for (let t = 0; t < T; t++) for (let k = 0; k < 513; k++) {
      ds = Math.max(ds, Math.abs(s.data[t * 513 + k]! - gs[k * T + t]!));
      mx = Math.max(mx, Math.abs(gs[k * T + t]!));
    }
    assert.ok(ds <= (tol['output.stft_mag']!.atol_rel_max as number) * mx, `stft max err ${ds} (max ${mx})`);

    const m = logMel(y);
    const gm = c.tensors.get('output.mel')!.data as Float32Array;
    const mt = tol['output.mel']!;
    for (let t = 0; t < T; t++) for (let k = 0; k < 80; k++) {
      const g = gm[k * T + t]!;
      const lim = g > (mt.where_golden_above as number) ? (mt.atol as number) : (mt.atol_elsewhere as number);
      assert.ok(Math.abs(m.data[t * 80 + k]! - g) <= lim, `mel[${k},${t}]`);
    }

    const e = prodiffEnergy(m);
    const ge = c.tensors.get('output.energy')!.data as Float32Array;
    const et = tol['output.energy']!;
    for (let t = 0; t < T; t++) {
      assert.ok(Math.abs(e[t]! - ge[t]!) <= (et.atol as number) + (et.rtol as number) * Math.abs(ge[t]!), `energy[${t}]`);
    }
  });
}

test('energy of a fully floored frame is sqrt(nMels) * e^-6 (exp of the log10 floor)', () => {
  const m = logMel(new Float32Array(2048));
  const e = prodiffEnergy(m);
  for (const v of e) assert.ok(Math.abs(v - Math.sqrt(80) * Math.exp(-6)) < 1e-6);
});
