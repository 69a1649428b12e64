// Boundary accuracy of an alignment against reference phone times: the phones (pauses left out)
// are matched in order by edit distance on their stressless names, and the start and end of every
// matched phone give one error each.
import type { AlignedPhone } from './festival.js';
import { matchSequences } from './flite.js';

const base = (p: string) => p.replace(/[012]$/, '');

/** Absolute boundary errors in seconds, two per matched phone. */
export function boundaryErrors(predicted: AlignedPhone[], reference: AlignedPhone[]): number[] {
  const pred = predicted.filter((p) => p.phone !== 'sil');
  const ref = reference.filter((p) => p.phone !== 'sil');
  const match = matchSequences(pred.map((p) => base(p.phone)), ref.map((p) => base(p.phone)));
  const errors: number[] = [];
  match.forEach((j, i) => {
    if (j < 0 || base(pred[i]!.phone) !== base(ref[j]!.phone)) return;
    errors.push(Math.abs(pred[i]!.start - ref[j]!.start), Math.abs(pred[i]!.end - ref[j]!.end));
  });
  return errors;
}

export interface BoundarySummary {
  boundaries: number;
  within10: number;
  within20: number;
  within40: number;
  /** Seconds. */
  median: number;
}

export function summarizeBoundaries(errors: number[]): BoundarySummary {
  const n = errors.length;
  const share = (ms: number) => (n === 0 ? 0 : errors.filter((e) => e <= ms / 1000 + 1e-9).length / n);
  const sorted = [...errors].sort((a, b) => a - b);
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { boundaries: n, within10: share(10), within20: share(20), within40: share(40), median };
}
