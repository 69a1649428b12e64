export { parseSsml, looksLikeSsml, SsmlError, NEUTRAL_STYLE, SUPPORTED_ELEMENTS, type SsmlSegment, type SsmlStyle } from './parse.js';
export { planSsml, planSegments, type SsmlPlan, type SsmlUtterance } from './plan.js';
export { ipaToArpabet, IPA_VOWELS, IPA_CONSONANTS } from './ipa.js';
export { sayAs, SAY_AS_TYPES } from './say-as.js';
export { BREAK_STRENGTH_SECONDS, RATE_KEYWORDS, PITCH_KEYWORDS, VOLUME_KEYWORDS, EMPHASIS, MAX_BREAK_SECONDS } from './values.js';
