// Loss curves as a PNG (pngjs, no other dependency): stacked panels, one or more series each, with
// a legend, axis ranges and a small built-in bitmap font. Noisy series are drawn faintly with an
// exponential moving average on top.
import { PNG } from 'pngjs';

export interface Series {
  name: string;
  points: [number, number][];
}

export interface Panel {
  title: string;
  series: Series[];
  logY?: boolean;
}

export interface PlotOptions {
  width?: number;
  panelHeight?: number;
  /** EMA weight of the previous value for the smoothed line (0 = no smoothing). */
  smoothing?: number;
}

// 3x5 glyphs, rows top to bottom, '1' = ink.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001001001001', '8': '111101111101111', '9': '111101111001111',
  A: '010101111101101', B: '110101110101110', C: '011100100100011', D: '110101101101110', E: '111100110100111',
  F: '111100110100100', G: '011100101101011', H: '101101111101101', I: '111010010010111', J: '001001001101010',
  K: '101101110101101', L: '100100100100111', M: '101111111101101', N: '110101101101101', O: '010101101101010',
  P: '110101110100100', Q: '010101101110011', R: '110101110101101', S: '011100010001110', T: '111010010010010',
  U: '101101101101111', V: '101101101101010', W: '101101111111101', X: '101101010101101', Y: '101101010010010',
  Z: '111001010100111', '.': '000000000000010', '-': '000000111000000', _: '000000000000111', ':': '000010000010000',
  '/': '001001010100100', '+': '000010111010000', '(': '001010010010001', ')': '100010010010100', '=': '000111000111000',
  ' ': '000000000000000',
};

const PALETTE: [number, number, number][] = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [255, 127, 14], [148, 103, 189], [140, 86, 75], [23, 190, 207]];

class Canvas {
  readonly png: PNG;
  constructor(readonly width: number, readonly height: number) {
    this.png = new PNG({ width, height });
    this.png.data.fill(255);
  }

  set(x: number, y: number, c: [number, number, number], alpha = 1): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    const d = this.png.data;
    d[o] = Math.round(d[o]! * (1 - alpha) + c[0] * alpha);
    d[o + 1] = Math.round(d[o + 1]! * (1 - alpha) + c[1] * alpha);
    d[o + 2] = Math.round(d[o + 2]! * (1 - alpha) + c[2] * alpha);
    d[o + 3] = 255;
  }

  line(x0: number, y0: number, x1: number, y1: number, c: [number, number, number], alpha = 1): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) this.set(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, c, alpha);
  }

  rect(x0: number, y0: number, x1: number, y1: number, c: [number, number, number]): void {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) this.set(x, y, c);
  }

  text(x: number, y: number, s: string, c: [number, number, number] = [0, 0, 0], scale = 2): number {
    for (const ch of s.toUpperCase()) {
      const g = GLYPHS[ch] ?? GLYPHS['-']!;
      for (let r = 0; r < 5; r++) for (let q = 0; q < 3; q++) {
        if (g[r * 3 + q] === '1') for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) this.set(x + q * scale + dx, y + r * scale + dy, c);
      }
      x += 4 * scale;
    }
    return x;
  }
}

const textWidth = (s: string, scale = 2) => s.length * 4 * scale;

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) return v.toExponential(1).replace('e+', 'e');
  return Number(v.toPrecision(3)).toString();
}

function ema(points: [number, number][], w: number): [number, number][] {
  let acc: number | undefined;
  return points.map(([x, y]) => {
    acc = acc === undefined ? y : w * acc + (1 - w) * y;
    return [x, acc];
  });
}

/** Renders the panels stacked vertically; returns PNG bytes. */
export function renderCurves(panels: Panel[], o: PlotOptions = {}): Uint8Array {
  const W = o.width ?? 900;
  const PH = o.panelHeight ?? 220;
  const canvas = new Canvas(W, Math.max(1, panels.length) * PH);
  const left = 70, right = 16, top = 30, bottom = 26;
  panels.forEach((p, pi) => {
    const y0 = pi * PH;
    const plotL = left, plotR = W - right, plotT = y0 + top, plotB = y0 + PH - bottom;
    const tf = (v: number) => (p.logY ? Math.log10(Math.max(v, 1e-12)) : v);
    const all = p.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!p.logY || y > 0));
    canvas.text(plotL, y0 + 8, p.title, [0, 0, 0]);
    let lx = plotL + textWidth(p.title) + 24;
    p.series.forEach((s, si) => {
      const c = PALETTE[si % PALETTE.length]!;
      canvas.rect(lx, y0 + 10, lx + 14, y0 + 15, c);
      lx = canvas.text(lx + 20, y0 + 8, s.name, c) + 16;
    });
    canvas.line(plotL, plotT, plotL, plotB, [0, 0, 0]);
    canvas.line(plotL, plotB, plotR, plotB, [0, 0, 0]);
    if (all.length === 0) return;
    let xmin = Math.min(...all.map(([x]) => x)), xmax = Math.max(...all.map(([x]) => x));
    let ymin = Math.min(...all.map(([, y]) => tf(y))), ymax = Math.max(...all.map(([, y]) => tf(y)));
    if (xmax === xmin) { xmin -= 1; xmax += 1; }
    if (ymax === ymin) { ymin -= 0.5; ymax += 0.5; }
    const pad = (ymax - ymin) * 0.05;
    ymin -= pad; ymax += pad;
    const X = (x: number) => plotL + ((x - xmin) / (xmax - xmin)) * (plotR - plotL);
    const Y = (y: number) => plotB - ((tf(y) - ymin) / (ymax - ymin)) * (plotB - plotT);
    for (let k = 1; k < 4; k++) {
      const gy = plotT + ((plotB - plotT) * k) / 4;
      for (let x = plotL + 1; x < plotR; x += 4) canvas.set(x, gy, [200, 200, 200]);
    }
    const yl = (v: number) => fmt(p.logY ? 10 ** v : v);
    canvas.text(plotL - 6 - textWidth(yl(ymax)), plotT, yl(ymax));
    canvas.text(plotL - 6 - textWidth(yl(ymin)), plotB - 10, yl(ymin));
    canvas.text(plotL, plotB + 8, fmt(xmin));
    canvas.text(plotR - textWidth(fmt(xmax)), plotB + 8, fmt(xmax));
    canvas.text((plotL + plotR) / 2 - textWidth('STEP') / 2, plotB + 8, 'step', [90, 90, 90]);
    p.series.forEach((s, si) => {
      const c = PALETTE[si % PALETTE.length]!;
      const pts = s.points.filter(([, y]) => Number.isFinite(y) && (!p.logY || y > 0));
      const smooth = (o.smoothing ?? 0.9) > 0 && pts.length > 50;
      const drawLine = (ps: [number, number][], alpha: number) => {
        for (let i = 1; i < ps.length; i++) canvas.line(X(ps[i - 1]![0]), Y(ps[i - 1]![1]), X(ps[i]![0]), Y(ps[i]![1]), c, alpha);
        if (ps.length === 1) canvas.rect(X(ps[0]![0]) - 1, Y(ps[0]![1]) - 1, X(ps[0]![0]) + 1, Y(ps[0]![1]) + 1, c);
      };
      drawLine(pts, smooth ? 0.25 : 1);
      if (smooth) drawLine(ema(pts, o.smoothing ?? 0.9), 1);
    });
  });
  return PNG.sync.write(canvas.png);
}
