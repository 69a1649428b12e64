// A terminal progress bar with rate and ETA (redrawn in place on a TTY, a line every few seconds otherwise).

/** The shortest time over which a rate is shown. */
const MIN_RATE_SECONDS = 0.5;

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  stream?: NodeJS.WriteStream;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** A number in 4 significant digits, or exponent form when very large or small. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(4);
}

export class Progress {
  private done = 0;
  private readonly start: number;
  private lastDraw = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly startDone: number;
  private readonly now: () => number;

  constructor(private readonly o: ProgressOptions, initial = 0, now: () => number = Date.now) {
    this.now = now;
    this.start = now();
    this.stream = o.stream ?? process.stderr;
    this.done = initial;
    this.startDone = initial;
  }

  /** Sets the count; `info` is appended (e.g. "loss 0.123"). */
  update(done: number, info = ''): void {
    this.done = done;
    const now = this.now();
    const tty = this.stream.isTTY;
    if (done < this.o.total && now - this.lastDraw < (tty ? 100 : 5000)) return;
    this.lastDraw = now;
    this.stream.write(`${tty ? '\r\x1b[K' : ''}${this.line(info)}${tty ? '' : '\n'}`);
  }

  line(info = ''): string {
    const elapsed = (this.now() - this.start) / 1000;
    // Over a few milliseconds one finished item would read as thousands per second: no rate yet.
    const rate = elapsed >= MIN_RATE_SECONDS ? (this.done - this.startDone) / elapsed : undefined;
    const eta = rate !== undefined && rate > 0 ? (this.o.total - this.done) / rate : Infinity;
    const frac = this.o.total > 0 ? Math.min(1, this.done / this.o.total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    return `${this.o.label} [${bar}] ${this.done}/${this.o.total} ${(frac * 100).toFixed(0)}% ${rate === undefined ? '--' : rate.toFixed(2)} ${this.o.unit ?? 'it'}/s ETA ${fmtTime(eta)}${info ? `  ${info}` : ''}`;
  }

  /** Prints a message on its own line without disturbing the bar. */
  note(message: string): void {
    this.stream.write(`${this.stream.isTTY ? '\r\x1b[K' : ''}${message}\n`);
    this.lastDraw = 0;
  }

  finish(info = ''): void {
    this.lastDraw = 0;
    this.update(this.done, info);
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
