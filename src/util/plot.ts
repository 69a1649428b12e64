// PNG plots for training runs: line charts of scalar series (loss curves and the like) and
// stacks of log-mel spectrograms on one colour scale. Pure TypeScript on top of ./raster.ts
// (canvas, 5x7 bitmap font, ticks); pngjs only encodes the result.
import {
  Canvas, colourMap, seriesColour, textWidth, textHeight, GLYPH_ASCENT, linearTicks, logTicks,
  type RGB, type Ticks,
} from './raster.js';

export interface Series { name: string; points: [number, number][] }
export interface LinePlotOptions { title?: string; xLabel?: string; yLabel?: string; logY?: boolean; width?: number; height?: number }
export interface MelImage { title: string; data: Float32Array; frames: number; nMels: number }

const BG: RGB = [255, 255, 255];
const TEXT: RGB = [25, 25, 25];
const AXIS: RGB = [70, 70, 70];
const GRID: RGB = [232, 232, 232];
const LEGEND_BORDER: RGB = [180, 180, 180];
const MUTED: RGB = [140, 140, 140];
/** Mel cells with no finite value, and time beyond a shorter spectrogram's end. */
const NO_DATA: RGB = [225, 225, 225];

/** Series with at most this many drawable points also get a marker on each point. */
const MARKER_MAX_POINTS = 40;

function dim(v: number | undefined, def: number, min: number): number {
  if (v === undefined || !Number.isFinite(v)) return def;
  return Math.max(min, Math.min(8192, Math.round(v)));
}

/** Maps [lo, hi] -> [0, 1] without overflowing when the two are near +-Number.MAX_VALUE. */
function unit(v: number, lo: number, hi: number): number {
  return (v * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5);
}

/** Axis range from the data extent: degenerate extents are widened, then `frac` of the span is added each side. */
function axisRange(lo: number, hi: number, frac: number, isLog: boolean): [number, number] {
  if (!(hi >= lo)) return [0, 1]; // no data (in log units that is 1..10)
  const half = hi * 0.5 - lo * 0.5;
  if (half === 0 || half < Math.max(Math.abs(lo), Math.abs(hi)) * 5e-13) {
    const d = isLog ? 0.5 : lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  return [lo - half * (2 * frac), hi + half * (2 * frac)];
}

/** Draws `text` centred on x (clamped into the canvas). */
function centredText(c: Canvas, cx: number, y: number, text: string, scale: number, col: RGB): void {
  const w = textWidth(text, scale);
  const x = Math.max(0, Math.min(c.width - w, Math.round(cx - w / 2)));
  c.text(x, y, text, scale, col);
}

/** Indices of labels that can be drawn without overlapping the previous drawn one (greedy, in order). */
function nonOverlapping(pos: number[], sizes: number[], gap: number): Set<number> {
  const keep = new Set<number>();
  let lastEnd = -Infinity;
  const order = pos.map((_, i) => i).sort((a, b) => pos[a]! - pos[b]!);
  for (const i of order) {
    const start = pos[i]! - sizes[i]! / 2;
    if (start >= lastEnd + gap) { keep.add(i); lastEnd = pos[i]! + sizes[i]! / 2; }
  }
  return keep;
}

/** Line chart as PNG bytes: axes with tick labels, one colour per series, a legend with the series names, title. */
export function linePlotPng(series: Series[], o: LinePlotOptions = {}): Uint8Array {
  const W = dim(o.width, 800, 80), H = dim(o.height, 500, 60);
  const logY = o.logY === true;
  const list = Array.isArray(series) ? series : [];
  const s = Math.max(1, Math.floor(Math.min(W, H * 1.6) / 640)); // text scale
  const pad = 6 * s, tick = 4 * s, th = textHeight(s);
  const lw = s >= 2 ? 3 : 2;

  const ok = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0);
  const Y = logY ? Math.log10 : (y: number) => y;

  // Data extent (non-finite points, and non-positive ones on a log axis, are skipped).
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity, total = 0;
  for (const se of list) {
    for (const p of se?.points ?? []) {
      if (!p) continue;
      const x = p[0], y = p[1];
      if (!ok(x, y)) continue;
      const yy = Y(y);
      if (x < xlo) xlo = x;
      if (x > xhi) xhi = x;
      if (yy < ylo) ylo = yy;
      if (yy > yhi) yhi = yy;
      total++;
    }
  }
  [xlo, xhi] = axisRange(xlo, xhi, 0, false);
  [ylo, yhi] = axisRange(ylo, yhi, 0.05, logY);

  // Vertical layout first (y ticks depend on the plot height only), then the left margin from the
  // widest y label, then x ticks for the resulting width.
  const title = o.title ?? '';
  let ts = s + 1;
  if (textWidth(title, ts) > W - 2 * pad) ts = s;
  const top = title ? pad + textHeight(ts) + pad : 2 * pad;
  const bottom = tick + pad / 2 + th + (o.xLabel ? pad + th : 0) + pad;
  const y0 = top;
  const plotH = Math.max(10, H - top - bottom);
  const yTarget = Math.max(2, Math.floor(plotH / (45 * s)));
  const yt: Ticks = logY ? logTicks(ylo, yhi, yTarget) : linearTicks(ylo, yhi, yTarget);
  const yLabW = Math.max(0, ...yt.labels.map((l) => textWidth(l, s)));
  const left = pad + (o.yLabel ? th + pad : 0) + yLabW + Math.round(pad / 2) + tick;
  const x0 = left;

  let right = 2 * pad;
  let plotW = Math.max(10, W - left - right);
  const xTicksFor = (w: number) => linearTicks(xlo, xhi, Math.max(2, Math.floor(w / (70 * s))));
  let xt = xTicksFor(plotW);
  const lastW = xt.labels.length ? textWidth(xt.labels[xt.labels.length - 1]!, s) : 0;
  right = Math.max(2 * pad, Math.ceil(lastW / 2) + 4);
  plotW = Math.max(10, W - left - right);
  xt = xTicksFor(plotW);

  const px = (x: number) => x0 + unit(x, xlo, xhi) * (plotW - 1);
  const py = (yy: number) => y0 + (1 - unit(yy, ylo, yhi)) * (plotH - 1);

  const c = new Canvas(W, H, BG);

  // Grid.
  for (const v of xt.values) c.fillRect(Math.round(px(v)), y0, 1, plotH, GRID);
  for (const v of yt.values) c.fillRect(x0, Math.round(py(Y(v))), plotW, 1, GRID);

  // Series, decimated per pixel column: for each run of points in one column, a vertical span
  // from their min to max y, joined to the previous column's last point.
  c.clip(x0, y0, x0 + plotW, y0 + plotH);
  list.forEach((se, k) => {
    const col = seriesColour(k);
    const pts = se?.points ?? [];
    let cur = NaN, fy = 0, ly = 0, mn = 0, mx = 0, prevX = 0, prevY = 0, havePrev = false, n = 0;
    const flush = () => {
      if (havePrev) c.line(prevX, prevY, cur, fy, col, lw);
      c.line(cur, mn, cur, mx, col, lw);
      prevX = cur; prevY = ly; havePrev = true;
    };
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i];
      if (!p) continue;
      const x = p[0], y = p[1];
      if (!ok(x, y)) continue;
      n++;
      const X = Math.round(px(x)), Yp = Math.round(py(Y(y)));
      if (X === cur) {
        ly = Yp;
        if (Yp < mn) mn = Yp;
        if (Yp > mx) mx = Yp;
      } else {
        if (cur === cur) flush(); // cur is not NaN
        cur = X; fy = ly = mn = mx = Yp;
      }
    }
    if (cur === cur) flush();
    if (n > 0 && n <= MARKER_MAX_POINTS) {
      const r = lw;
      for (const p of pts) {
        if (!p || !ok(p[0], p[1])) continue;
        c.fillRect(Math.round(px(p[0])) - r, Math.round(py(Y(p[1]))) - r, 2 * r + 1, 2 * r + 1, col);
      }
    }
  });
  c.unclip();

  if (total === 0) {
    const msg = 'no data';
    centredText(c, x0 + plotW / 2, y0 + plotH / 2 - (GLYPH_ASCENT * (s + 1)) / 2, msg, s + 1, MUTED);
  }

  // Frame, ticks and tick labels.
  c.strokeRect(x0 - 1, y0 - 1, plotW + 2, plotH + 2, AXIS);
  const xPos = xt.values.map(px);
  const xKeep = nonOverlapping(xPos, xt.labels.map((l) => textWidth(l, s)), 2 * pad);
  xt.values.forEach((_, i) => {
    const x = Math.round(xPos[i]!);
    c.fillRect(x, y0 + plotH + 1, 1, tick, AXIS);
    if (xKeep.has(i)) centredText(c, x, y0 + plotH + 1 + tick + Math.round(pad / 2), xt.labels[i]!, s, TEXT);
  });
  const yPos = yt.values.map((v) => py(Y(v)));
  const yKeep = nonOverlapping(yPos, yt.labels.map(() => GLYPH_ASCENT * s), s * 3);
  yt.values.forEach((_, i) => {
    const y = Math.round(yPos[i]!);
    c.fillRect(x0 - 1 - tick, y, tick, 1, AXIS);
    if (!yKeep.has(i)) return;
    const l = yt.labels[i]!;
    c.text(x0 - 1 - tick - Math.round(pad / 2) - textWidth(l, s), y - Math.floor((GLYPH_ASCENT * s) / 2), l, s, TEXT);
  });

  // Axis labels and title.
  if (o.xLabel) centredText(c, x0 + plotW / 2, H - pad - th, o.xLabel, s, TEXT);
  if (o.yLabel) {
    const w = textWidth(o.yLabel, s);
    c.text(pad, Math.min(H - 1, Math.round(y0 + plotH / 2 + w / 2)), o.yLabel, s, TEXT, true);
  }
  if (title) centredText(c, x0 + plotW / 2, pad, title, ts, TEXT);

  if (list.length > 0) drawLegend(c, list, { x0, y0, w: plotW, h: plotH }, s, lw);
  return c.toPng();
}

/** The legend goes in whichever corner of the plot area covers the fewest drawn data pixels. */
function drawLegend(c: Canvas, list: Series[], area: { x0: number; y0: number; w: number; h: number }, s: number, lw: number): void {
  const p2 = 5 * s, sw = 18 * s, rowH = textHeight(s) + 3 * s, m = 6 * s;
  const maxChars = Math.max(4, Math.floor((area.w * 0.6 - sw - 3 * p2) / (6 * s)));
  const label = (t: string) => {
    const chars = [...String(t ?? '')];
    return chars.length > maxChars ? chars.slice(0, maxChars - 2).join('') + '..' : chars.join('');
  };
  const maxRows = Math.max(1, Math.floor((area.h - 2 * m - 2 * p2 + 3 * s) / rowH));
  let entries = list.map((se, k) => ({ text: label(se?.name ?? ''), colour: seriesColour(k) as RGB | null }));
  if (entries.length > maxRows) {
    const more = entries.length - (maxRows - 1);
    entries = [...entries.slice(0, maxRows - 1), { text: `+${more} more`, colour: null }];
  }
  const textW = Math.max(0, ...entries.map((e) => textWidth(e.text, s)));
  const bw = p2 + sw + p2 + textW + p2;
  const bh = 2 * p2 + entries.length * rowH - 3 * s;
  const xs = [area.x0 + area.w - m - bw, area.x0 + m];
  const ys = [area.y0 + m, area.y0 + area.h - m - bh];
  const corners = [[xs[0]!, ys[0]!], [xs[1]!, ys[0]!], [xs[0]!, ys[1]!], [xs[1]!, ys[1]!]] as const;
  let best = corners[0], bestInk = Infinity;
  for (const [bx, by] of corners) {
    let ink = 0;
    for (let y = Math.max(0, by); y < Math.min(c.height, by + bh); y++) {
      for (let x = Math.max(0, bx); x < Math.min(c.width, bx + bw); x++) {
        const o = (y * c.width + x) * 4;
        const r = c.data[o]!, g = c.data[o + 1]!, b = c.data[o + 2]!;
        if (!(r === g && g === b && r >= GRID[0])) ink++; // neither background nor grid
      }
    }
    if (ink < bestInk) { bestInk = ink; best = [bx, by]; }
  }
  const [bx, by] = best;
  c.fillRect(bx, by, bw, bh, BG);
  c.strokeRect(bx, by, bw, bh, LEGEND_BORDER);
  entries.forEach((e, i) => {
    const y = by + p2 + i * rowH;
    if (e.colour) c.fillRect(bx + p2, y + Math.round((GLYPH_ASCENT * s) / 2) - Math.floor(lw / 2), sw, lw, e.colour);
    c.text(bx + p2 + sw + p2, y, e.text, s, e.colour ? TEXT : MUTED);
  });
}

/** Mel-spectrograms stacked vertically (low frequencies at the bottom), each with its title, sharing one colour scale. */
export function melComparePng(mels: MelImage[], o: { width?: number; vmin?: number; vmax?: number } = {}): Uint8Array {
  const W = dim(o.width, 800, 120);
  const s = 1, pad = 6, tick = 3, th = textHeight(s);
  const ts = W >= 480 ? 2 : 1;
  const list = (Array.isArray(mels) ? mels : []).map((m) => {
    const frames = Number.isFinite(m?.frames) ? Math.max(0, Math.floor(m.frames)) : 0;
    const nMels = Number.isFinite(m?.nMels) ? Math.max(0, Math.floor(m.nMels)) : 0;
    const data = m?.data instanceof Float32Array ? m.data : new Float32Array(0);
    return { title: String(m?.title ?? ''), frames, nMels, data };
  });
  if (list.length === 0) {
    const c = new Canvas(W, 40, BG);
    centredText(c, W / 2, 16, 'no spectrograms', s, MUTED);
    return c.toPng();
  }

  // One colour scale for all panels: the options, else the finite data extent.
  let lo = Infinity, hi = -Infinity;
  for (const m of list) {
    const n = Math.min(m.data.length, m.frames * m.nMels);
    for (let i = 0; i < n; i++) {
      const v = m.data[i]!;
      if (v < lo) lo = v; // NaN compares false both ways
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) { lo = -6; hi = 1; }
  let vmin = Number.isFinite(o.vmin) ? o.vmin! : lo;
  let vmax = Number.isFinite(o.vmax) ? o.vmax! : hi;
  if (Number.isFinite(o.vmin) !== Number.isFinite(o.vmax) && !(vmax > vmin)) {
    if (Number.isFinite(o.vmin)) vmax = vmin + 1; else vmin = vmax - 1;
  }
  if (vmax < vmin) [vmin, vmax] = [vmax, vmin];
  if (vmax - vmin < 1e-12 * Math.max(1, Math.abs(vmin))) { vmin -= 0.5; vmax += 0.5; }
  const norm = (v: number) => (v - vmin) / (vmax - vmin);

  const maxFrames = Math.max(1, ...list.map((m) => m.frames));
  const maxBins = Math.max(1, ...list.map((m) => m.nMels));
  const rowScale = Math.max(1, Math.min(8, Math.floor(200 / maxBins)));

  const binLabW = textWidth(String(maxBins - 1), s);
  const left = pad + th + pad + binLabW + 2 + tick;
  const cbTicks = linearTicks(vmin, vmax, 5);
  const cbLabW = Math.max(0, ...cbTicks.labels.map((l) => textWidth(l, s)));
  const cbGap = 12, cbW = 14;
  const right = cbGap + cbW + tick + 3 + cbLabW + pad;
  const imgW = Math.max(10, W - left - right);
  const titleH = textHeight(ts) + 4;
  const panelImgH = (m: { nMels: number }) => Math.max(rowScale, m.nMels * rowScale);

  // Vertical layout.
  const tops: number[] = [];
  let y = pad;
  for (const m of list) {
    y += titleH;
    tops.push(y);
    y += panelImgH(m) + 2 * pad + 2;
  }
  y -= 2 * pad;
  const axisY = y; // below the last frame
  const H = axisY + tick + 2 + th + pad + th + pad;

  const c = new Canvas(W, H, BG);
  const x0 = left;
  list.forEach((m, p) => {
    const top = tops[p]!, h = panelImgH(m), bottom = top + h;
    c.text(x0, top - titleH, m.title, ts, TEXT);
    for (let x = 0; x < imgW; x++) {
      const f0 = Math.floor((x * maxFrames) / imgW);
      if (f0 >= m.frames || m.nMels === 0) { c.fillRect(x0 + x, top, 1, h, NO_DATA); continue; }
      const f1 = Math.min(m.frames, Math.max(f0 + 1, Math.floor(((x + 1) * maxFrames) / imgW)));
      for (let b = 0; b < m.nMels; b++) {
        let sum = 0, cnt = 0;
        for (let f = f0; f < f1; f++) {
          const v = m.data[f * m.nMels + b];
          if (v !== undefined && Number.isFinite(v)) { sum += v; cnt++; }
        }
        c.fillRect(x0 + x, bottom - (b + 1) * rowScale, 1, rowScale, cnt ? colourMap(norm(sum / cnt)) : NO_DATA);
      }
    }
    c.strokeRect(x0 - 1, top - 1, imgW + 2, h + 2, AXIS);
    // Mel-bin ticks (bin b's row centre).
    if (m.nMels > 0) {
      const bt = linearTicks(0, Math.max(1, m.nMels - 1), Math.max(2, Math.floor(h / 35)));
      const keep = bt.values.map((v, i) => [v, bt.labels[i]!] as const).filter(([v]) => Number.isInteger(v) && v < m.nMels);
      for (const [v, l] of keep) {
        const yy = Math.round(bottom - (v + 0.5) * rowScale);
        c.fillRect(x0 - 1 - tick, yy, tick, 1, AXIS);
        c.text(x0 - 1 - tick - 2 - textWidth(l, s), yy - 3, l, s, TEXT);
      }
    }
  });
  // "mel bin" along the left, centred on the stack.
  const stackTop = tops[0]!, stackBot = axisY - 2;
  const yl = 'mel bin';
  c.text(pad, Math.round((stackTop + stackBot) / 2 + textWidth(yl, s) / 2), yl, s, TEXT, true);

  // Frame ticks under the last panel (all panels share the time axis).
  const ft = linearTicks(0, maxFrames, Math.max(2, Math.floor(imgW / 70)));
  const fv = ft.values.map((v, i) => [v, ft.labels[i]!] as const).filter(([v]) => Number.isInteger(v));
  for (const [v, l] of fv) {
    const xx = Math.min(x0 + imgW, Math.round(x0 + (v / maxFrames) * imgW));
    c.fillRect(xx, axisY, 1, tick, AXIS);
    centredText(c, xx, axisY + tick + 2, l, s, TEXT);
  }
  centredText(c, x0 + imgW / 2, axisY + tick + 2 + th + pad - 2, 'frame', s, TEXT);

  // Shared colour bar spanning the whole stack.
  const cbX = x0 + imgW + 1 + cbGap, cbTop = stackTop, cbH = Math.max(2, stackBot - stackTop);
  for (let yy = 0; yy < cbH; yy++) c.fillRect(cbX, cbTop + yy, cbW, 1, colourMap(1 - yy / (cbH - 1)));
  c.strokeRect(cbX - 1, cbTop - 1, cbW + 2, cbH + 2, AXIS);
  cbTicks.values.forEach((v, i) => {
    const yy = Math.round(cbTop + (1 - norm(v)) * (cbH - 1));
    c.fillRect(cbX + cbW + 1, yy, tick, 1, AXIS);
    c.text(cbX + cbW + 1 + tick + 3, yy - 3, cbTicks.labels[i]!, s, TEXT);
  });
  return c.toPng();
}
