// Where the golden reference vectors live for tests: a copy shipped in the repository
// (test/golden), checked against the shared originals when those are present.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), existsSync(resolve(dirname(fileURLToPath(import.meta.url)), '../package.json')) ? '..' : '../..');

export function goldenDir(set: 'engine' | 'prodiff' | 'audio'): string {
  return join(repoRoot, 'test', 'golden', set);
}

/** The shared originals (beside the checkout), if this machine has them. */
export function sharedGoldenDir(set: string): string | undefined {
  const d = resolve(repoRoot, '..', 'shared', 'golden', set);
  return existsSync(d) ? d : undefined;
}
