// SSML (a subset) -> a flat list of segments: text runs with their prosody style, spoken forms
// (say-as, sub), phone groups (phoneme), breaks and sentence boundaries (p, s). Parsed with a
// real XML parser (saxes); every error names its line:column.
import { SaxesParser } from 'saxes';
import { parsePhones } from '../g2p.js';
import { ipaToArpabet } from './ipa.js';
import { sayAs } from './say-as.js';
import { parseBreakStrength, parseBreakTime, parseEmphasis, parsePitch, parseRate, parseVolume } from './values.js';

/** Malformed or unsupported SSML; `line` and `column` are 1-based. */
export class SsmlError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(`SSML ${line}:${column}: ${message}`);
    this.name = 'SsmlError';
  }
}

/** The prosody in force for a piece of text, relative to the call's own controls. */
export interface SsmlStyle {
  /** Speaking-rate multiplier (> 1 faster): duration scale / rate. */
  rate: number;
  /** Pitch shift added to the call's, semitones. */
  pitch: number;
  /** Energy multiplier (emphasis). */
  energy: number;
  /** Gain applied to the samples, dB (-Infinity: silent). */
  volumeDb: number;
  /** `<voice name>`: a speaker name or id of the voice (or the voice's own name). */
  voice?: string;
  /** Where the `<voice>` element is, "line:column", for errors about its name. */
  voiceAt?: string;
}

export const NEUTRAL_STYLE: SsmlStyle = { rate: 1, pitch: 0, energy: 1, volumeDb: 0 };

export type SsmlSegment =
  /** Written text, to be normalised as usual. */
  | { type: 'text'; text: string; style: SsmlStyle }
  /**
   * Words said instead of the element's content (say-as: spoken form already; sub: the alias,
   * normalised like text). With `display`, all its words are reported as that one word.
   */
  | { type: 'spoken'; text: string; normalize: boolean; display?: string; style: SsmlStyle }
  /** Phones given directly (phoneme), reported as the word `display`. */
  | { type: 'phones'; phones: string[]; display: string; style: SsmlStyle }
  | { type: 'break'; seconds: number }
  /** A sentence (s) or paragraph (p) starts or ends here. */
  | { type: 'boundary' };

export const SUPPORTED_ELEMENTS = ['speak', 'p', 's', 'break', 'prosody', 'say-as', 'sub', 'phoneme', 'emphasis', 'voice'] as const;
/** Elements whose content is text only, read as a whole when they close. */
const TEXT_ONLY = new Set(['say-as', 'sub', 'phoneme']);

interface Frame {
  name: string;
  style: SsmlStyle;
  attributes: Record<string, string>;
  line: number;
  column: number;
  text: string;
}

/** Whether a text is SSML by its look: it starts (after white space) with `<speak` or an XML declaration. */
export function looksLikeSsml(text: string): boolean {
  return /^\s*(<\?xml[^>]*\?>\s*)?<speak[\s>/]/.test(text);
}

function styled(parent: SsmlStyle, name: string, a: Record<string, string>, fail: (m: string) => never): SsmlStyle {
  const s = { ...parent };
  try {
    if (name === 'prosody') {
      if (a.rate !== undefined) { const r = parseRate(a.rate); s.rate = r.relative ? s.rate * r.factor : r.factor; }
      if (a.pitch !== undefined) { const p = parsePitch(a.pitch); s.pitch = p.relative ? s.pitch + p.semitones : p.semitones; }
      if (a.volume !== undefined) { const v = parseVolume(a.volume); s.volumeDb = v.relative ? s.volumeDb + v.db : v.db; }
    } else if (name === 'emphasis') {
      const e = parseEmphasis(a.level);
      s.rate *= e.rate;
      s.pitch += e.pitch;
      s.energy *= e.energy;
    }
  } catch (e) {
    fail(`<${name}> ${(e as Error).message}`);
  }
  if (!(s.rate >= 0.1 && s.rate <= 10)) fail(`<${name}>: the rate comes to ${s.rate.toFixed(3)}x, outside 0.1..10`);
  if (!(s.pitch >= -24 && s.pitch <= 24)) fail(`<${name}>: the pitch comes to ${s.pitch.toFixed(2)} semitones, outside -24..24`);
  return s;
}

/** Parses SSML into segments; throws SsmlError (with line:column) for anything malformed or unsupported. */
export function parseSsml(ssml: string): SsmlSegment[] {
  const parser = new SaxesParser({ position: true });
  const segments: SsmlSegment[] = [];
  const stack: Frame[] = [];
  let tagLine = 1, tagColumn = 1;
  let sawRoot = false;
  const failAt = (line: number, column: number) => (m: string): never => { throw new SsmlError(m, line, column); };

  parser.on('opentagstart', (tag) => {
    // The parser has read "<name" and the character after it: report the position of '<' (1-based column).
    tagLine = parser.line;
    tagColumn = parser.column - tag.name.length - 1;
  });
  parser.on('opentag', (tag) => {
    const fail = failAt(tagLine, tagColumn);
    const name = tag.name;
    // Without namespace processing, attribute values are plain strings.
    const a = tag.attributes as Record<string, string>;
    const parent = stack[stack.length - 1];
    if (!(SUPPORTED_ELEMENTS as readonly string[]).includes(name)) fail(`unsupported element <${name}> (supported: ${SUPPORTED_ELEMENTS.join(', ')})`);
    if (!parent && name !== 'speak') fail(`the root element must be <speak>, not <${name}>`);
    if (parent && name === 'speak') fail('<speak> inside <speak>');
    if (parent && (TEXT_ONLY.has(parent.name) || parent.name === 'break')) fail(`<${parent.name}> holds text only, not <${name}>`);
    sawRoot = true;
    let style = parent?.style ?? NEUTRAL_STYLE;
    if (name === 'prosody' || name === 'emphasis') style = styled(style, name, a, fail);
    if (name === 'voice') {
      if (!a.name?.trim()) fail('<voice> needs a name attribute (a speaker name or id)');
      style = { ...style, voice: a.name.trim(), voiceAt: `${tagLine}:${tagColumn}` };
    }
    if (name === 'p' || name === 's') segments.push({ type: 'boundary' });
    if (name === 'break') {
      let seconds = 0.5;
      try {
        seconds = a.time !== undefined ? parseBreakTime(a.time) : a.strength !== undefined ? parseBreakStrength(a.strength) : 0.5;
      } catch (e) {
        fail(`<break> ${(e as Error).message}`);
      }
      segments.push({ type: 'break', seconds });
    }
    if (name === 'say-as' && !a['interpret-as']) fail('<say-as> needs an interpret-as attribute');
    if (name === 'sub' && a.alias === undefined) fail('<sub> needs an alias attribute');
    if (name === 'phoneme' && !a.ph) fail('<phoneme> needs a ph attribute');
    stack.push({ name, style, attributes: a, line: tagLine, column: tagColumn, text: '' });
  });
  const onText = (text: string) => {
    const top = stack[stack.length - 1];
    if (!top) return; // white space around the root (anything else is the parser's error)
    if (TEXT_ONLY.has(top.name) || top.name === 'break') top.text += text;
    else if (text.trim()) segments.push({ type: 'text', text, style: top.style });
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const f = stack.pop()!;
    const fail = failAt(f.line, f.column);
    const text = f.text.replace(/\s+/g, ' ').trim();
    const a = f.attributes;
    switch (f.name) {
      case 'p': case 's': segments.push({ type: 'boundary' }); break;
      case 'break': if (text) fail('<break> must be empty'); break;
      case 'say-as': {
        try {
          segments.push({ type: 'spoken', text: sayAs(text, a['interpret-as']!, a.format), normalize: false, style: f.style });
        } catch (e) {
          fail(`<say-as> ${(e as Error).message}`);
        }
        break;
      }
      case 'sub': segments.push({ type: 'spoken', text: a.alias!, normalize: true, display: text || a.alias!, style: f.style }); break;
      case 'phoneme': {
        const alphabet = a.alphabet ?? 'ipa';
        let phones: string[] = [];
        try {
          if (alphabet === 'ipa') phones = ipaToArpabet(a.ph!);
          else if (alphabet === 'x-arpabet' || alphabet === 'arpabet') phones = parsePhones(a.ph!.toUpperCase());
          else throw new Error(`alphabet="${alphabet}" is not ipa or x-arpabet`);
        } catch (e) {
          fail(`<phoneme> ${(e as Error).message}`);
        }
        segments.push({ type: 'phones', phones, display: text || a.ph!, style: f.style });
        break;
      }
    }
  });
  try {
    parser.write(ssml).close();
  } catch (e) {
    if (e instanceof SsmlError) throw e;
    const m = /^(\d+):(\d+): (.*)$/s.exec((e as Error).message);
    // saxes's 0-based column of the next character = the 1-based column of the one it stopped at.
    if (m) throw new SsmlError(`malformed XML: ${m[3]!.split('\n')[0]}`, Number(m[1]), Number(m[2]));
    throw new SsmlError(`malformed XML: ${(e as Error).message.split('\n')[0]}`, parser.line, parser.column + 1);
  }
  if (!sawRoot) throw new SsmlError('no <speak> element', 1, 1);
  return segments;
}
