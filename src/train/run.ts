// What the trainers share: run folders, the JSON-lines log, checkpoints holding the data order and
// RNG state, graceful stop on signals.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { Rng, type Trainer } from '../engine/index.js';
import type { DataState } from './data.js';

export class RunDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  path(name: string): string {
    return join(this.dir, name);
  }
  get checkpoint(): string {
    return this.path('checkpoint.safetensors');
  }
  hasCheckpoint(): boolean {
    return existsSync(this.checkpoint);
  }
  log(record: Record<string, unknown>): void {
    appendFileSync(this.path('log.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
  /** Drops the log records of steps after `step` (those a resumed run does again). */
  keepLogUpTo(step: number): void {
    const kept = this.readLog().filter((r) => typeof r.step !== 'number' || r.step <= step);
    writeFileAtomic(this.path('log.jsonl'), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
  clearLog(): void {
    rmSync(this.path('log.jsonl'), { force: true });
  }
  readLog(): Record<string, unknown>[] {
    const p = this.path('log.jsonl');
    if (!existsSync(p)) return [];
    return readFileSync(p, 'utf-8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.path(name), `${JSON.stringify(value, null, 1)}\n`);
  }
}

export interface LoopState {
  data: DataState;
  rng: number[];
}

export function saveLoopCheckpoint(run: RunDir, trainer: Trainer, state: LoopState, extra: Record<string, string> = {}): void {
  trainer.saveCheckpoint(run.checkpoint, { ...extra, loop: JSON.stringify(state) });
}

export function loadLoopCheckpoint(run: RunDir, trainer: Trainer): LoopState {
  const meta = trainer.loadCheckpoint(run.checkpoint);
  if (!meta.loop) throw new Error(`${run.checkpoint}: no loop state in the metadata`);
  return JSON.parse(meta.loop) as LoopState;
}

export function rngFromState(state: number[] | undefined, seed: number): Rng {
  return state ? new Rng(Uint32Array.from(state)) : new Rng(seed);
}

/** Sets a flag on SIGINT/SIGTERM so the loop can checkpoint and stop; returns a disposer. */
export function stopOnSignals(): { stopped: () => boolean; dispose: () => void } {
  let stop = false;
  const handler = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping after this step (checkpointing); press again to abort\n');
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { stopped: () => stop, dispose: () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); } };
}
