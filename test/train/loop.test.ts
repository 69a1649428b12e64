// The shared training loop on a fake task (no ORT): when it validates and checkpoints, what it
// logs, how it stops, and that a resume drops the log records after the checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrainingLoop, type LoopOptions, type TrainingTask } from '../../src/train/loop.js';
import { RunDir } from '../../src/train/run.js';

/** A task whose "model" is a counter; checkpoints remember the step, a restore returns to it. */
function fakeTask(saved: { step: number }, events: string[]): TrainingTask {
  let step = 0;
  return {
    step: () => step,
    restore() {
      step = saved.step;
      return `saved at ${saved.step}`;
    },
    async trainStep() {
      step++;
      events.push(`train ${step}`);
      return { step, record: { loss: 1 / step }, summary: '' };
    },
    async validate() {
      events.push(`validate ${step}`);
      return { loss: 10 + step };
    },
    checkpoint() {
      saved.step = step;
      events.push(`checkpoint ${step}`);
    },
  };
}

function withRun(fn: (run: RunDir) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodiff-loop-'));
    try {
      await fn(new RunDir(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const quiet = { note: () => {} };

test('loop: validates and checkpoints on schedule, checkpoints the last step, logs every step', withRun(async (run) => {
  const events: string[] = [];
  const saved = { step: 0 };
  const o: LoopOptions = { run, label: 'fake', maxSteps: 7, checkpointEvery: 3, validateEvery: 2, resume: false, startRecord: { params: 5 }, shouldStop: () => false, ...quiet };
  const r = await runTrainingLoop(fakeTask(saved, events), o);
  assert.deepEqual(r, { step: 7, resumedFrom: 0, stopped: false, last: { step: 7, record: { loss: 1 / 7 }, summary: '' } });
  assert.deepEqual(events.filter((e) => !e.startsWith('train')), ['validate 2', 'checkpoint 3', 'validate 4', 'validate 6', 'checkpoint 6', 'checkpoint 7']);
  const log = run.readLog();
  assert.deepEqual(log[0]!.event, 'start');
  assert.deepEqual(log.filter((x) => typeof x.loss === 'number').map((x) => x.step), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(log.filter((x) => x.valid).map((x) => [x.step, (x.valid as { loss: number }).loss]), [[2, 12], [4, 14], [6, 16]]);
  assert.deepEqual(log.at(-1)!.event, 'done');
  assert.ok(existsSync(run.path('loss.png')));
}));

test('loop: a stop checkpoints and returns; a resume continues from the checkpoint and redoes later steps once', withRun(async (run) => {
  const saved = { step: 0 };
  let polls = 0;
  const first: string[] = [];
  const r1 = await runTrainingLoop(fakeTask(saved, first), { run, label: 'fake', maxSteps: 10, checkpointEvery: 4, resume: false, shouldStop: () => ++polls > 5, ...quiet });
  assert.deepEqual([r1.step, r1.stopped, saved.step], [5, true, 5]);
  assert.equal(run.readLog().at(-1)!.event, 'stopped');

  // A crash after step 7 (no checkpoint since 5): the task throws out of the loop.
  polls = 0;
  await assert.rejects(runTrainingLoop(fakeTask(saved, []), {
    run, label: 'fake', maxSteps: 10, checkpointEvery: 4, resume: true, ...quiet,
    shouldStop: () => { if (++polls > 2) throw new Error('killed'); return false; },
  }), /killed/);
  assert.equal(saved.step, 5, 'the crash happened before a checkpoint');
  assert.deepEqual(run.readLog().filter((x) => typeof x.loss === 'number').map((x) => x.step), [1, 2, 3, 4, 5, 6, 7]);

  const events: string[] = [];
  const r = await runTrainingLoop(fakeTask(saved, events), { run, label: 'fake', maxSteps: 10, checkpointEvery: 4, validateEvery: 3, validateAtEnd: true, resume: true, shouldStop: () => false, ...quiet });
  assert.deepEqual([r.resumedFrom, r.step], [5, 10]);
  assert.deepEqual(events, ['train 6', 'validate 6', 'train 7', 'train 8', 'checkpoint 8', 'train 9', 'validate 9', 'train 10', 'validate 10', 'checkpoint 10']);
  assert.deepEqual(run.readLog().filter((x) => typeof x.loss === 'number').map((x) => x.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  // Resuming a finished run does nothing but say so.
  const none: string[] = [];
  const again = await runTrainingLoop(fakeTask(saved, none), { run, label: 'fake', maxSteps: 10, checkpointEvery: 4, validateEvery: 3, validateAtEnd: true, resume: true, shouldStop: () => false, ...quiet });
  assert.deepEqual([again.step, none], [10, []]);
}));
