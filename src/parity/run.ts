// `prodiff parity DIR`: runs every case in a golden folder through the runner that recognises it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../engine/safetensors.js';
import type { CaseRunner, GoldenCase, ParityCheck } from './types.js';

export interface CaseResult {
  case: string;
  runner?: string;
  checks: ParityCheck[];
  error?: string;
}

export function loadManifest(dir: string): { manifest: Record<string, unknown>; cases: Record<string, unknown>[] } {
  const path = join(dir, 'manifest.json');
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf-8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: cannot read the manifest (${(e as Error).message})`);
  }
  if (!Array.isArray(manifest.cases)) throw new Error(`${path}: no 'cases' list`);
  return { manifest, cases: manifest.cases as Record<string, unknown>[] };
}

export function loadCase(dir: string, entry: Record<string, unknown>, manifest: Record<string, unknown>): GoldenCase {
  const file = join(dir, String(entry.file ?? `${entry.case}.safetensors`));
  const st = readSafetensors(file);
  return { name: String(entry.case), file, entry, manifest, tensors: st.tensors, metadata: st.metadata };
}

export async function runCase(c: GoldenCase, runners: CaseRunner[]): Promise<CaseResult> {
  const runner = runners.find((r) => r.matches(c));
  if (!runner) return { case: c.name, checks: [], error: `no runner for module '${c.metadata.module ?? c.entry.module}'` };
  try {
    return { case: c.name, runner: runner.name, checks: await runner.run(c) };
  } catch (e) {
    return { case: c.name, runner: runner.name, checks: [], error: (e as Error).message };
  }
}

export async function runParity(dir: string, runners: CaseRunner[], log: (line: string) => void): Promise<CaseResult[]> {
  const { manifest, cases } = loadManifest(dir);
  const results: CaseResult[] = [];
  for (const entry of cases) {
    let result: CaseResult;
    try {
      result = await runCase(loadCase(dir, entry, manifest), runners);
    } catch (e) {
      result = { case: String(entry.case), checks: [], error: (e as Error).message };
    }
    results.push(result);
    log(formatResult(result));
  }
  return results;
}

export function casePassed(r: CaseResult): boolean {
  return !r.error && r.checks.length > 0 && r.checks.every((c) => c.pass);
}

export function formatResult(r: CaseResult): string {
  if (r.error) return `${r.case.padEnd(24)} CANNOT RUN  ${r.error}`;
  const worst = r.checks.reduce((m, c) => Math.max(m, c.maxAbsError), 0);
  const failed = r.checks.filter((c) => !c.pass);
  const status = casePassed(r) ? 'PASS' : 'FAIL';
  const head = `${r.case.padEnd(24)} ${status.padEnd(11)} max abs err ${worst.toExponential(2)}  (${r.checks.length} checks)`;
  return failed.length === 0 ? head : `${head}\n${failed.map((f) => `    ${f.name}: max abs err ${f.maxAbsError.toExponential(2)} > ${f.tolerance}`).join('\n')}`;
}
