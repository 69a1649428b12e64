// What the benchmarks share: the reference PyTorch scripts beside the checkout, and a fixed test signal.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (benchmarks run from dist/bench). */
export const repoRoot = resolve(here, existsSync(resolve(here, '../package.json')) ? '..' : '../..');

/**
 * Runs a script of ../shared/bench with PyTorch and returns its output lines that are JSON objects,
 * or undefined when the script or PyTorch is missing. Debian's python3-torch installs for
 * /usr/bin/python3, which need not be the python3 on PATH, so both are tried.
 */
export function runTorchBench(script: string, args: string[]): Record<string, unknown>[] | undefined {
  const path = resolve(repoRoot, '../shared/bench', script);
  if (!existsSync(path)) return undefined;
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

/** Times `fn` `count` times after `warmup` untimed calls: median and minimum in milliseconds. */
export async function timeRuns(fn: () => unknown, count: number, warmup = 2): Promise<{ median: number; min: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const k = times.length >> 1;
  return { median: times.length % 2 ? times[k]! : (times[k - 1]! + times[k]!) / 2, min: times[0]! };
}
