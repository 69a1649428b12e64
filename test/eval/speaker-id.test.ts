import { test } from 'node:test';
import assert from 'node:assert/strict';
import { melCepstrum, type MelImage } from '../../src/eval/metrics.js';
import { SpeakerCentroids, SPEAKER_ID_ORDER, voiceprint } from '../../src/eval/speaker-id.js';

const M = 80;

/** A log10 mel whose frames are `level` + a spectral envelope (tilt and a formant-like bump) + small noise. */
function mel(frames: number, env: (m: number) => number, level: (t: number) => number, seed: number): MelImage & { data: Float32Array } {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const data = new Float32Array(frames * M);
  for (let t = 0; t < frames; t++) for (let m = 0; m < M; m++) data[t * M + m] = level(t) + env(m) + 0.05 * rand();
  return { data, frames, mels: M };
}

const speakerEnv = [
  (m: number) => -0.02 * m + 0.5 * Math.exp(-(((m - 20) / 6) ** 2)),
  (m: number) => -0.03 * m + 0.5 * Math.exp(-(((m - 35) / 6) ** 2)),
  (m: number) => -0.025 * m + 0.4 * Math.exp(-(((m - 10) / 4) ** 2)),
];

test('voiceprint: the mean cepstrum c1..c24 of the speech frames; pauses (40 dB down) are left out', () => {
  const env = speakerEnv[0]!;
  const loud = mel(30, env, () => 0, 1);
  const v = voiceprint(loud);
  assert.equal(v.length, SPEAKER_ID_ORDER);
  // Closed form: the DCT is linear, so the mean cepstrum is the cepstrum of the mean frame.
  const meanFrame = Float64Array.from({ length: M }, (_, m) => { let s = 0; for (let t = 0; t < 30; t++) s += loud.data[t * M + m]!; return s / 30; });
  const c = melCepstrum(meanFrame, SPEAKER_ID_ORDER);
  for (let k = 1; k <= SPEAKER_ID_ORDER; k++) assert.ok(Math.abs(v[k - 1]! - c[k]!) < 1e-9, `c${k}`);
  // Appending frames 3 log10 units (60 dB) down with another speaker's envelope changes nothing.
  const withPause: MelImage = { data: new Float32Array([...loud.data, ...mel(20, speakerEnv[1]!, () => -3, 2).data]), frames: 50, mels: M };
  assert.deepEqual(Array.from(voiceprint(withPause)), Array.from(v));
  // The same frames only 1 unit (20 dB) down count.
  const notPause: MelImage = { data: new Float32Array([...loud.data, ...mel(20, speakerEnv[1]!, () => -1, 2).data]), frames: 50, mels: M };
  assert.notDeepEqual(Array.from(voiceprint(notPause)), Array.from(v));
});

test('SpeakerCentroids: held-out utterances of three synthetic speakers go to their own speaker, whatever their level', () => {
  const names = ['a', 'b', 'c'];
  const train = names.flatMap((_, i) => [0, 1, 2, 3].map((k) => ({ speaker: i, mel: mel(40, speakerEnv[i]!, (t) => 0.3 * Math.sin(t / 5), 100 * i + k) })));
  const ids = SpeakerCentroids.fit(names, train);
  for (const [i, env] of speakerEnv.entries()) {
    for (const k of [10, 11, 12]) assert.equal(ids.classify(mel(25, env, (t) => -0.7 + 0.2 * Math.cos(t / 3), 1000 * i + k)), i, `speaker ${names[i]}, utterance ${k}`);
  }
  // A mel half way between two envelopes goes to whichever it is nearer.
  const nearB = mel(30, (m) => 0.3 * speakerEnv[0]!(m) + 0.7 * speakerEnv[1]!(m), () => 0, 7);
  assert.equal(ids.classify(nearB), 1);
});

test('SpeakerCentroids: a speaker with no utterances or an id out of range is an error naming it', () => {
  const u = { speaker: 0, mel: mel(10, speakerEnv[0]!, () => 0, 1) };
  assert.throws(() => SpeakerCentroids.fit(['a', 'b'], [u]), /no utterances of b/);
  assert.throws(() => SpeakerCentroids.fit(['a'], [{ ...u, speaker: 1 }]), /speaker id 1 out of range \(1 speakers\)/);
});
