export { cardinal, ordinal, year, decimal, digitsToWords } from './numbers.js';
export { normalizeText, normalizeTextDetailed, type NormalizeOptions, type NormalizeResult } from './normalize.js';
export { cmuDict, cmuLookup } from './cmudict.js';
export { PronouncingTable } from './pronunciations.js';
export { wordToPhones, compileLexicon, parsePhones, letterPhones, type Lexicon, type Pronunciation, type PhoneSource } from './g2p.js';
export { predictPhones } from './lts.js';
export {
  PhoneVocab, defaultPhoneSet, arpabetPhones, isArpabetPhone, isSilenceToken,
  PAD, EOS, UNK, BOS, SEP, PUNCTUATION, RESERVED_TOKENS,
} from './phones.js';
export {
  textToPhones, textToSentences, splitSentences, normalizeForSpeech,
  type TextToPhonesOptions, type TextToPhonesResult, type WordSpan, type SpanKind, type SplitOptions,
} from './frontend.js';
