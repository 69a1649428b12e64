// Golden parity for the audio front end: recomputes every output of a golden case (module
// 'audio_frontend', see shared/golden/audio/README.md) from its WAV and compares it with the
// reference under the manifest's machine-readable `tolerance` rules.
import path from 'node:path';
import type { StTensor } from '../engine/safetensors.js';
import { logMel, melFilterbank, PRODIFF_MEL, prodiffEnergy, padForPitch } from '../audio/mel.js';
import { stftMagnitude } from '../audio/stft.js';
import { loadAudio } from '../audio/resample.js';
import { prodiffPitch } from '../audio/f0.js';
import { PitchError, trackPitch } from '../audio/pitch.js';
import type { CaseRunner, GoldenCase, ParityCheck } from './types.js';

/** One tolerance rule as in the manifest (see its `tolerance_rule`). */
export interface ToleranceRule {
  atol?: number;
  rtol?: number;
  atol_rel_max?: number;
  where_golden_above?: number;
  atol_elsewhere?: number;
  skip_if_resampled?: boolean;
  voicing_agreement_min?: number;
  gross_error_rate_max?: number;
  gross_error_rel?: number;
  agreement_min?: number;
}

type Num = ArrayLike<number>;

function describe(rule: ToleranceRule): string {
  return Object.entries(rule).map(([k, v]) => `${k} ${v}`).join(', ');
}

/** Elementwise / agreement comparison of port vs ref under one rule. */
function compareWithRule(name: string, port: Num, ref: Num, rule: ToleranceRule): ParityCheck {
  if (port.length !== ref.length) {
    return { name, maxAbsError: Infinity, tolerance: `length ${ref.length} (got ${port.length})`, pass: false };
  }
  const n = ref.length;
  if (rule.voicing_agreement_min !== undefined) {
    let agree = 0, both = 0, gross = 0, maxAbs = 0;
    for (let i = 0; i < n; i++) {
      const a = port[i]! > 0, b = ref[i]! > 0;
      if (a === b) agree++;
      if (a && b) {
        both++;
        const d = Math.abs(port[i]! - ref[i]!);
        maxAbs = Math.max(maxAbs, d);
        if (d > (rule.gross_error_rel ?? 0.2) * Math.abs(ref[i]!)) gross++;
      }
    }
    const voicing = n ? agree / n : 1;
    const grossRate = both ? gross / both : 0;
    const pass = voicing >= rule.voicing_agreement_min && grossRate <= (rule.gross_error_rate_max ?? 0);
    return { name, maxAbsError: maxAbs, tolerance: `${describe(rule)}; voicing agreement ${voicing.toFixed(4)}, gross errors ${gross}/${both}`, pass };
  }
  if (rule.agreement_min !== undefined) {
    let agree = 0, maxAbs = 0;
    for (let i = 0; i < n; i++) {
      if (port[i] === ref[i]) agree++;
      maxAbs = Math.max(maxAbs, Math.abs(port[i]! - ref[i]!));
    }
    const frac = n ? agree / n : 1;
    return { name, maxAbsError: maxAbs, tolerance: `${describe(rule)}; agreement ${frac.toFixed(4)}`, pass: frac >= rule.agreement_min };
  }
  let scale = 1;
  if (rule.atol_rel_max !== undefined) {
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(ref[i]!));
    scale = m;
  }
  let maxAbs = 0, pass = true;
  for (let i = 0; i < n; i++) {
    const r = ref[i]!, d = Math.abs(port[i]! - r);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    let lim: number;
    if (rule.atol_rel_max !== undefined) lim = rule.atol_rel_max * scale;
    else if (rule.where_golden_above !== undefined && !(r > rule.where_golden_above)) lim = rule.atol_elsewhere ?? rule.atol ?? 0;
    else lim = (rule.atol ?? 0) + (rule.rtol ?? 0) * Math.abs(r);
    if (!(d <= lim)) pass = false;
  }
  return { name, maxAbsError: maxAbs, tolerance: describe(rule) || 'exact', pass };
}

/** [rows, cols] row-major from our [cols, rows] layout (frames-major -> librosa's bins-major). */
function transpose(data: Float32Array, frames: number, bins: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let t = 0; t < frames; t++) for (let k = 0; k < bins; k++) out[k * frames + t] = data[t * bins + k]!;
  return out;
}

function tensorOf(c: GoldenCase, name: string): StTensor | undefined {
  return c.tensors.get(name);
}

/** Recomputes a case's outputs and compares them; also usable directly by tests. */
export async function runAudioCase(c: GoldenCase): Promise<ParityCheck[]> {
  const tol = ((c.manifest.tolerance ?? {}) as Record<string, ToleranceRule>);
  const rule = (name: string, fallback: ToleranceRule): ToleranceRule => tol[name] ?? fallback;
  const checks: ParityCheck[] = [];
  const dir = path.dirname(c.file);
  const wavName = (c.entry.wav as string | undefined) ?? c.metadata.wav_file ?? `${c.name}.wav`;
  const wavPath = path.resolve(dir, wavName);
  const refWav = tensorOf(c, 'input.wav');
  // A case whose WAV is not 22050 Hz mono carries its native samples (README, "safetensors layout").
  const resampled = c.tensors.has('input.native');

  const loaded = loadAudio(wavPath, Number(c.metadata.sample_rate ?? 22050) || 22050);
  let y: Float32Array = loaded.samples;
  if (refWav) {
    const r = rule('input.wav', { atol: 0 });
    if (resampled && r.skip_if_resampled) {
      // Checked against our own resampler's closed form in the tests; downstream uses the golden input.
      checks.push({ ...compareWithRule('input.wav (resampled; informational)', y, refWav.data as Float32Array, { atol: 2e-6 }), pass: true });
      y = refWav.data as Float32Array;
    } else {
      checks.push(compareWithRule('input.wav', y, refWav.data as Float32Array, r));
    }
  }
  const hop = PRODIFF_MEL.hop;
  const padded = padForPitch(y, hop);
  const refPadded = tensorOf(c, 'input.wav_padded');
  if (refPadded) checks.push(compareWithRule('input.wav_padded', padded, refPadded.data as Float32Array, { atol: 0 }));

  const basisRef = tensorOf(c, 'output.mel_basis');
  if (basisRef) checks.push(compareWithRule('output.mel_basis', melFilterbank(PRODIFF_MEL).dense, basisRef.data as Float32Array, rule('output.mel_basis', { atol: 1e-7 })));
  const stftRef = tensorOf(c, 'output.stft_mag');
  if (stftRef) {
    const s = stftMagnitude(y, PRODIFF_MEL);
    checks.push(compareWithRule('output.stft_mag', transpose(s.data, s.frames, s.bins), stftRef.data as Float32Array, rule('output.stft_mag', { atol_rel_max: 1e-5 })));
  }
  const mel = logMel(y, PRODIFF_MEL);
  const melRef = tensorOf(c, 'output.mel');
  if (melRef) checks.push(compareWithRule('output.mel', transpose(mel.data, mel.frames, mel.nMels), melRef.data as Float32Array, rule('output.mel', { atol: 1e-4 })));
  const energyRef = tensorOf(c, 'output.energy');
  if (energyRef) checks.push(compareWithRule('output.energy', prodiffEnergy(mel), energyRef.data as Float32Array, rule('output.energy', { rtol: 1e-5 })));

  // Pitch.
  const f0Rule = rule('output.f0', { voicing_agreement_min: 0.98, gross_error_rate_max: 0.01, gross_error_rel: 0.2 });
  const expectError = c.entry.expect_pitch_error as string | undefined;
  let pitch: ReturnType<typeof prodiffPitch> | undefined;
  let pitchErr: unknown;
  try { pitch = prodiffPitch(y, PRODIFF_MEL.sampleRate, hop); } catch (e) { pitchErr = e; }
  if (expectError !== undefined) {
    const ok = pitchErr instanceof PitchError;
    checks.push({ name: 'pitch.expect_error', maxAbsError: 0, tolerance: `must throw (reference: ${expectError})`, pass: ok });
  } else if (!pitch) {
    checks.push({ name: 'pitch', maxAbsError: Infinity, tolerance: `threw: ${(pitchErr as Error)?.message}`, pass: false });
  }
  if (pitch) {
    const rawRef = tensorOf(c, 'output.f0_praat_raw');
    if (rawRef) checks.push(compareWithRule('output.f0_praat_raw', pitch.raw.frequency, rawRef.data as Float64Array, rule('output.f0_praat_raw', f0Rule)));
    const timesRef = tensorOf(c, 'output.f0_praat_times');
    if (timesRef) checks.push(compareWithRule('output.f0_praat_times', pitch.raw.times, timesRef.data as Float64Array, rule('output.f0_praat_times', { atol: 1e-9 })));
    const f0Ref = tensorOf(c, 'output.f0');
    if (f0Ref) checks.push(compareWithRule('output.f0', pitch.f0, f0Ref.data as Float64Array, f0Rule));
    const uvRef = tensorOf(c, 'output.uv');
    if (uvRef) checks.push(compareWithRule('output.uv', pitch.uv, uvRef.data as Uint8Array, rule('output.uv', { agreement_min: 1 })));
    const coarseRef = tensorOf(c, 'output.f0_coarse');
    if (coarseRef) checks.push(compareWithRule('output.f0_coarse', pitch.coarse, coarseRef.data as Int32Array, rule('output.f0_coarse', { agreement_min: 0.95 })));
  }
  const hanRef = tensorOf(c, 'extra.f0_praat_raw_hanning');
  if (hanRef && hanRef.data.length > 0) {
    const han = trackPitch(padded, PRODIFF_MEL.sampleRate, { timeStep: hop / PRODIFF_MEL.sampleRate, veryAccurate: false });
    checks.push(compareWithRule('extra.f0_praat_raw_hanning', han.frequency, hanRef.data as Float64Array, f0Rule));
  }
  return checks;
}

export const audioCaseRunner: CaseRunner = {
  name: 'audio',
  matches(c: GoldenCase): boolean {
    return c.metadata.module === 'audio_frontend' || c.entry.module === 'audio_frontend';
  },
  run: runAudioCase,
};
