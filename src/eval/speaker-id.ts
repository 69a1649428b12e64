// Speaker identity of synthesised speech: each speaker is the centroid of the mean mel-cepstra of
// its recordings; an utterance belongs to the nearest centroid. A deliberately plain classifier
// (one Gaussian per speaker with a shared identity covariance): if it tells the synthesised
// speakers apart as well as the recordings, the model keeps the speakers' spectral envelopes apart.
import { melCepstrum, type MelImage } from './metrics.js';

/** Cepstral coefficients c_1..c_ORDER of the voiceprint (c_0, the level, is left out). */
export const SPEAKER_ID_ORDER = 24;

/** Frames quieter than the utterance's loudest by more than this (log10 mel, averaged over bins) are pauses: 2 = 40 dB. */
const SPEECH_GATE_LOG10 = 2;

/** Mean mel-cepstrum c_1..c_order over an utterance's speech frames (frames within 40 dB of its loudest). */
export function voiceprint(mel: MelImage, order = SPEAKER_ID_ORDER): Float64Array {
  const M = mel.mels;
  if (mel.frames === 0) throw new Error('voiceprint: no frames');
  const level = new Float64Array(mel.frames);
  let loudest = -Infinity;
  for (let t = 0; t < mel.frames; t++) {
    let s = 0;
    for (let m = 0; m < M; m++) s += mel.data[t * M + m]!;
    level[t] = s / M;
    loudest = Math.max(loudest, level[t]!);
  }
  const sum = new Float64Array(order);
  const frame = new Float64Array(M);
  let n = 0;
  for (let t = 0; t < mel.frames; t++) {
    if (level[t]! < loudest - SPEECH_GATE_LOG10) continue;
    for (let m = 0; m < M; m++) frame[m] = mel.data[t * M + m]!;
    const c = melCepstrum(frame, order);
    for (let k = 1; k <= order; k++) sum[k - 1]! += c[k]!;
    n++;
  }
  return sum.map((x) => x / n);
}

export class SpeakerCentroids {
  private constructor(readonly speakers: string[], private readonly centroids: Float64Array[]) {}

  /** One centroid per speaker: the mean voiceprint of its utterances (`speaker` indexes `speakers`). */
  static fit(speakers: string[], utterances: { speaker: number; mel: MelImage }[]): SpeakerCentroids {
    const sums = speakers.map(() => new Float64Array(SPEAKER_ID_ORDER));
    const counts = speakers.map(() => 0);
    for (const u of utterances) {
      if (!(u.speaker >= 0 && u.speaker < speakers.length)) throw new Error(`SpeakerCentroids: speaker id ${u.speaker} out of range (${speakers.length} speakers)`);
      const v = voiceprint(u.mel);
      for (let k = 0; k < v.length; k++) sums[u.speaker]![k]! += v[k]!;
      counts[u.speaker]!++;
    }
    const empty = speakers.filter((_, i) => counts[i] === 0);
    if (empty.length > 0) throw new Error(`SpeakerCentroids: no utterances of ${empty.join(', ')}`);
    return new SpeakerCentroids(speakers, sums.map((s, i) => s.map((x) => x / counts[i]!)));
  }

  /** Index of the speaker whose centroid is nearest (Euclidean) to the utterance's voiceprint. */
  classify(mel: MelImage): number {
    const v = voiceprint(mel);
    let best = -1, bestD = Infinity;
    for (const [i, c] of this.centroids.entries()) {
      let d = 0;
      for (let k = 0; k < v.length; k++) d += (v[k]! - c[k]!) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }
}
