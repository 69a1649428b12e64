// The 'pghi' vocoder's inference path: the in-graph fit of the network's magnitude to the mel equals
// the audio layer's `fitToMel`, the vocoder without refinement equals magnitude -> PGHI phase ->
// inverse STFT computed on the host, and its default refinement equals the audio layer's fast
// Griffin-Lim iteration from that phase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitToMel, griffinLim } from '../../src/audio/griffinlim.js';
import { logMel, PRODIFF_MEL } from '../../src/audio/mel.js';
import { pghiPhaseFromLog } from '../../src/audio/pghi.js';
import { istft } from '../../src/audio/stft.js';
import { createSession, exportOnnx, ortTensor, ParamStore, readSafetensors } from '../../src/engine/index.js';
import { createVocoder, melChannelsFirst } from '../../src/model/vocoder.js';
import { pghiMagnitudeGraph } from '../../src/model/vocos-vocoder.js';
import { VOCOS_SMALL, type VocosConfig } from '../../src/model/vocos.js';
import { makeRandomVoice, TINY_HPARAMS, writeRandomVocos } from '../../src/voice/random.js';
import { loadVoice } from '../../src/voice/load.js';
import { ProDiffTTS } from '../../src/api/tts.js';

const cfg: VocosConfig = { ...VOCOS_SMALL, dim: 16, intermediate: 32, layers: 1, phase: 'pghi' };
const sr = PRODIFF_MEL.sampleRate;
const y = Float32Array.from({ length: Math.round(sr * 0.6) }, (_, i) => {
  const t = i / sr;
  let v = 0;
  for (let h = 1; h <= 12; h++) v += Math.sin(2 * Math.PI * 140 * h * t * (1 + 0.05 * t)) / h;
  return 0.2 * v * (t > 0.1 ? 1 : t / 0.1);
});
const mel = logMel(y, PRODIFF_MEL);
const T = mel.frames, F = 513;

async function logMagnitude(file: string, fit: number): Promise<Float32Array> {
  const params = ParamStore.fromTensors(readSafetensors(file), file);
  const s = await createSession(exportOnnx(pghiMagnitudeGraph(cfg, PRODIFF_MEL, fit), { values: (n) => params.get(n).data }), { threads: 1 });
  const r = await s.run({ mel: ortTensor('float32', melChannelsFirst(mel.data, T, 80), [1, 80, T]) });
  await s.release();
  return r.logmag!.data as Float32Array;
}

test("pghi vocoder: the graph's fit to the mel equals fitToMel; the vocoder is PGHI + inverse STFT of that magnitude (no DC)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-pghi-voc-'));
  try {
    const file = join(dir, 'g.safetensors');
    writeRandomVocos(file, cfg, 2);
    const raw = await logMagnitude(file, 0);
    const fitted = await logMagnitude(file, 2);
    // Host reference: the same network magnitude, floored 60 dB under the frame's loudest band, two updates.
    const S = new Float64Array(T * F);
    for (let t = 0; t < T; t++) {
      let peak = 0;
      for (let m = 0; m < 80; m++) peak = Math.max(peak, 10 ** mel.data[t * 80 + m]!);
      for (let k = 0; k < F; k++) S[t * F + k] = Math.max(Math.exp(raw[t * F + k]!), 1e-6 * peak);
    }
    fitToMel(S, mel, PRODIFF_MEL, 2);
    let worst = 0;
    for (let i = 0; i < S.length; i++) if (S[i]! > 1e-6) worst = Math.max(worst, Math.abs(Math.log(S[i]!) - fitted[i]!));
    assert.ok(worst < 1e-3, `max |ln S - graph| = ${worst}`);
    assert.ok(raw.some((v, i) => Math.abs(v - fitted[i]!) > 0.5), "the fit changes a random network's magnitude");

    const v = await createVocoder('vocos', { mel: PRODIFF_MEL, file, threads: 1, options: { iterations: 0 } });
    assert.equal(v.name, 'vocos-pghi');
    const out = await v.synthesize(mel.data, T);
    const phase = pghiPhaseFromLog({ data: fitted, frames: T, bins: F }, PRODIFF_MEL);
    const re = new Float64Array(T * F), im = new Float64Array(T * F);
    for (let i = 0; i < re.length; i++) {
      const m = i % F === 0 ? 0 : Math.exp(fitted[i]!);
      re[i] = m * Math.cos(phase[i]!);
      im[i] = m * Math.sin(phase[i]!);
    }
    const ref = istft({ re, im, frames: T, bins: F }, PRODIFF_MEL, (T - 1) * 256);
    assert.equal(out.length, T * 256);
    let peak = 0, err = 0;
    for (let i = 0; i < ref.length; i++) { peak = Math.max(peak, Math.abs(ref[i]!)); err = Math.max(err, Math.abs(ref[i]! - out[i]!)); }
    assert.ok(peak > 0 && err < 1e-3 * peak, `max error ${err} (peak ${peak})`);
    for (let i = ref.length; i < out.length; i++) assert.equal(out[i], 0);
    await v.dispose?.();

    // The default adds two fast Griffin-Lim iterations from that phase, in ORT: as the audio layer's.
    const v1 = await createVocoder('vocos', { mel: PRODIFF_MEL, file, threads: 1 });
    const out1 = await v1.synthesize(mel.data, T);
    await v1.dispose?.();
    const mag = { data: Float64Array.from({ length: T * F }, (_, i) => (i % F === 0 ? 0 : Math.exp(fitted[i]!))), frames: T, bins: F };
    const ref1 = griffinLim(mag, PRODIFF_MEL, { iterations: 2, initialPhase: phase });
    let err1 = 0, diff01 = 0;
    for (let i = 0; i < ref1.length; i++) { err1 = Math.max(err1, Math.abs(ref1[i]! - out1[i]!)); diff01 = Math.max(diff01, Math.abs(out1[i]! - out[i]!)); }
    assert.ok(err1 < 1e-3 * peak, `refined: max error ${err1} (peak ${peak})`);
    assert.ok(diff01 > 1e-2 * peak, 'the iteration changes the output');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pghi vocoder in a voice: voice.json's vocoder.iterations and fit_iterations reach it; bad values are errors naming the key", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-pghi-voice-'));
  try {
    const file = join(dir, 'g.safetensors');
    writeRandomVocos(file, cfg, 4);
    const voiceDir = join(dir, 'voice');
    makeRandomVoice(voiceDir, TINY_HPARAMS, { seed: 1, steps: 2, vocoder: { type: 'vocos', file } });
    const jsonPath = join(voiceDir, 'voice.json');
    const base = JSON.parse(readFileSync(jsonPath, 'utf-8')) as { vocoder: Record<string, unknown> };
    const speak = async (extra: Record<string, unknown>) => {
      writeFileSync(jsonPath, JSON.stringify({ ...base, vocoder: { ...base.vocoder, ...extra } }));
      const tts = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1 });
      try {
        return (await tts.synthesize('Hello there.', { seed: 1 })).audio;
      } finally {
        await tts.dispose();
      }
    };
    const plain = await speak({ iterations: 0, fit_iterations: 0 });
    const fitted = await speak({ iterations: 0, fit_iterations: 2 });
    const defaults = await speak({});
    const explicit = await speak({ iterations: 2, fit_iterations: 2 });
    assert.deepEqual(defaults, explicit, 'the defaults are 2 refinement iterations and 2 fit iterations');
    const differ = (a: Float32Array, b: Float32Array) => a.some((v, i) => Math.abs(v - b[i]!) > 1e-4);
    assert.ok(differ(plain, fitted) && differ(fitted, defaults), 'each setting changes the audio');
    writeFileSync(jsonPath, JSON.stringify({ ...base, vocoder: { ...base.vocoder, fit_iterations: -1 } }));
    assert.throws(() => loadVoice({ dir: voiceDir }), /vocoder\.fit_iterations/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
