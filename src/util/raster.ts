// Small raster toolkit behind the PNG plots: an RGBA canvas with clipped primitives, a built-in
// 5x7 bitmap font, the spectrogram colour map, the series palette and 1-2-5 axis ticks.
import { PNG } from 'pngjs';

export type RGB = readonly [number, number, number];

/** A perceptually ordered dark-blue -> yellow ramp (piecewise linear through five stops); v in [0, 1]. */
export function colourMap(v: number): [number, number, number] {
  const stops: RGB[] = [[13, 8, 135], [126, 3, 168], [204, 71, 120], [248, 149, 64], [240, 249, 33]];
  const x = Math.min(1, Math.max(0, v)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!, b = stops[i + 1]!;
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/** Line colours, one per series (cycled); all saturated enough to stand apart from the greys of the axes. */
const SERIES_COLOURS: readonly RGB[] = [
  [31, 100, 200], // blue
  [220, 80, 40], // vermilion
  [20, 150, 90], // green
  [150, 60, 170], // purple
  [230, 160, 0], // amber
  [0, 170, 210], // cyan
  [200, 30, 120], // magenta
  [120, 80, 40], // brown
  [130, 170, 20], // olive
  [90, 90, 230], // indigo
];

export function seriesColour(k: number): RGB {
  return SERIES_COLOURS[((k % SERIES_COLOURS.length) + SERIES_COLOURS.length) % SERIES_COLOURS.length]!;
}

// ---------------------------------------------------------------------------------------------
// Font: 5 columns x 7 rows above the baseline, plus up to 2 descender rows (g j p q y , _).
// Each glyph is its rows top to bottom, '#' = ink, separated by '|'.
const GLYPH_SRC: Record<string, string> = {
  ' ': '.....|.....|.....|.....|.....|.....|.....',
  '0': '.###.|#...#|#..##|#.#.#|##..#|#...#|.###.',
  '1': '..#..|.##..|..#..|..#..|..#..|..#..|.###.',
  '2': '.###.|#...#|....#|...#.|..#..|.#...|#####',
  '3': '#####|...#.|..#..|...#.|....#|#...#|.###.',
  '4': '...#.|..##.|.#.#.|#..#.|#####|...#.|...#.',
  '5': '#####|#....|####.|....#|....#|#...#|.###.',
  '6': '..##.|.#...|#....|####.|#...#|#...#|.###.',
  '7': '#####|....#|...#.|..#..|.#...|.#...|.#...',
  '8': '.###.|#...#|#...#|.###.|#...#|#...#|.###.',
  '9': '.###.|#...#|#...#|.####|....#|...#.|.##..',
  A: '.###.|#...#|#...#|#####|#...#|#...#|#...#',
  B: '####.|#...#|#...#|####.|#...#|#...#|####.',
  C: '.###.|#...#|#....|#....|#....|#...#|.###.',
  D: '###..|#..#.|#...#|#...#|#...#|#..#.|###..',
  E: '#####|#....|#....|####.|#....|#....|#####',
  F: '#####|#....|#....|####.|#....|#....|#....',
  G: '.###.|#...#|#....|#.###|#...#|#...#|.####',
  H: '#...#|#...#|#...#|#####|#...#|#...#|#...#',
  I: '.###.|..#..|..#..|..#..|..#..|..#..|.###.',
  J: '..###|...#.|...#.|...#.|...#.|#..#.|.##..',
  K: '#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#',
  L: '#....|#....|#....|#....|#....|#....|#####',
  M: '#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#',
  N: '#...#|#...#|##..#|#.#.#|#..##|#...#|#...#',
  O: '.###.|#...#|#...#|#...#|#...#|#...#|.###.',
  P: '####.|#...#|#...#|####.|#....|#....|#....',
  Q: '.###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#',
  R: '####.|#...#|#...#|####.|#.#..|#..#.|#...#',
  S: '.####|#....|#....|.###.|....#|....#|####.',
  T: '#####|..#..|..#..|..#..|..#..|..#..|..#..',
  U: '#...#|#...#|#...#|#...#|#...#|#...#|.###.',
  V: '#...#|#...#|#...#|#...#|#...#|.#.#.|..#..',
  W: '#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.',
  X: '#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#',
  Y: '#...#|#...#|.#.#.|..#..|..#..|..#..|..#..',
  Z: '#####|....#|...#.|..#..|.#...|#....|#####',
  a: '.....|.....|.###.|....#|.####|#...#|.####',
  b: '#....|#....|####.|#...#|#...#|#...#|####.',
  c: '.....|.....|.###.|#....|#....|#...#|.###.',
  d: '....#|....#|.####|#...#|#...#|#...#|.####',
  e: '.....|.....|.###.|#...#|#####|#....|.###.',
  f: '..##.|.#..#|.#...|###..|.#...|.#...|.#...',
  g: '.....|.....|.####|#...#|#...#|#...#|.####|....#|.###.',
  h: '#....|#....|#.##.|##..#|#...#|#...#|#...#',
  i: '..#..|.....|.##..|..#..|..#..|..#..|.###.',
  j: '...#.|.....|..##.|...#.|...#.|...#.|...#.|#..#.|.##..',
  k: '#....|#....|#..#.|#.#..|##...|#.#..|#..#.',
  l: '.##..|..#..|..#..|..#..|..#..|..#..|.###.',
  m: '.....|.....|##.#.|#.#.#|#.#.#|#.#.#|#.#.#',
  n: '.....|.....|#.##.|##..#|#...#|#...#|#...#',
  o: '.....|.....|.###.|#...#|#...#|#...#|.###.',
  p: '.....|.....|####.|#...#|#...#|#...#|####.|#....|#....',
  q: '.....|.....|.####|#...#|#...#|#...#|.####|....#|....#',
  r: '.....|.....|#.##.|##..#|#....|#....|#....',
  s: '.....|.....|.####|#....|.###.|....#|####.',
  t: '.#...|.#...|###..|.#...|.#...|.#..#|..##.',
  u: '.....|.....|#...#|#...#|#...#|#..##|.##.#',
  v: '.....|.....|#...#|#...#|#...#|.#.#.|..#..',
  w: '.....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.',
  x: '.....|.....|#...#|.#.#.|..#..|.#.#.|#...#',
  y: '.....|.....|#...#|#...#|#...#|#...#|.####|....#|.###.',
  z: '.....|.....|#####|...#.|..#..|.#...|#####',
  '.': '.....|.....|.....|.....|.....|.##..|.##..',
  ',': '.....|.....|.....|.....|.....|.##..|.##..|..#..|.#...',
  '-': '.....|.....|.....|.###.|.....|.....|.....',
  '+': '.....|..#..|..#..|#####|..#..|..#..|.....',
  _: '.....|.....|.....|.....|.....|.....|.....|#####',
  ':': '.....|.##..|.##..|.....|.##..|.##..|.....',
  '/': '.....|....#|...#.|..#..|.#...|#....|.....',
  '(': '...#.|..#..|.#...|.#...|.#...|..#..|...#.',
  ')': '.#...|..#..|...#.|...#.|...#.|..#..|.#...',
  '%': '##...|##..#|...#.|..#..|.#...|#..##|...##',
  '=': '.....|.....|#####|.....|#####|.....|.....',
  '[': '.###.|.#...|.#...|.#...|.#...|.#...|.###.',
  ']': '.###.|...#.|...#.|...#.|...#.|...#.|.###.',
  '!': '..#..|..#..|..#..|..#..|..#..|.....|..#..',
  '?': '.###.|#...#|....#|...#.|..#..|.....|..#..',
  "'": '..#..|..#..|.#...|.....|.....|.....|.....',
  '*': '.....|..#..|#.#.#|.###.|#.#.#|..#..|.....',
  '<': '...#.|..#..|.#...|#....|.#...|..#..|...#.',
  '>': '.#...|..#..|...#.|....#|...#.|..#..|.#...',
  '|': '..#..|..#..|..#..|..#..|..#..|..#..|..#..',
  '#': '.#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.',
};
/** Drawn for characters the font lacks. */
const MISSING = '#####|#...#|#...#|#...#|#...#|#...#|#####';

/** Rows above the baseline (cap height). */
export const GLYPH_ASCENT = 7;
/** Rows below the baseline used by descenders. */
const GLYPH_DESCENT = 2;
/** Horizontal advance per character, in font pixels (glyph + 1 column of spacing). */
const GLYPH_ADVANCE = 6;

/** Glyph bitmaps as rows of booleans, parsed once. */
const GLYPHS = new Map<string, boolean[][]>();
function parseGlyph(src: string): boolean[][] {
  return src.split('|').map((row) => [...row].map((c) => c === '#'));
}
for (const [ch, src] of Object.entries(GLYPH_SRC)) GLYPHS.set(ch, parseGlyph(src));
const MISSING_GLYPH = parseGlyph(MISSING);

export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ch);
}
/** The bitmap for `ch`; accented letters fall back to their base letter (e -> e), others to a box. */
export function glyph(ch: string): boolean[][] {
  return GLYPHS.get(ch) ?? GLYPHS.get(ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '')) ?? MISSING_GLYPH;
}

/** Width in pixels of `text` drawn at `scale` (no trailing spacing column). */
export function textWidth(text: string, scale: number): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}
/** Full line height (ascent + descent) at `scale`. */
export function textHeight(scale: number): number {
  return (GLYPH_ASCENT + GLYPH_DESCENT) * scale;
}

// ---------------------------------------------------------------------------------------------

/** An RGBA raster (alpha always 255) with a clip rectangle honoured by every drawing call. */
export class Canvas {
  readonly data: Uint8Array;
  private cx0 = 0;
  private cy0 = 0;
  private cx1: number;
  private cy1: number;

  constructor(readonly width: number, readonly height: number, background: RGB = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 4);
    this.cx1 = width;
    this.cy1 = height;
    this.fillRect(0, 0, width, height, background);
  }

  /** Restricts drawing to [x0, x1) x [y0, y1) (intersected with the canvas). */
  clip(x0: number, y0: number, x1: number, y1: number): void {
    this.cx0 = Math.max(0, Math.floor(x0));
    this.cy0 = Math.max(0, Math.floor(y0));
    this.cx1 = Math.min(this.width, Math.ceil(x1));
    this.cy1 = Math.min(this.height, Math.ceil(y1));
  }
  unclip(): void {
    this.cx0 = 0; this.cy0 = 0; this.cx1 = this.width; this.cy1 = this.height;
  }

  set(x: number, y: number, c: RGB): void {
    if (x < this.cx0 || y < this.cy0 || x >= this.cx1 || y >= this.cy1) return;
    const o = ((y | 0) * this.width + (x | 0)) * 4;
    const d = this.data;
    d[o] = c[0]; d[o + 1] = c[1]; d[o + 2] = c[2]; d[o + 3] = 255;
  }

  get(x: number, y: number): RGB {
    const o = (y * this.width + x) * 4;
    return [this.data[o]!, this.data[o + 1]!, this.data[o + 2]!];
  }

  /** Fills the w x h rectangle whose top-left pixel is (x, y); rounds to whole pixels. */
  fillRect(x: number, y: number, w: number, h: number, c: RGB): void {
    const x0 = Math.max(this.cx0, Math.round(x)), y0 = Math.max(this.cy0, Math.round(y));
    const x1 = Math.min(this.cx1, Math.round(x + w)), y1 = Math.min(this.cy1, Math.round(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    const d = this.data;
    const r = Math.round(c[0]), g = Math.round(c[1]), b = Math.round(c[2]);
    for (let yy = y0; yy < y1; yy++) {
      let o = (yy * this.width + x0) * 4;
      for (let xx = x0; xx < x1; xx++, o += 4) { d[o] = r; d[o + 1] = g; d[o + 2] = b; d[o + 3] = 255; }
    }
  }

  /** One-pixel outline of the rectangle with top-left (x, y) and size w x h. */
  strokeRect(x: number, y: number, w: number, h: number, c: RGB): void {
    this.fillRect(x, y, w, 1, c);
    this.fillRect(x, y + h - 1, w, 1, c);
    this.fillRect(x, y, 1, h, c);
    this.fillRect(x + w - 1, y, 1, h, c);
  }

  /** A straight line between pixel centres (Bresenham) drawn with a square brush `thick` pixels wide. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, thick = 1): void {
    if (!(Number.isFinite(x0) && Number.isFinite(y0) && Number.isFinite(x1) && Number.isFinite(y1))) return;
    // Lines far outside the clip rectangle: cut to a generous box so the walk stays short.
    const L = 4 * (this.width + this.height);
    if (Math.abs(x0) > L || Math.abs(y0) > L || Math.abs(x1) > L || Math.abs(y1) > L) {
      const cut = cutSegment(x0, y0, x1, y1, -L, -L, L, L);
      if (!cut) return;
      [x0, y0, x1, y1] = cut;
    }
    let ax = Math.round(x0), ay = Math.round(y0);
    const bx = Math.round(x1), by = Math.round(y1);
    const lo = -Math.floor((thick - 1) / 2);
    const dx = Math.abs(bx - ax), dy = -Math.abs(by - ay);
    const sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      if (thick <= 1) this.set(ax, ay, c);
      else this.fillRect(ax + lo, ay + lo, thick, thick, c);
      if (ax === bx && ay === by) break;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; ax += sx; }
      if (e2 <= dx) { err += dx; ay += sy; }
    }
  }

  /**
   * Draws `text` with its top-left cap-height corner at (x, y); descenders go below y + 7*scale.
   * `vertical` rotates it a quarter turn anticlockwise (reads bottom to top) with (x, y) then
   * being the bottom-left corner of the rotated cap box.
   */
  text(x: number, y: number, text: string, scale: number, c: RGB, vertical = false): void {
    x = Math.round(x); y = Math.round(y);
    let pen = 0;
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        for (let k = 0; k < row.length; k++) {
          if (!row[k]) continue;
          const tx = (pen + k) * scale, ty = r * scale;
          if (vertical) this.fillRect(x + ty, y - tx - scale, scale, scale, c);
          else this.fillRect(x + tx, y + ty, scale, scale, c);
        }
      }
      pen += GLYPH_ADVANCE;
    }
  }

  toPng(): Uint8Array {
    const png = new PNG({ width: this.width, height: this.height });
    png.data.set(this.data);
    // Opaque RGB with the Paeth filter only: about as small as the adaptive filter choice, and
    // twice as fast to encode.
    return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true, filterType: 4 });
  }
}

/** The part of segment (x0,y0)-(x1,y1) inside [xa, xb] x [ya, yb] (Liang-Barsky), or null. */
function cutSegment(x0: number, y0: number, x1: number, y1: number, xa: number, ya: number, xb: number, yb: number): [number, number, number, number] | null {
  const dx = x1 - x0, dy = y1 - y0;
  let t0 = 0, t1 = 1;
  const edges: [number, number][] = [[-dx, x0 - xa], [dx, xb - x0], [-dy, y0 - ya], [dy, yb - y0]];
  for (const [p, q] of edges) {
    if (p === 0) { if (q < 0) return null; continue; }
    const r = q / p;
    if (p < 0) { if (r > t1) return null; if (r > t0) t0 = r; } else { if (r < t0) return null; if (r < t1) t1 = r; }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

// ---------------------------------------------------------------------------------------------
// Axis ticks.

export interface Ticks { values: number[]; labels: string[] }

/** The 1, 2 or 5 x 10^k step nearest to span / target. */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  if (!(raw > 0) || !Number.isFinite(raw)) return NaN;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  const m = n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10;
  return m * mag;
}

/** Tick values at multiples of a 1-2-5 step inside [lo, hi], about `target` of them. */
export function linearTicks(lo: number, hi: number, target: number): Ticks {
  // A span that overflows a double (e.g. +-1e308) is measured in halves.
  const step = Number.isFinite(hi - lo) ? niceStep(hi - lo, target) : niceStep(hi / 2 - lo / 2, target / 2);
  if (!Number.isFinite(step) || !(hi > lo)) {
    const v = [lo, hi].filter((x, i, a) => Number.isFinite(x) && a.indexOf(x) === i);
    return { values: v, labels: v.map((x) => formatNumber(x)) };
  }
  const values: number[] = [];
  const k0 = Math.ceil(lo / step - 1e-9), k1 = Math.floor(hi / step + 1e-9);
  for (let k = k0; k <= k1 && values.length < 1000; k++) values.push(Number((k * step).toPrecision(12)));
  return { values, labels: formatTicks(values, step) };
}

/** Labels for ticks spaced `step` apart: fixed decimals implied by the step, or e-notation for huge/tiny values. */
export function formatTicks(values: number[], step: number): string[] {
  const e = Math.floor(Math.log10(step) + 1e-9);
  const decimals = Math.max(0, -e);
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const useExp = maxAbs >= 1e6 || decimals > 6;
  return values.map((v) => {
    if (Math.abs(v) < step * 1e-6) return useExp ? '0' : (0).toFixed(decimals);
    if (!useExp) return v.toFixed(decimals);
    const ve = Math.floor(Math.log10(Math.abs(v)) + 1e-9);
    return expString(v, Math.max(0, Math.min(15, ve - e)));
  });
}

function expString(v: number, digits: number): string {
  const [m0, x] = v.toExponential(digits).split('e');
  let m = m0!;
  if (m.includes('.')) m = m.replace(/\.?0+$/, '');
  const xe = Number(x);
  return xe === 0 ? m : `${m}e${xe}`;
}

/** A compact label for a lone value (up to 4 significant digits). */
function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return expString(v, 3);
  return String(Number(v.toPrecision(4)));
}

/** Label for a log-axis tick m x 10^k (m = 1, 2 or 5). */
function formatLogTick(v: number): string {
  const k = Math.floor(Math.log10(v) + 1e-9);
  if (k >= -4 && k <= 5) return v.toFixed(Math.max(0, -k));
  const m = Math.round(v / 10 ** k);
  return `${m}e${k}`;
}

/**
 * Ticks for a log axis covering log10-range [llo, lhi] (values returned in data units): decades
 * (thinned when there are many), with 2x and 5x added when fewer than two decades fit, and plain
 * linear ticks when the range is too narrow for either.
 */
export function logTicks(llo: number, lhi: number, target: number): Ticks {
  if (!(lhi > llo) || !Number.isFinite(llo) || !Number.isFinite(lhi)) return { values: [], labels: [] };
  const d0 = Math.ceil(llo - 1e-9), d1 = Math.floor(lhi + 1e-9);
  const inRange = (v: number) => { const l = Math.log10(v); return l >= llo - 1e-9 && l <= lhi + 1e-9; };
  let values: number[] = [];
  if (d1 - d0 + 1 >= 2) {
    const every = Math.max(1, Math.ceil((d1 - d0 + 1) / Math.max(2, target)));
    for (let k = d0; k <= d1 && values.length < 400; k++) if (k % every === 0) values.push(Number((10 ** k).toPrecision(12)));
    if (values.length < 2) values = [10 ** d0, 10 ** d1];
  } else {
    for (let k = Math.floor(llo); k <= Math.ceil(lhi); k++) {
      for (const m of [1, 2, 5]) {
        const v = Number((m * 10 ** k).toPrecision(12));
        if (inRange(v)) values.push(v);
      }
    }
  }
  if (values.length >= 2) return { values, labels: values.map(formatLogTick) };
  return linearTicks(10 ** llo, 10 ** lhi, Math.max(2, Math.min(target, 5)));
}
