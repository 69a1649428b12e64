// What the benchmarks share: the reference PyTorch scripts (bench/*.py), a fixed test signal, and
// one timing loop that reports repetitions, warm-up, median and minimum.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (benchmarks run from dist/bench). */
export const repoRoot = resolve(here, existsSync(resolve(here, '../package.json')) ? '..' : '../..');

/**
 * Runs a PyTorch reference script of the repository's bench/ folder (the benchmarks themselves run
 * from dist/bench) and returns its output lines that are JSON objects, or undefined when PyTorch is
 * missing. Debian's python3-torch installs for
 * /usr/bin/python3, which need not be the python3 on PATH, so both are tried.
 */
export function runTorchBench(script: string, args: string[]): Record<string, unknown>[] | undefined {
  const path = resolve(repoRoot, 'bench', script);
  if (!existsSync(path)) throw new Error(`runTorchBench: ${path} does not exist`);
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const lines = execFileSync(py, [path, ...args], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n');
      return lines.filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      /* try the next interpreter */
    }
  }
  return undefined;
}

/** A voiced test signal: a gliding 140 Hz tone with 20 harmonics. */
export function glideSignal(seconds: number, sampleRate: number): Float64Array {
  const n = Math.round(seconds * sampleRate);
  const y = new Float64Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f0 = 140 + 30 * Math.sin((2 * Math.PI * 0.7 * i) / sampleRate);
    phase += (2 * Math.PI * f0) / sampleRate;
    let v = 0;
    for (let h = 1; h <= 20; h++) v += Math.sin(h * phase) / h;
    y[i] = 0.15 * v;
  }
  return y;
}

export interface Timing {
  /** Milliseconds. */
  median: number;
  min: number;
  /** Timed calls. */
  runs: number;
  /** Untimed calls before them. */
  warmup: number;
}

/** Times `fn` `count` times after `warmup` untimed calls: median and minimum in milliseconds. */
export async function timeRuns(fn: () => unknown, count: number, warmup = 2): Promise<Timing> {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`timeRuns: ${count} runs`);
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const k = times.length >> 1;
  return { median: times.length % 2 ? times[k]! : (times[k - 1]! + times[k]!) / 2, min: times[0]!, runs: count, warmup };
}

/** "median M ms, min N ms (R runs after W warm-up)". */
export function describeTiming(t: Timing, unit: 'ms' | 's' = 'ms', digits = 2): string {
  const f = (ms: number) => (unit === 's' ? ms / 1000 : ms).toFixed(digits);
  return `median ${f(t.median)} ${unit}, min ${f(t.min)} ${unit} (${t.runs} runs after ${t.warmup} warm-up)`;
}

/** The timing's fields for a JSON report, prefixed: PREFIX_median_ms, PREFIX_min_ms, PREFIX_runs, PREFIX_warmup. */
export function timingJson(prefix: string, t: Timing): Record<string, number> {
  const p = prefix ? `${prefix}_` : '';
  return { [`${p}median_ms`]: +t.median.toFixed(3), [`${p}min_ms`]: +t.min.toFixed(3), [`${p}runs`]: t.runs, [`${p}warmup`]: t.warmup };
}
