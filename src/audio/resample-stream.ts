// Resampling of a signal that arrives in pieces (streamed synthesis): the same filter and the same
// samples as `resample` on the whole signal, emitted as soon as the filter's right wing is covered.
// The default filter is kaiser_fast (a quarter of kaiser_best's cost; plenty for speech output).
import { KAISER_FAST, resampleAt, sincKernel, type SincFilterSpec, type SincKernel } from './resample.js';

export class StreamResampler {
  private readonly k: SincKernel | undefined;
  private readonly ratio: number;
  /** Input samples kept, starting at global input index `base`. */
  private buf = new Float32Array(0);
  private base = 0;
  /** Input samples received. */
  private received = 0;
  /** Next output sample. */
  private t = 0;
  private ended = false;

  constructor(readonly fromRate: number, readonly toRate: number, spec: SincFilterSpec = KAISER_FAST) {
    if (!(Number.isInteger(fromRate) && fromRate > 0 && Number.isInteger(toRate) && toRate > 0)) throw new Error(`resample: rates must be positive integers, got ${fromRate} -> ${toRate}`);
    this.ratio = toRate / fromRate;
    this.k = fromRate === toRate ? undefined : sincKernel(fromRate, toRate, spec);
  }

  /** Appends input; returns the output samples now complete. */
  push(x: Float32Array): Float32Array {
    if (this.ended) throw new Error('StreamResampler: push after end');
    if (!this.k) return x.slice();
    const kept = this.buf.length;
    const b = new Float32Array(kept + x.length);
    b.set(this.buf);
    b.set(x, kept);
    this.buf = b;
    this.received += x.length;
    // Output t is complete once input floor(t*dt) + reach exists.
    const k = this.k;
    // Output t needs t * dt < received, so at most ceil(received / dt) - t samples are complete.
    const out = new Float32Array(Math.max(0, Math.ceil(this.received / k.dt) - this.t + 1));
    let n = 0;
    for (;;) {
      const m = Math.floor(this.t * k.dt);
      if (m + k.reach >= this.received) break;
      out[n++] = resampleAt(k, this.buf, this.base, Infinity, this.t);
      this.t++;
    }
    this.trim();
    return out.subarray(0, n);
  }

  /** The rest of the output: the signal ends here (ceil(N * ratio) samples in all). */
  end(): Float32Array {
    if (this.ended) return new Float32Array(0);
    this.ended = true;
    const n = this.received;
    if (!this.k) return new Float32Array(0);
    const total = Math.ceil(n * this.ratio);
    const nFilt = Math.floor(n * this.ratio);
    const out = new Float32Array(Math.max(0, total - this.t));
    for (let i = 0; this.t + i < nFilt; i++) out[i] = resampleAt(this.k, this.buf, this.base, n, this.t + i);
    this.t = total;
    this.buf = new Float32Array(0);
    return out;
  }

  /** Drops input no later output can reach. */
  private trim(): void {
    const k = this.k!;
    const keepFrom = Math.max(0, Math.floor(this.t * k.dt) - k.reach - 1);
    if (keepFrom - this.base > 4096) {
      this.buf = this.buf.slice(keepFrom - this.base);
      this.base = keepFrom;
    }
  }
}
