// Draws a log-mel spectrogram that grows chunk by chunk: low mels at the bottom, a fixed colour
// scale so earlier columns keep their colours as later ones arrive.

/** A dark-blue -> teal -> yellow ramp (viridis-like), t in [0, 1]. */
function colour(t: number): [number, number, number] {
  const stops: [number, number, number][] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(0.9999, Math.max(0, t)) * (stops.length - 1);
  const i = Math.floor(x), f = x - i;
  const a = stops[i]!, b = stops[i + 1]!;
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

export class MelView {
  private frames: Float32Array[] = [];
  private mels = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  reset(): void {
    this.frames = [];
    this.lo = Infinity;
    this.hi = -Infinity;
    this.draw();
  }

  /** Adds frames (row-major [frames, mels]). */
  add(data: Float32Array, frames: number, mels: number): void {
    this.mels = mels;
    for (let f = 0; f < frames; f++) this.frames.push(data.subarray(f * mels, (f + 1) * mels));
    // The colour scale is set by the first chunk (with room above), so it does not shift later.
    if (!Number.isFinite(this.lo)) {
      for (const v of data) { if (v < this.lo) this.lo = v; if (v > this.hi) this.hi = v; }
      this.hi += 0.1 * (this.hi - this.lo);
    }
    this.draw();
  }

  get frameCount(): number {
    return this.frames.length;
  }

  private draw(): void {
    const c = this.canvas;
    const w = Math.max(1, this.frames.length), h = Math.max(1, this.mels);
    c.width = w;
    c.height = h;
    const g = c.getContext('2d');
    if (!g || this.frames.length === 0) return;
    const img = g.createImageData(w, h);
    const span = this.hi - this.lo || 1;
    for (let x = 0; x < w; x++) {
      const col = this.frames[x]!;
      for (let m = 0; m < h; m++) {
        const [r, gg, b] = colour((col[m]! - this.lo) / span);
        const p = ((h - 1 - m) * w + x) * 4;
        img.data[p] = r; img.data[p + 1] = gg; img.data[p + 2] = b; img.data[p + 3] = 255;
      }
    }
    g.putImageData(img, 0, 0);
  }
}
