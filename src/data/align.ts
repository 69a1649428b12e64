// Joins the text front end's token sequence with timed phones (Festival or a forced aligner):
// words are matched in order, each word takes the aligner's own phones and timings, and pauses go
// to the token between the words they separate (the punctuation mark if there is one, else `|`),
// the leading pause to `<BOS>` and the trailing one to `<EOS>`. The result is the training token
// sequence and a duration in frames per token that sums to the mel length.
import { BOS, EOS, SEP, type TextToPhonesResult } from '../text/index.js';
import type { AlignedPhone } from './festival.js';

export interface TokenAlignment {
  tokens: string[];
  /** Frames per token; sums to `frames`. */
  durations: number[];
  frames: number;
}

interface TimedWord {
  word: string;
  phones: AlignedPhone[];
  /** Pause (seconds) before this word. */
  pauseBefore: number;
}

const wordKey = (w: string): string => w.toLowerCase().replace(/[^a-z0-9]/g, '');

function groupWords(phones: AlignedPhone[]): { words: TimedWord[]; trailing: number; start: number } {
  const words: TimedWord[] = [];
  let pause = 0;
  let cur: TimedWord | undefined;
  for (const p of phones) {
    if (p.phone === 'sil') {
      pause += p.end - p.start;
      cur = undefined;
      continue;
    }
    // A new word starts at a pause or where the word label changes.
    if (!cur || wordKey(cur.word) !== wordKey(p.word) || p.word === '') {
      cur = { word: p.word, phones: [], pauseBefore: pause };
      words.push(cur);
      pause = 0;
    }
    cur.phones.push(p);
  }
  return { words, trailing: pause, start: phones[0]?.start ?? 0 };
}

export class AlignmentError extends Error {}

/**
 * Aligns tokens to timed phones. `frames` is the mel length; times convert to frame boundaries by
 * rounding t * sampleRate / hop (the last boundary is the mel length).
 */
export function alignTokens(fe: TextToPhonesResult, phones: AlignedPhone[], frames: number, sampleRate: number, hop: number): TokenAlignment {
  const grouped = groupWords(phones);
  const { trailing } = grouped;
  const spans = fe.words;
  const textWords = spans.filter((s) => s.kind !== 'punctuation');
  // Match text words to aligner words in order; one text word may cover several aligner words
  // (Festival splits "well-being" and detaches "'s").
  const words: TimedWord[] = [];
  let j = 0;
  textWords.forEach((s, i) => {
    const key = wordKey(s.text);
    const first = grouped.words[j];
    if (!first) throw new AlignmentError(`text word ${i + 1} '${s.text}' has no counterpart in the alignment`);
    const merged: TimedWord = { word: first.word, phones: [...first.phones], pauseBefore: first.pauseBefore };
    let joined = wordKey(first.word);
    j++;
    if (s.kind === 'word') {
      while (joined !== key && j < grouped.words.length && key.startsWith(joined + wordKey(grouped.words[j]!.word)) && grouped.words[j]!.pauseBefore === 0) {
        joined += wordKey(grouped.words[j]!.word);
        merged.phones.push(...grouped.words[j]!.phones);
        j++;
      }
      if (joined !== key) throw new AlignmentError(`word ${i + 1}: text has '${s.text}', the alignment '${first.word}'`);
    }
    words.push(merged);
  });
  if (j !== grouped.words.length) {
    throw new AlignmentError(`${textWords.length} words in the text but ${grouped.words.length} in the alignment (${textWords.map((w) => w.text).join(' ')} / ${grouped.words.map((w) => w.word).join(' ')})`);
  }

  // Token sequence with a time span per token (seconds).
  const tokens: string[] = [];
  const ends: number[] = [];
  let t = phones[0]?.start ?? 0;
  const push = (tok: string, dur: number) => {
    t += dur;
    tokens.push(tok);
    ends.push(t);
  };
  const hasBos = fe.phones[0] === BOS;
  const hasEos = fe.phones[fe.phones.length - 1] === EOS;
  let wi = 0;
  let pendingPause = words[0]?.pauseBefore ?? 0;
  if (hasBos) {
    push(BOS, pendingPause);
    pendingPause = 0;
  }
  for (let si = 0; si < spans.length; si++) {
    const s = spans[si]!;
    if (s.kind === 'punctuation') {
      // The pause before the next word goes to the punctuation mark.
      const next = words[wi];
      const pause = next ? next.pauseBefore : trailing;
      push(fe.phones[s.start]!, pause);
      if (next) next.pauseBefore = 0;
      else pendingPause = -1; // trailing pause consumed
      continue;
    }
    const w = words[wi]!;
    // Separator between two words (the front end emits it between adjacent words only).
    const prev = spans[si - 1];
    if (prev && prev.kind !== 'punctuation' && wi > 0) {
      push(SEP, w.pauseBefore);
      w.pauseBefore = 0;
    } else if (wi > 0 && w.pauseBefore > 0) {
      // After punctuation the pause was already assigned; any remainder joins the previous token.
      ends[ends.length - 1]! += w.pauseBefore;
      t += w.pauseBefore;
      w.pauseBefore = 0;
    }
    for (const p of w.phones) push(p.phone, p.end - p.start);
    wi++;
  }
  if (hasEos) push(EOS, pendingPause === -1 ? 0 : trailing);
  else if (pendingPause !== -1 && tokens.length > 0) {
    ends[ends.length - 1]! += trailing;
  }

  const durations: number[] = [];
  let prevFrame = 0;
  ends.forEach((e, i) => {
    const f = i === ends.length - 1 ? frames : Math.min(frames, Math.max(prevFrame, Math.round((e * sampleRate) / hop)));
    durations.push(f - prevFrame);
    prevFrame = f;
  });
  return { tokens, durations, frames };
}

/** mel2ph: for every frame, the 1-based index of its token. */
export function durationsToMel2ph(durations: number[]): Int32Array {
  const T = durations.reduce((a, b) => a + b, 0);
  const out = new Int32Array(T);
  let f = 0;
  durations.forEach((d, i) => {
    out.fill(i + 1, f, f + d);
    f += d;
  });
  return out;
}
