// The last stage of synthesis: the vocoder's audio -> what the user gets. A DC blocker (the
// corpora and so the vocoders carry an offset of about +0.002), the voice's calibrated loudness
// gain times the caller's volume, and a clamp to [-1, 1]. Every step is causal and sample by
// sample, so a stream of chunks gives exactly the samples of the whole text at once.
import { DcBlocker } from '../audio/dc-block.js';

export class OutputStage {
  private readonly dc: DcBlocker | undefined;

  /** gain: linear factor after the DC blocker; dcBlock false leaves the offset in. */
  constructor(readonly gain: number, dcBlock = true) {
    if (!(Number.isFinite(gain) && gain >= 0)) throw new Error(`OutputStage: gain ${gain} must be a finite number >= 0`);
    this.dc = dcBlock ? new DcBlocker() : undefined;
  }

  /** The next chunk of the stream, conditioned (a new array); `extraGain` (SSML volume) multiplies this chunk only. */
  process(x: Float32Array, extraGain = 1): Float32Array {
    const y = this.dc ? this.dc.process(x) : Float32Array.from(x);
    const g = this.gain * extraGain;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]! * g;
      y[i] = v > 1 ? 1 : v < -1 ? -1 : v;
    }
    return y;
  }
}

/** The linear output gain of a voice's calibrated level (dB) and the caller's volume (linear). */
export const outputGain = (voiceGainDb: number, volume: number): number => 10 ** (voiceGainDb / 20) * volume;
