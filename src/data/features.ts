// Per-utterance acoustic features exactly as ProDiff computes them: log-mel, energy, f0 and uv.
import { logMel, PRODIFF_MEL, prodiffEnergy, prodiffPitch } from '../audio/index.js';

export interface UtteranceFeatures {
  /** log10 mel [T, 80]. */
  mel: Float32Array;
  frames: number;
  nMels: number;
  /** Hz, 0 where unvoiced, [T]. */
  f0: Float32Array;
  uv: Uint8Array;
  energy: Float32Array;
  /** Seconds of audio. */
  seconds: number;
}

/** Features of samples at PRODIFF_MEL.sampleRate. */
export function featuresOf(samples: Float32Array): UtteranceFeatures {
  const mel = logMel(samples, PRODIFF_MEL);
  const pitch = prodiffPitch(samples, PRODIFF_MEL.sampleRate, PRODIFF_MEL.hop);
  return {
    mel: mel.data,
    frames: mel.frames,
    nMels: mel.nMels,
    f0: Float32Array.from(pitch.f0),
    uv: pitch.uv,
    energy: Float32Array.from(prodiffEnergy(mel)),
    seconds: samples.length / PRODIFF_MEL.sampleRate,
  };
}
