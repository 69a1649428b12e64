// Training progress on a terminal: one redrawn line on a TTY (bar, step, rate, ETA, a few
// numbers), or a plain line every `every` steps otherwise (logs, CI).

export interface ProgressOptions {
  total: number;
  /** Step already reached (on resume). */
  start?: number;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Non-TTY: print every this many steps. */
  every?: number;
  label?: string;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(4);
}

export class ProgressBar {
  private readonly t0 = performance.now();
  private readonly start: number;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private lastLen = 0;

  constructor(private readonly o: ProgressOptions) {
    this.start = o.start ?? 0;
    this.stream = o.stream ?? process.stderr;
  }

  update(step: number, values: Record<string, number> = {}): void {
    const { total } = this.o;
    const done = step - this.start;
    const elapsed = (performance.now() - this.t0) / 1000;
    const rate = done > 0 ? elapsed / done : NaN;
    const eta = rate * (total - step);
    const nums = Object.entries(values).map(([k, v]) => `${k} ${formatValue(v)}`).join(' ');
    const info = `${this.o.label ? this.o.label + ' ' : ''}${step}/${total} ${Number.isFinite(rate) ? rate.toFixed(2) + ' s/it' : ''} eta ${fmtTime(eta)} ${nums}`;
    if (this.stream.isTTY) {
      const width = 24;
      const fill = Math.round((width * Math.min(step, total)) / Math.max(1, total));
      let line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${info}`;
      const cols = this.stream.columns ?? 120;
      if (line.length > cols - 1) line = line.slice(0, cols - 1);
      this.stream.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
      this.lastLen = line.length;
    } else if (step === total || step % (this.o.every ?? 10) === 0) {
      this.stream.write(`${info}\n`);
    }
  }

  /** Prints a message without garbling the bar. */
  note(msg: string): void {
    if (this.stream.isTTY && this.lastLen > 0) this.stream.write(`\r${' '.repeat(this.lastLen)}\r`);
    this.lastLen = 0;
    this.stream.write(`${msg}\n`);
  }

  done(): void {
    if (this.stream.isTTY && this.lastLen > 0) this.stream.write('\n');
    this.lastLen = 0;
  }
}
