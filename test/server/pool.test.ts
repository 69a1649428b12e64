// The worker pool with stand-in workers (fixtures/fake-worker.ts): a worker that dies fails only
// its own job, is started again, and the jobs that waited are served by the new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerPool, type JobSink } from '../../src/server/pool.js';
import type { JobSpec, WorkerConfig } from '../../src/server/protocol.js';

const WORKER = new URL('./fixtures/fake-worker.js', import.meta.url);

function job(text: string): Omit<JobSpec, 'id'> {
  return { text, voice: 'v', speed: 1, format: 'pcm', timestamps: false, mel: false };
}

/** Submits a job; resolves with its bytes as text, or 'fail STATUS MESSAGE'. */
function run(pool: WorkerPool, text: string): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    const sink: JobSink = {
      head: () => {},
      data: (b) => (body += new TextDecoder().decode(b)),
      end: () => resolve(body),
      fail: (status, message) => resolve(`fail ${status} ${message}`),
    };
    pool.submit(job(text), sink);
  });
}

test('pool: a worker that dies fails its job, is restarted, and the queued job is served by the new worker', async () => {
  const pool = new WorkerPool(1, 4, { threads: 1, warmVoice: 'v' } as WorkerConfig, WORKER, 20);
  try {
    await pool.started;
    assert.equal(await run(pool, 'before'), 'before');
    const crashed = run(pool, 'crash');
    const waiting = run(pool, 'after'); // queued behind the job that kills the worker
    assert.match(await crashed, /^fail 500 synthesis worker failed: worker exited with code 3$/);
    assert.equal(await waiting, 'after');
    assert.equal(pool.restarts, 1);
    assert.equal(pool.readyWorkers, 1);
    // It keeps working, and dies and comes back again.
    assert.match(await run(pool, 'crash'), /^fail 500/);
    assert.equal(await run(pool, 'again'), 'again');
    assert.equal(pool.restarts, 2);
  } finally {
    await pool.close(1000);
  }
});

test('pool: a worker that cannot start rejects `started` and is not restarted in a loop', async () => {
  const pool = new WorkerPool(1, 4, { threads: 1, warmVoice: 'v', fail: 'no such voice' } as WorkerConfig, WORKER, 20);
  await assert.rejects(pool.started, /worker 0: no such voice/);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(pool.restarts, 0);
  assert.equal(pool.readyWorkers, 0);
  await pool.close(0);
});
