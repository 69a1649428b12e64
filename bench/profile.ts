// Summaries of ORT profiler traces: kernel time per op type and phase, from per-node minima over
// the profiled runs (minima are stable on a shared machine where means are not).
import { readFileSync } from 'node:fs';

interface TraceEvent {
  cat?: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

export type Phase = 'forward' | 'backward' | 'optimizer' | 'inserted by ORT';

export interface OpTime {
  phase: Phase;
  op: string;
  /** Kernel milliseconds per run (sum over the nodes of their minimum time). */
  ms: number;
  nodes: number;
}

/**
 * Reads a trace and sums, per (phase, op type), each node's minimum kernel time over the runs.
 * `phaseOf` maps our node ids (node names are `n<id>_<op>`) to a phase; nodes ORT created itself
 * (layout Transposes, fused kernels with new names) are counted apart.
 */
export function summarizeProfile(path: string, phaseOf: (nodeId: number) => Phase): OpTime[] {
  const events = JSON.parse(readFileSync(path, 'utf-8')) as TraceEvent[];
  const minimum = new Map<string, { dur: number; op: string }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const key = e.name.slice(0, -'_kernel_time'.length);
    const op = e.args?.op_name ?? key;
    const cur = minimum.get(key);
    if (!cur || e.dur < cur.dur) minimum.set(key, { dur: e.dur, op });
  }
  const rows = new Map<string, OpTime>();
  for (const [key, { dur, op }] of minimum) {
    const id = /^n(\d+)_/.exec(key);
    const phase: Phase = id ? phaseOf(Number(id[1])) : 'inserted by ORT';
    const k = `${phase}|${op}`;
    const row = rows.get(k) ?? { phase, op, ms: 0, nodes: 0 };
    row.ms += dur / 1000;
    row.nodes += 1;
    rows.set(k, row);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

/** Totals per phase. */
export function phaseTotals(rows: OpTime[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.phase] = +((out[r.phase] ?? 0) + r.ms).toFixed(3);
  return out;
}
