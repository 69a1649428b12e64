// Element-wise comparison against golden values: pass if |port - ref| <= atol + rtol |ref|.
import type { StTensor } from '../engine/safetensors.js';
import type { GoldenCase, ParityCheck } from './types.js';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** The tolerance for one output: per_output override, else the case's default, else `fallback`. */
export function toleranceFor(c: GoldenCase, output: string, fallback: Tolerance = { atol: 1e-5, rtol: 1e-3 }): Tolerance {
  const tol = c.entry.tolerance as { default?: Tolerance; per_output?: Record<string, Tolerance> } | undefined;
  return tol?.per_output?.[output] ?? tol?.default ?? fallback;
}

export function compareArrays(name: string, port: ArrayLike<number>, ref: StTensor, tol: Tolerance): ParityCheck {
  const refVals = ref.data;
  const exact = ref.dtype === 'I64' || ref.dtype === 'I32' || ref.dtype === 'U8' || ref.dtype === 'BOOL';
  if (port.length !== refVals.length) {
    return { name, maxAbsError: Infinity, tolerance: `shape [${ref.shape}] (${refVals.length} values), port gave ${port.length}`, pass: false };
  }
  let maxErr = 0;
  let pass = true;
  for (let i = 0; i < port.length; i++) {
    const r = Number(refVals[i]);
    const err = Math.abs(Number(port[i]) - r);
    if (!(err <= maxErr)) maxErr = Number.isNaN(err) ? Infinity : Math.max(maxErr, err);
    if (exact ? err !== 0 : !(err <= tol.atol + tol.rtol * Math.abs(r))) pass = false;
  }
  return { name, maxAbsError: maxErr, tolerance: exact ? 'exact' : `atol ${tol.atol} + rtol ${tol.rtol}`, pass };
}
