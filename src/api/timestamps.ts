// Timestamps from predicted durations: every token's frames -> seconds, words from the front
// end's phone index ranges. Times are in seconds from the start of the whole audio.
import type { WordSpan } from '../text/frontend.js';

export interface PhoneTiming {
  phone: string;
  start: number;
  end: number;
}

export interface WordTiming {
  word: string;
  start: number;
  end: number;
}

/**
 * Per-token times: token i covers frames [sum(d[0..i)), sum(d[0..i])) of the sentence, which
 * starts at `offset` seconds; a frame lasts hop / sampleRate seconds.
 */
export function phoneTimings(phones: readonly string[], durations: readonly number[], hop: number, sampleRate: number, offset = 0): PhoneTiming[] {
  if (phones.length !== durations.length) throw new Error(`timestamps: ${phones.length} phones but ${durations.length} durations`);
  const out: PhoneTiming[] = [];
  let frame = 0;
  for (let i = 0; i < phones.length; i++) {
    const start = offset + (frame * hop) / sampleRate;
    frame += durations[i]!;
    out.push({ phone: phones[i]!, start, end: offset + (frame * hop) / sampleRate });
  }
  return out;
}

/** Word times from the phone times; punctuation spans are left out. */
export function wordTimings(words: readonly WordSpan[], phones: readonly PhoneTiming[]): WordTiming[] {
  const out: WordTiming[] = [];
  for (const w of words) {
    if (w.kind === 'punctuation' || w.end <= w.start) continue;
    const a = phones[w.start], b = phones[w.end - 1];
    if (!a || !b) throw new Error(`timestamps: word '${w.text}' spans phones [${w.start}, ${w.end}) of ${phones.length}`);
    out.push({ word: w.text, start: a.start, end: b.end });
  }
  return out;
}
