// Loudness calibration of a voice: synthesise a fixed set of sentences (every speaker of a
// multi-speaker voice), measure the output as the API gives it before its gain (DC blocker on),
// and derive the one gain (voice.json inference.output_gain_db) that brings the speech RMS to
// -20 dBFS without letting a peak pass -1 dBFS. A fixed gain per voice keeps streaming exact:
// it is known before the first chunk. Also reports the DC offset the blocker removes and the
// frame-rate tonal count of the same audio.
import { countTones, DcBlocker, LevelMeter, LongTermSpectrum, type LevelStats } from '../audio/index.js';
import { speakerNames } from '../voice/config.js';
import type { LoadedVoice } from '../voice/load.js';
import { ProDiffTTS, type LoadOptions } from './tts.js';

/** The output level target: speech RMS (dBFS) and the highest peak allowed (dBFS). */
export const LOUDNESS_TARGET = { speechRmsDb: -20, peakDb: -1 } as const;

/** Calibration sentences: varied length, voicing and punctuation. */
export const CALIBRATION_SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'A large crowd gathered outside the old stone library on Tuesday morning.',
  'Please call me back when you get this message.',
  'How much wood would a woodchuck chuck?',
  'She sells sea shells by the sea shore, and the shells she sells are surely seashells.',
  'Turn left at the second light, then keep going for about three miles.',
  'We measured the temperature every hour for twelve days.',
  'Is this the right way to the station?',
  'The committee will announce its decision after a short break.',
  'Bright yellow leaves covered the quiet garden path.',
  'Nobody expected the meeting to last until midnight.',
  'Thank you very much for your patience.',
];

export interface LoudnessStats {
  dc: number;
  peakDb: number;
  speechRmsDb: number;
  /** Frame-rate tonal count (see countTones) and harmonics examined. */
  tones: number;
  harmonics: number;
}

export interface LoudnessReport {
  voice: string;
  sentences: number;
  speakers: string[];
  seconds: number;
  /** The vocoder's output as it is (no DC blocker, no gain). */
  raw: LoudnessStats;
  /** After the DC blocker, before any gain. */
  blocked: LoudnessStats;
  /** The calibrated gain: min(target RMS - speech RMS, peak limit - peak), rounded down to 0.1 dB. */
  gainDb: number;
  /** Speech RMS and peak with that gain. */
  calibrated: { peakDb: number; speechRmsDb: number };
  target: typeof LOUDNESS_TARGET;
}

function statsOf(level: LevelStats, lts: LongTermSpectrum, fundamental: number): LoudnessStats {
  const t = countTones(lts.spectrum(), lts.binHz(), { fundamental });
  return { dc: level.dc, peakDb: level.peakDb, speechRmsDb: level.speechRmsDb, tones: t.count, harmonics: t.harmonics };
}

export async function measureLoudness(voice: LoadedVoice, o: LoadOptions & { sentences?: string[]; onProgress?: (done: number, total: number) => void } = {}): Promise<LoudnessReport> {
  // The voice as it sounds with no gain and no blocker; the blocker is applied here per sentence, as the API does.
  const bare = { ...voice, config: { ...voice.config, inference: { ...voice.config.inference, output_gain_db: 0, dc_block: false } } };
  const tts = await ProDiffTTS.load(bare, o);
  const sentences = o.sentences ?? CALIBRATION_SENTENCES;
  const names = speakerNames(voice.config);
  const speakers: (number | undefined)[] = names.length ? names.map((_, i) => i) : [undefined];
  const sr = tts.sampleRate;
  const meters = { raw: new LevelMeter(), blocked: new LevelMeter() };
  const spectra = { raw: new LongTermSpectrum(sr, 4096), blocked: new LongTermSpectrum(sr, 4096) };
  let samples = 0, done = 0;
  try {
    for (const speaker of speakers) {
      for (const text of sentences) {
        // The output stage clamps to [-1, 1]: synthesise 60 dB down (2^-10, exact in floating point) and scale back up.
        const r = await tts.synthesize(text, { ...(speaker !== undefined ? { speaker } : {}), seed: voice.config.inference.noise_seed, volume: 2 ** -10 });
        r.audio.forEach((x, i) => { r.audio[i] = x * 2 ** 10; });
        const blocked = new DcBlocker().process(r.audio);
        meters.raw.add(r.audio); spectra.raw.add(r.audio);
        meters.blocked.add(blocked); spectra.blocked.add(blocked);
        samples += r.audio.length;
        o.onProgress?.(++done, speakers.length * sentences.length);
      }
    }
  } finally {
    await tts.dispose();
  }
  const f0 = sr / tts.hop;
  const raw = statsOf(meters.raw.stats(), spectra.raw, f0);
  const blocked = statsOf(meters.blocked.stats(), spectra.blocked, f0);
  const gainDb = Math.floor(10 * Math.min(LOUDNESS_TARGET.speechRmsDb - blocked.speechRmsDb, LOUDNESS_TARGET.peakDb - blocked.peakDb)) / 10;
  return {
    voice: voice.name, sentences: sentences.length, speakers: names, seconds: samples / sr, raw, blocked, gainDb,
    calibrated: { peakDb: blocked.peakDb + gainDb, speechRmsDb: blocked.speechRmsDb + gainDb }, target: LOUDNESS_TARGET,
  };
}
