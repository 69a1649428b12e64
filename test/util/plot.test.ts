import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { linePlotPng, melComparePng, type MelImage, type Series } from '../../src/util/plot.js';
import {
  colourMap, glyph, hasGlyph, linearTicks, logTicks, niceStep, formatTicks, textWidth, seriesColour, type RGB,
} from '../../src/util/raster.js';

// Colours the plots use for chrome (see src/util/plot.ts).
const AXIS: RGB = [70, 70, 70];
const TEXT: RGB = [25, 25, 25];
const LEGEND_BORDER: RGB = [180, 180, 180];

// Every image is written here so it can be looked at (PLOT_TEST_DIR=... to choose the folder).
const OUT = process.env.PLOT_TEST_DIR ?? mkdtempSync(path.join(tmpdir(), 'plot-test-'));
mkdirSync(OUT, { recursive: true });

interface Img { width: number; height: number; data: Uint8Array }
function decode(bytes: Uint8Array, name: string): Img {
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  writeFileSync(path.join(OUT, `${name}.png`), bytes);
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: png.data };
}
function px(img: Img, x: number, y: number): RGB {
  const o = (y * img.width + x) * 4;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}
const same = (a: RGB, b: RGB) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const luma = (c: RGB) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];

interface Box { x0: number; y0: number; x1: number; y1: number } // inclusive
function pixelsOf(img: Img, c: RGB, box?: Box): [number, number][] {
  const out: [number, number][] = [];
  const b = box ?? { x0: 0, y0: 0, x1: img.width - 1, y1: img.height - 1 };
  for (let y = b.y0; y <= b.y1; y++) for (let x = b.x0; x <= b.x1; x++) if (same(px(img, x, y), c)) out.push([x, y]);
  return out;
}
function bbox(pts: [number, number][]): Box {
  assert.ok(pts.length > 0, 'no pixels');
  return {
    x0: Math.min(...pts.map((p) => p[0])), y0: Math.min(...pts.map((p) => p[1])),
    x1: Math.max(...pts.map((p) => p[0])), y1: Math.max(...pts.map((p) => p[1])),
  };
}
/** The data area inside the axis frame, found by walking out from the image centre to the frame. */
function plotArea(img: Img): Box {
  const cx = Math.floor(img.width / 2), cy = Math.floor(img.height / 2);
  const walk = (dx: number, dy: number) => {
    let x = cx, y = cy;
    while (x >= 0 && y >= 0 && x < img.width && y < img.height && !same(px(img, x, y), AXIS)) { x += dx; y += dy; }
    assert.ok(x >= 0 && y >= 0 && x < img.width && y < img.height, 'frame not found');
    return dx ? x : y;
  };
  return { x0: walk(-1, 0) + 1, x1: walk(1, 0) - 1, y0: walk(0, -1) + 1, y1: walk(0, 1) - 1 };
}
/** Rows of column x whose colour is `c`, as their mean (the centre of a drawn line). */
function rowAt(img: Img, x: number, c: RGB, area: Box): number {
  const ys: number[] = [];
  for (let y = area.y0; y <= area.y1; y++) if (same(px(img, x, y), c)) ys.push(y);
  assert.ok(ys.length > 0, `series colour not in column ${x}`);
  return ys.reduce((a, b) => a + b, 0) / ys.length;
}

const range = (n: number, f: (i: number) => number): [number, number][] => Array.from({ length: n }, (_, i) => [i, f(i)]);

test('linePlotPng: PNG of the requested size, defaults 800x500', () => {
  const a = decode(linePlotPng([{ name: 'loss', points: range(50, (i) => 1 / (i + 1)) }]), 'size-default');
  assert.equal(a.width, 800);
  assert.equal(a.height, 500);
  const b = decode(linePlotPng([{ name: 'loss', points: range(50, (i) => i) }], { width: 640, height: 360 }), 'size-640');
  assert.deepEqual([b.width, b.height], [640, 360]);
});

test('linePlotPng: each series is drawn in its own colour inside the frame', () => {
  const series: Series[] = [
    { name: 'sin', points: range(200, (i) => Math.sin(i / 15)) },
    { name: 'cos', points: range(200, (i) => Math.cos(i / 15)) },
    { name: 'ramp', points: range(200, (i) => i / 100 - 1) },
  ];
  const img = decode(linePlotPng(series, { title: 'three series', xLabel: 'step', yLabel: 'value' }), 'three-series');
  const area = plotArea(img);
  assert.ok(area.x1 - area.x0 > 500 && area.y1 - area.y0 > 300, JSON.stringify(area));
  for (let k = 0; k < 3; k++) {
    const n = pixelsOf(img, seriesColour(k), area).length;
    assert.ok(n > 300, `series ${k}: ${n} pixels`);
  }
  assert.equal(pixelsOf(img, seriesColour(3), area).length, 0);
  assert.notDeepEqual(seriesColour(0), seriesColour(1));
});

test('linePlotPng: points land where the axes say (x exact range, y with a small margin)', () => {
  const img = decode(linePlotPng([{ name: 'diag', points: [[0, 0], [10, 10]] }]), 'diagonal');
  const area = plotArea(img);
  const w = area.x1 - area.x0, h = area.y1 - area.y0;
  const c = seriesColour(0);
  // y axis spans [-0.5, 10.5]: 5% margins.
  const expectRow = (y: number) => area.y1 - ((y + 0.5) / 11) * h;
  const tol = 0.02 * h + 3;
  for (const x of [0, 2.5, 5, 7.5, 10]) {
    const col = Math.round(area.x0 + (x / 10) * w);
    const row = rowAt(img, col, c, area);
    assert.ok(Math.abs(row - expectRow(x)) < tol, `x=${x}: row ${row}, expected ${expectRow(x)}`);
  }
  // A lone point sits in the middle of the (widened) axes, drawn as a marker.
  const one = decode(linePlotPng([{ name: 'one', points: [[3, 7]] }]), 'single-point');
  const a1 = plotArea(one);
  const legend = bbox(pixelsOf(one, LEGEND_BORDER));
  const b = bbox(pixelsOf(one, c, a1).filter(([x, y]) => x < legend.x0 || x > legend.x1 || y < legend.y0 || y > legend.y1));
  assert.ok(Math.abs((b.x0 + b.x1) / 2 - (a1.x0 + a1.x1) / 2) <= 1.5);
  assert.ok(Math.abs((b.y0 + b.y1) / 2 - (a1.y0 + a1.y1) / 2) <= 1.5);
  assert.ok(b.x1 - b.x0 >= 2 && b.x1 - b.x0 <= 8, 'marker is a small square');
});

test('linePlotPng: the legend box holds a swatch per series and the names as text', () => {
  const legendOf = (names: string[], file: string) => {
    const series = names.map((name, k) => ({ name, points: range(100, (i) => Math.sin(i / 10 + k)) as [number, number][] }));
    const img = decode(linePlotPng(series), file);
    const box = bbox(pixelsOf(img, LEGEND_BORDER));
    const inner = { x0: box.x0 + 1, y0: box.y0 + 1, x1: box.x1 - 1, y1: box.y1 - 1 };
    return { img, inner, text: pixelsOf(img, TEXT, inner).length };
  };
  const short = legendOf(['a', 'b'], 'legend-short');
  const long = legendOf(['train loss', 'validation loss'], 'legend-long');
  assert.ok(short.text > 10, `text pixels: ${short.text}`);
  assert.ok(long.text > 4 * short.text, `${long.text} vs ${short.text}`);
  for (let k = 0; k < 2; k++) assert.ok(pixelsOf(long.img, seriesColour(k), long.inner).length >= 18, `swatch ${k}`);
  // The names are laid out one per row: the text spans two rows' height.
  const tb = bbox(pixelsOf(long.img, TEXT, long.inner));
  assert.ok(tb.y1 - tb.y0 >= 14);
});

test('linePlotPng: title and axis labels are drawn outside the frame', () => {
  const s: Series[] = [{ name: 'x', points: range(20, (i) => i * i) }];
  const plain = decode(linePlotPng(s), 'no-title');
  const titled = decode(linePlotPng(s, { title: 'Loss curve', xLabel: 'step', yLabel: 'loss' }), 'titled');
  const aT = plotArea(titled);
  const above = (img: Img, a: Box) => pixelsOf(img, TEXT, { x0: 0, y0: 0, x1: img.width - 1, y1: a.y0 - 2 }).length;
  assert.equal(above(plain, plotArea(plain)), 0);
  assert.ok(above(titled, aT) > 50);
  // y label: text pixels in the leftmost strip, left of the tick labels.
  assert.ok(pixelsOf(titled, TEXT, { x0: 0, y0: aT.y0, x1: 16, y1: aT.y1 }).length > 20);
  // x label: text at the very bottom.
  assert.ok(pixelsOf(titled, TEXT, { x0: aT.x0, y0: titled.height - 16, x1: aT.x1, y1: titled.height - 1 }).length > 15);
});

test('linePlotPng: logY makes a geometric sequence straight and skips non-positive values', () => {
  const pts: [number, number][] = [[0, 1e-3], [1, 1e-2], [2, 1e-1], [3, 1], [4, 10], [5, 100], [6, 0], [7, -5]];
  const img = decode(linePlotPng([{ name: 'geo', points: pts }], { logY: true, title: 'log axis' }), 'log-y');
  const area = plotArea(img);
  const w = area.x1 - area.x0;
  const c = seriesColour(0);
  // x range is 0..5: the non-positive points (x=6, 7) were skipped entirely.
  const col = (x: number) => Math.round(area.x0 + (x / 5) * w);
  const r0 = rowAt(img, col(0), c, area), r5 = rowAt(img, col(5), c, area), rMid = rowAt(img, col(2.5), c, area);
  assert.ok(r0 > r5 + 200);
  assert.ok(Math.abs(rMid - (r0 + r5) / 2) < 4, `${rMid} vs ${(r0 + r5) / 2}`);
});

test('linePlotPng: degenerate inputs do not throw and still give a valid image', () => {
  const cases: [string, Series[], Parameters<typeof linePlotPng>[1]][] = [
    ['empty-list', [], { title: 'nothing' }],
    ['empty-series', [{ name: 'none', points: [] }], undefined],
    ['all-nan', [{ name: 'nan', points: [[0, NaN], [NaN, 1], [Infinity, 2], [3, -Infinity]] }], undefined],
    ['all-equal', [{ name: 'flat', points: range(100, () => 0.25) }], undefined],
    ['all-zero', [{ name: 'zero', points: range(10, () => 0) }], { logY: false }],
    ['same-x', [{ name: 'vertical', points: [[5, 1], [5, 2], [5, 3]] }], undefined],
    ['log-nonpositive', [{ name: 'neg', points: [[0, 0], [1, -1]] }], { logY: true }],
    ['log-equal', [{ name: 'c', points: [[0, 3], [1, 3]] }], { logY: true }],
    ['log-narrow', [{ name: 'c', points: [[0, 0.51], [1, 0.53]] }], { logY: true }],
    ['huge', [{ name: 'big', points: [[0, -1e308], [1, 1e308], [-1e308, 0]] }], undefined],
    ['tiny-span', [{ name: 't', points: [[0, 1], [1, 1 + 1e-15]] }], undefined],
    ['bad-size', [{ name: 'x', points: [[0, 1]] }], { width: NaN, height: -5 }],
    ['small', [{ name: 'x', points: range(10, (i) => i) }], { width: 90, height: 70, title: 'a very long title that cannot fit' }],
    ['odd-text', [{ name: 'ünïcode ✓ [ok]', points: range(5, (i) => i) }], { title: 'loss: 0.5% (train) é' }],
    ['many-series', Array.from({ length: 60 }, (_, k) => ({ name: `s${k}`, points: range(10, (i) => i * k) })), undefined],
  ];
  for (const [name, series, o] of cases) {
    let bytes: Uint8Array | undefined;
    assert.doesNotThrow(() => { bytes = linePlotPng(series, o); }, name);
    const img = decode(bytes!, `degenerate-${name}`);
    assert.ok(img.width >= 80 && img.height >= 60, name);
    plotArea(img); // a frame is always drawn
  }
  // NaN points are skipped, not fatal: the remaining ones are still joined.
  const img = decode(linePlotPng([{ name: 'gap', points: [[0, 0], [1, NaN], [2, 2], [3, Infinity], [4, 4]] }]), 'nan-skipped');
  const area = plotArea(img);
  assert.ok(pixelsOf(img, seriesColour(0), area).length > 200);
});

test('linePlotPng: 100k-point series are decimated per column, fast, and keep their extremes', () => {
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const noisy = range(100_000, (i) => Math.exp(-i / 30_000) + 0.05 * rnd());
  noisy[50_000]![1] = 3; // one spike must survive decimation
  const smooth = range(100_000, (i) => 0.5 + 0.3 * Math.sin(i / 5000));
  const series: Series[] = [{ name: 'noisy', points: noisy }, { name: 'smooth', points: smooth }];
  linePlotPng(series); // warm-up
  let best = Infinity, bytes: Uint8Array | undefined;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    bytes = linePlotPng(series, { title: '100k points' });
    best = Math.min(best, performance.now() - t);
  }
  assert.ok(best < 200, `took ${best.toFixed(1)} ms`);
  const img = decode(bytes!, 'long-series');
  const area = plotArea(img);
  const spike = bbox(pixelsOf(img, seriesColour(0), { ...area, x0: Math.round((area.x0 + area.x1) / 2) - 3, x1: Math.round((area.x0 + area.x1) / 2) + 3 }));
  assert.ok(spike.y0 < area.y0 + 0.06 * (area.y1 - area.y0), `spike top at ${spike.y0}`);
});

test('ticks: 1-2-5 steps, rounded labels, e-notation for extremes, log decades', () => {
  for (const span of [0.0007, 0.3, 1, 7, 13, 97, 1234, 5e7]) {
    for (const target of [3, 5, 8]) {
      const st = niceStep(span, target);
      const m = st / 10 ** Math.floor(Math.log10(st) + 1e-9);
      assert.ok([1, 2, 5, 10].some((v) => Math.abs(m - v) < 1e-9), `${span}/${target}: ${st}`);
    }
  }
  assert.deepEqual(linearTicks(0, 1, 5).labels, ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  assert.deepEqual(linearTicks(-0.5, 10.5, 5).labels, ['0', '2', '4', '6', '8', '10']);
  assert.deepEqual(linearTicks(0, 97, 5).values, [0, 20, 40, 60, 80]);
  assert.deepEqual(linearTicks(0.1, 0.35, 5).labels, ['0.10', '0.15', '0.20', '0.25', '0.30', '0.35']);
  assert.deepEqual(linearTicks(-1, 1, 4).labels, ['-1.0', '-0.5', '0.0', '0.5', '1.0']);
  assert.deepEqual(formatTicks([0, 2e6, 4e6], 2e6), ['0', '2e6', '4e6']);
  assert.deepEqual(formatTicks([1.5e-8, 2e-8], 5e-9), ['1.5e-8', '2e-8']);
  assert.deepEqual(logTicks(-3, 2, 8).labels, ['0.001', '0.01', '0.1', '1', '10', '100']);
  assert.deepEqual(logTicks(-0.1, 0.8, 5).values, [1, 2, 5]);
  assert.deepEqual(logTicks(-12, -6, 8).labels, ['1e-12', '1e-11', '1e-10', '1e-9', '1e-8', '1e-7', '1e-6']);
  assert.ok(logTicks(-20, 20, 5).values.length <= 6);
  assert.deepEqual(linearTicks(-1.1e308, 1.1e308, 4).labels, ['-1e308', '-5e307', '0', '5e307', '1e308']);
  assert.ok(logTicks(Math.log10(0.51), Math.log10(0.53), 5).values.length >= 2);
});

test('font: every glyph the plots need exists, 5 columns wide, 7 rows plus optional descenders', () => {
  const needed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,-+_:/()%= ';
  for (const ch of needed) {
    assert.ok(hasGlyph(ch), `missing ${JSON.stringify(ch)}`);
    const g = glyph(ch);
    assert.ok(g.length === 7 || g.length === 8 || g.length === 9, `${ch}: ${g.length} rows`);
    for (const row of g) assert.equal(row.length, 5, ch);
    if (ch !== ' ') assert.ok(g.some((r) => r.some(Boolean)), `${ch} is blank`);
  }
  assert.deepEqual(glyph('é'), glyph('e'));
  assert.deepEqual(glyph('Ü'), glyph('U'));
  assert.deepEqual(glyph('✓'), glyph('\u2603')); // unknown characters share the box
  // Distinct characters have distinct bitmaps.
  const seen = new Map<string, string>();
  for (const ch of needed) {
    const key = glyph(ch).map((r) => r.map((b) => (b ? '#' : '.')).join('')).join('|');
    assert.ok(!seen.has(key), `${ch} looks like ${seen.get(key)}`);
    seen.set(key, ch);
  }
  assert.equal(textWidth('', 2), 0);
  assert.equal(textWidth('ab', 1), 11);
  assert.equal(textWidth('ab', 3), 33);
});

// --- melComparePng ---------------------------------------------------------------------------------

/** Inverse of the colour map: the map position of a pixel colour, or undefined if it is not one. */
const CMAP = Array.from({ length: 1001 }, (_, i) => colourMap(i / 1000).map(Math.round) as unknown as RGB);
function cmapValue(c: RGB): number | undefined {
  let best = Infinity, at = -1;
  for (let i = 0; i < CMAP.length; i++) {
    const d = Math.abs(CMAP[i]![0] - c[0]) + Math.abs(CMAP[i]![1] - c[1]) + Math.abs(CMAP[i]![2] - c[2]);
    if (d < best) { best = d; at = i; }
  }
  return best <= 3 ? at / 1000 : undefined;
}
/** Colour-map values down column x as [y, value] (skipping chrome). */
function columnValues(img: Img, x: number, y0 = 0, y1 = img.height - 1): [number, number][] {
  const out: [number, number][] = [];
  for (let y = y0; y <= y1; y++) { const v = cmapValue(px(img, x, y)); if (v !== undefined) out.push([y, v]); }
  return out;
}
function mel(title: string, frames: number, nMels: number, f: (t: number, m: number) => number): MelImage {
  const data = new Float32Array(frames * nMels);
  for (let t = 0; t < frames; t++) for (let m = 0; m < nMels; m++) data[t * nMels + m] = f(t, m);
  return { title, data, frames, nMels };
}

test('melComparePng: low bins at the bottom, colour rising with the value', () => {
  const ramp = mel('ramp over bins', 120, 80, (_t, m) => -6 + (7 * m) / 79);
  const img = decode(melComparePng([ramp], { width: 700 }), 'mel-ramp');
  assert.equal(img.width, 700);
  // The colour bar sits at the right; a column in the middle of the image crosses only the panel.
  const col = columnValues(img, 300);
  assert.ok(col.length >= 150, `${col.length} mel pixels`);
  for (let i = 1; i < col.length; i++) assert.ok(col[i]![1] <= col[i - 1]![1] + 1e-9, 'values fall towards the bottom');
  assert.ok(col[0]![1] > 0.97 && col[col.length - 1]![1] < 0.03);
  assert.ok(luma(px(img, 300, col[0]![0])) > luma(px(img, 300, col[col.length - 1]![0])) + 150);
});

test('melComparePng: panels share one colour scale; the louder one is brighter', () => {
  const quiet = mel('quiet', 50, 40, () => -5);
  const loud = mel('loud', 50, 40, () => 0);
  const img = decode(melComparePng([quiet, loud]), 'mel-two');
  const col = columnValues(img, 300);
  const mid = (col[0]![0] + col[col.length - 1]![0]) / 2;
  const top = col.filter(([y]) => y < mid), bottom = col.filter(([y]) => y > mid);
  assert.ok(top.length > 30 && bottom.length > 30);
  for (const [, v] of top) assert.ok(v < 0.01); // vmin = -5
  for (const [, v] of bottom) assert.ok(v > 0.99); // vmax = 0
  assert.ok(luma(px(img, 300, bottom[0]![0])) > luma(px(img, 300, top[0]![0])) + 150);
  // With a fixed scale -6..1 both sit inside the map at (v + 6) / 7.
  const fixed = decode(melComparePng([quiet, loud], { vmin: -6, vmax: 1 }), 'mel-two-fixed');
  const fc = columnValues(fixed, 300);
  assert.ok(Math.abs(fc[0]![1] - 1 / 7) < 0.01, `${fc[0]![1]}`);
  assert.ok(Math.abs(fc[fc.length - 1]![1] - 6 / 7) < 0.01);
});

test('melComparePng: a hot cell lands at its frame (left-right) and bin (bottom-up)', () => {
  const spot = mel('spot', 100, 80, (t, m) => (t >= 20 && t < 30 && m >= 60 && m < 70 ? 1 : -5));
  const img = decode(melComparePng([spot, mel('flat', 100, 80, () => -5)], { width: 900 }), 'mel-spot');
  const hot: [number, number][] = [];
  const top = colourMap(1).map(Math.round) as unknown as RGB;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width - 80; x++) if (same(px(img, x, y), top)) hot.push([x, y]);
  const hb = bbox(hot);
  // The panel image: all colour-mapped pixels of the middle column belonging to the first panel.
  const col = columnValues(img, Math.round((hb.x0 + hb.x1) / 2));
  const panelTop = col[0]![0];
  // 80 bins x 2 rows: bins 60..69 occupy rows panelTop + (79-69)*2 .. panelTop + (80-60)*2 - 1.
  assert.equal(hb.y0, panelTop + 20);
  assert.equal(hb.y1, panelTop + 39);
  // Frames 20..29 of 100: 10% of the width starting at 20%.
  const left = (() => { let x = hb.x0; while (cmapValue(px(img, x - 1, hb.y0 + 2)) !== undefined) x--; return x; })();
  const right = (() => { let x = hb.x1; while (cmapValue(px(img, x + 1, hb.y0 + 2)) !== undefined) x++; return x; })();
  const w = right - left + 1;
  assert.ok(Math.abs(hb.x0 - left - 0.2 * w) <= 1.5, `${hb.x0 - left} vs ${0.2 * w}`);
  assert.ok(Math.abs(hb.x1 + 1 - left - 0.3 * w) <= 1.5);
});

test('melComparePng: degenerate inputs do not throw', () => {
  const cases: [string, MelImage[], Parameters<typeof melComparePng>[1]][] = [
    ['none', [], undefined],
    ['zero-frames', [{ title: 'empty', data: new Float32Array(0), frames: 0, nMels: 80 }], undefined],
    ['zero-mels', [{ title: 'no bins', data: new Float32Array(0), frames: 10, nMels: 0 }], undefined],
    ['short-data', [{ title: 'short', data: new Float32Array(100).fill(-2), frames: 50, nMels: 80 }], undefined],
    ['nan', [mel('nan', 30, 20, (t) => (t % 2 ? NaN : -3)), mel('inf', 30, 20, () => Infinity)], undefined],
    ['all-nan', [mel('all nan', 30, 20, () => NaN)], undefined],
    ['constant', [mel('const', 30, 20, () => -4)], undefined],
    ['reversed-scale', [mel('rev', 30, 20, (t) => t / 10)], { vmin: 1, vmax: -6 }],
    ['only-vmin', [mel('lo', 30, 20, () => -8)], { vmin: -4 }],
    ['lengths-differ', [mel('long', 300, 80, (t, m) => Math.sin(t / 9) - m / 40), mel('short', 120, 80, (t, m) => Math.cos(t / 7) - m / 40)], undefined],
    ['narrow', [mel('n', 500, 128, (t, m) => (t * m) % 7 - 6)], { width: 60 }],
    ['tall', [mel('one bin', 10, 1, (t) => t)], undefined],
  ];
  for (const [name, mels, o] of cases) {
    let bytes: Uint8Array | undefined;
    assert.doesNotThrow(() => { bytes = melComparePng(mels, o); }, name);
    const img = decode(bytes!, `mel-degenerate-${name}`);
    assert.ok(img.width >= 60 && img.height >= 20, name);
  }
});

test('melComparePng: a 1000-frame comparison renders quickly', () => {
  const a = mel('target', 1000, 80, (t, m) => Math.sin(t / 30 + m / 10) * 3 - 3);
  const b = mel('prediction', 1000, 80, (t, m) => Math.sin(t / 30 + m / 10 + 0.3) * 3 - 3);
  const t0 = performance.now();
  const bytes = melComparePng([a, b]);
  const ms = performance.now() - t0;
  decode(bytes, 'mel-1000');
  assert.ok(ms < 500, `${ms.toFixed(1)} ms`);
});
