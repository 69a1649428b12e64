// A first-order DC blocker, y[n] = x[n] - x[n-1] + r y[n-1] (a zero at DC, a pole at r just
// inside it: -3 dB near (1 - r) sr / 2 pi, 17.6 Hz for r = 0.995 at 22.05 kHz). Causal and
// stateful, so audio processed in consecutive chunks equals the same audio processed whole.

export const DC_BLOCK_R = 0.995;

export class DcBlocker {
  private x1 = 0;
  private y1 = 0;

  constructor(readonly r = DC_BLOCK_R) {
    if (!(r > 0 && r < 1)) throw new Error(`DcBlocker: pole ${r} must lie in (0, 1)`);
  }

  /** Filters the next chunk (a new array; the state carries on to the next call). */
  process(x: ArrayLike<number>): Float32Array {
    const y = new Float32Array(x.length);
    let x1 = this.x1, y1 = this.y1;
    const r = this.r;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      y1 = v - x1 + r * y1;
      x1 = v;
      y[i] = y1;
    }
    this.x1 = x1;
    this.y1 = y1;
    return y;
  }

  /** |H(e^{jw})| at frequency f (Hz) for sample rate sr. */
  static gainAt(r: number, f: number, sr: number): number {
    const w = (2 * Math.PI * f) / sr;
    return Math.hypot(1 - Math.cos(w), Math.sin(w)) / Math.hypot(1 - r * Math.cos(w), r * Math.sin(w));
  }
}
