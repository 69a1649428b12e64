// Locates the golden audio vectors: the copy shipped in test/golden/audio (checked against the
// shared originals by test/parity.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, type StTensor } from '../../src/engine/safetensors.js';

/** Repository root: dist/test/audio/golden.js -> three levels up; also works from test/audio when run by tsx. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot locate the repository root (package.json) from ' + fileURLToPath(import.meta.url));
}

export const GOLDEN_AUDIO = path.resolve(repoRoot(), 'test/golden/audio');

/** Fails loudly (throws) when the golden folder is missing: these tests must never silently skip. */
export function goldenDir(): string {
  if (!existsSync(path.join(GOLDEN_AUDIO, 'manifest.json'))) {
    throw new Error(`golden audio vectors not found at ${GOLDEN_AUDIO} (shipped with the repository)`);
  }
  return GOLDEN_AUDIO;
}

export interface Manifest {
  cases: { case: string; wav: string; golden: string; [k: string]: unknown }[];
  tolerance: Record<string, Record<string, number | boolean>>;
  [k: string]: unknown;
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(path.join(goldenDir(), 'manifest.json'), 'utf-8')) as Manifest;
}

export function loadCase(name: string): { tensors: Map<string, StTensor>; metadata: Record<string, string>; wavPath: string } {
  const dir = goldenDir();
  const st = readSafetensors(path.join(dir, `${name}.safetensors`));
  return { ...st, wavPath: path.join(dir, `${name}.wav`) };
}
