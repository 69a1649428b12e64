// SSML attribute values -> numbers: break lengths, prosody rate/pitch/volume, emphasis levels.
// Each parser throws a plain Error with a message naming the accepted forms; the caller adds
// the element and its position.

/** Silence of `<break strength="...">` in seconds (also the default of a bare `<break/>`: medium). */
export const BREAK_STRENGTH_SECONDS: Readonly<Record<string, number>> = {
  'none': 0, 'x-weak': 0.1, 'weak': 0.25, 'medium': 0.5, 'strong': 0.75, 'x-strong': 1.0,
};

/** Longest single break accepted, seconds. */
export const MAX_BREAK_SECONDS = 10;

/** `time="500ms"` / `"2s"` / `"1.5s"` -> seconds. */
export function parseBreakTime(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)\s*$/.exec(v);
  if (!m) throw new Error(`time="${v}" is not a duration like "500ms" or "2s"`);
  const seconds = Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
  if (seconds > MAX_BREAK_SECONDS) throw new Error(`time="${v}" is longer than ${MAX_BREAK_SECONDS} s`);
  return seconds;
}

export function parseBreakStrength(v: string): number {
  const s = BREAK_STRENGTH_SECONDS[v];
  if (s === undefined) throw new Error(`strength="${v}" is not one of ${Object.keys(BREAK_STRENGTH_SECONDS).join(', ')}`);
  return s;
}

/** Speaking-rate multipliers (> 1 faster) of the rate keywords. */
export const RATE_KEYWORDS: Readonly<Record<string, number>> = {
  'x-slow': 0.5, 'slow': 0.75, 'medium': 1, 'default': 1, 'fast': 1.25, 'x-fast': 1.5,
};

/**
 * `rate` -> a multiplier of the current rate: a keyword, "150%" (of the normal rate), "+20%" /
 * "-20%" (relative to the current rate), or a plain multiplier "1.5".
 */
export function parseRate(v: string): { factor: number; relative: boolean } {
  const k = RATE_KEYWORDS[v];
  if (k !== undefined) return { factor: k, relative: false };
  let m = /^([+-])(\d+(?:\.\d+)?)%$/.exec(v);
  if (m) return checkRate(v, 1 + (m[1] === '-' ? -1 : 1) * Number(m[2]) / 100, true);
  m = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (m) return checkRate(v, Number(m[1]) / 100, false);
  m = /^(\d+(?:\.\d+)?)$/.exec(v);
  if (m) return checkRate(v, Number(m[1]), false);
  throw new Error(`rate="${v}" is not x-slow, slow, medium, fast, x-fast, a percentage ("150%", "+20%") or a multiplier ("1.5")`);
}

function checkRate(v: string, factor: number, relative: boolean): { factor: number; relative: boolean } {
  if (!(factor >= 0.1 && factor <= 10)) throw new Error(`rate="${v}" is outside 10%..1000% of the normal rate`);
  return { factor, relative };
}

/** Pitch shifts (semitones) of the pitch keywords. */
export const PITCH_KEYWORDS: Readonly<Record<string, number>> = {
  'x-low': -4, 'low': -2, 'medium': 0, 'default': 0, 'high': 2, 'x-high': 4,
};

/** `pitch` -> semitones: a keyword (absolute), or "+N%", "-N%", "+Nst", "-Nst" (relative). */
export function parsePitch(v: string): { semitones: number; relative: boolean } {
  const k = PITCH_KEYWORDS[v];
  if (k !== undefined) return { semitones: k, relative: false };
  let m = /^([+-])(\d+(?:\.\d+)?)st$/.exec(v);
  if (m) return { semitones: (m[1] === '-' ? -1 : 1) * Number(m[2]), relative: true };
  m = /^([+-])(\d+(?:\.\d+)?)%$/.exec(v);
  if (m) {
    const ratio = 1 + (m[1] === '-' ? -1 : 1) * Number(m[2]) / 100;
    if (!(ratio > 0)) throw new Error(`pitch="${v}" lowers the pitch by 100 % or more`);
    return { semitones: 12 * Math.log2(ratio), relative: true };
  }
  throw new Error(`pitch="${v}" is not x-low, low, medium, high, x-high, "+N%"/"-N%" or "+Nst"/"-Nst"`);
}

/** Gains (dB) of the volume keywords; silent is -Infinity (gain 0). */
export const VOLUME_KEYWORDS: Readonly<Record<string, number>> = {
  'silent': -Infinity, 'x-soft': -12, 'soft': -6, 'medium': 0, 'default': 0, 'loud': 6, 'x-loud': 12,
};

/** `volume` -> dB: a keyword (absolute) or "+NdB" / "-NdB" (relative). */
export function parseVolume(v: string): { db: number; relative: boolean } {
  const k = VOLUME_KEYWORDS[v];
  if (k !== undefined) return { db: k, relative: false };
  const m = /^([+-])(\d+(?:\.\d+)?)dB$/.exec(v);
  if (m) return { db: (m[1] === '-' ? -1 : 1) * Number(m[2]), relative: true };
  throw new Error(`volume="${v}" is not silent, x-soft, soft, medium, loud, x-loud or "+NdB"/"-NdB"`);
}

/** What `<emphasis level>` does: rate multiplier, pitch shift (semitones), energy multiplier. */
export const EMPHASIS: Readonly<Record<string, { rate: number; pitch: number; energy: number }>> = {
  strong: { rate: 0.8, pitch: 2, energy: 1.3 },
  moderate: { rate: 0.9, pitch: 1, energy: 1.15 },
  none: { rate: 1, pitch: 0, energy: 1 },
  reduced: { rate: 1.1, pitch: -1, energy: 0.85 },
};

export function parseEmphasis(v: string | undefined): { rate: number; pitch: number; energy: number } {
  const e = EMPHASIS[v ?? 'moderate'];
  if (!e) throw new Error(`level="${v}" is not one of ${Object.keys(EMPHASIS).join(', ')}`);
  return e;
}
