// SSML segments -> utterances for the acoustic model. The model takes its controls (duration
// scale, pitch shift, energy, speaker) per utterance, so an utterance ends at every sentence
// boundary, at every change of style and at every break (whose silence is exact in samples).
import { assembleItems, compiledLexicon, itemsOf, normalizeForSpeech, type Item, type TextToPhonesResult } from '../frontend.js';
import type { Lexicon } from '../g2p.js';
import { SEP, type PhoneVocab } from '../phones.js';
import { parseSsml, type SsmlSegment, type SsmlStyle } from './parse.js';

export interface SsmlUtterance {
  sentence: TextToPhonesResult;
  style: SsmlStyle;
  /**
   * Silence after it, seconds: the breaks that follow it (summed); undefined at a sentence
   * boundary without a break (the call's sentence silence); 0 where only the style changes.
   */
  pauseAfter: number | undefined;
}

export interface SsmlPlan {
  utterances: SsmlUtterance[];
  /** Breaks before the first word, seconds. */
  leadingPause: number;
  warnings: string[];
}

const sameStyle = (a: SsmlStyle, b: SsmlStyle) =>
  a.rate === b.rate && a.pitch === b.pitch && a.energy === b.energy && a.volumeDb === b.volumeDb && a.voice === b.voice;

const SENTENCE_END = /(?<=[.!?])\s+|\n+/;

/** Parses SSML and cuts it into utterances (throws SsmlError with line:column for bad SSML). */
export function planSsml(ssml: string, options: { vocab?: PhoneVocab; lexicon?: Lexicon } = {}): SsmlPlan {
  return planSegments(parseSsml(ssml), options);
}

export function planSegments(segments: readonly SsmlSegment[], options: { vocab?: PhoneVocab; lexicon?: Lexicon } = {}): SsmlPlan {
  const lexicon = compiledLexicon(options.lexicon);
  const warnings: string[] = [];
  const utterances: SsmlUtterance[] = [];
  let leadingPause = 0;
  let items: Item[] = [];
  let texts: string[] = [];
  let style: SsmlStyle | undefined;
  // Since the last utterance: the breaks' total (undefined: none) and whether a sentence ended.
  let pause: number | undefined;
  let sentenceEnded = false;

  const flush = () => {
    if (style && items.some((it) => it.kind !== 'punctuation')) {
      const sentence = assembleItems(items, texts.join(' ').replace(/\s+/g, ' ').trim(), [], options.vocab, {});
      warnings.push(...sentence.warnings);
      const prev = utterances[utterances.length - 1];
      if (prev) prev.pauseAfter = pause ?? (sentenceEnded ? undefined : 0);
      else leadingPause = pause ?? 0;
      utterances.push({ sentence, style, pauseAfter: 0 });
      pause = undefined;
      sentenceEnded = false;
    }
    items = [];
    texts = [];
    style = undefined;
  };
  const endSentence = () => {
    flush();
    sentenceEnded = true;
  };
  const add = (s: SsmlStyle, text: string, more: Item[]) => {
    // Punctuation right after a styled element ends that element's utterance ("<emphasis>x</emphasis>.").
    const punctuationOnly = more.every((it) => it.kind === 'punctuation');
    if (style && !sameStyle(style, s) && !punctuationOnly) flush();
    style ??= s;
    texts.push(text);
    items.push(...more);
  };

  for (const seg of segments) {
    switch (seg.type) {
      case 'boundary': endSentence(); break;
      case 'break':
        flush();
        pause = (pause ?? 0) + seg.seconds;
        break;
      case 'text': {
        // Normalisation drops leading punctuation, but "</emphasis>. Next" still ends a sentence.
        if (/^\s*[.!?]+(\s|$)/.test(seg.text)) endSentence();
        const norm = normalizeForSpeech(seg.text, options.lexicon);
        warnings.push(...norm.warnings);
        const parts = norm.text.split(SENTENCE_END);
        parts.forEach((part, k) => {
          if (k > 0) endSentence();
          if (part.trim()) add(seg.style, part, itemsOf(part, lexicon, warnings));
        });
        if (/[.!?]\s*$/.test(norm.text)) endSentence();
        break;
      }
      case 'spoken': {
        const spoken = seg.normalize ? normalizeForSpeech(seg.text, options.lexicon).text : seg.text;
        const words = itemsOf(spoken, lexicon, warnings).filter((it) => it.kind !== 'punctuation');
        if (seg.display === undefined || words.length === 0) add(seg.style, spoken, words);
        else {
          // A sub is one word however many words its alias has.
          const phones = words.flatMap((w, i) => (i === 0 ? w.phones : [SEP, ...w.phones]));
          const item: Item = { text: seg.display, kind: 'word', phones };
          if (words[0]!.source) item.source = words[0]!.source;
          add(seg.style, seg.display, [item]);
        }
        break;
      }
      case 'phones':
        add(seg.style, seg.display, [{ text: seg.display, kind: 'phones', phones: seg.phones, source: 'inline' }]);
        break;
    }
  }
  flush();
  const last = utterances[utterances.length - 1];
  if (last) last.pauseAfter = pause ?? 0;
  if (utterances.length === 0) warnings.push('no speakable text');
  return { utterances, leadingPause, warnings };
}
