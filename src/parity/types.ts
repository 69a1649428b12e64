import type { StTensor } from '../engine/safetensors.js';

/** One golden case: a safetensors file plus its manifest entry (see shared/golden/README.md). */
export interface GoldenCase {
  name: string;
  file: string;
  /** The case's entry in manifest.json (tolerances, checks, ...). */
  entry: Record<string, unknown>;
  /** The manifest as a whole (some folders keep shared parameters at the top level). */
  manifest: Record<string, unknown>;
  tensors: Map<string, StTensor>;
  metadata: Record<string, string>;
}

/** The comparison of one output (or gradient) with its reference. */
export interface ParityCheck {
  name: string;
  maxAbsError: number;
  /** Human-readable tolerance, e.g. "atol 1e-5 + rtol 1e-3". */
  tolerance: string;
  pass: boolean;
}

/** Runs the cases it recognises (by metadata `module`, not by file name). */
export interface CaseRunner {
  /** Short name of the runner, for messages. */
  name: string;
  matches(c: GoldenCase): boolean;
  run(c: GoldenCase): Promise<ParityCheck[]>;
}
