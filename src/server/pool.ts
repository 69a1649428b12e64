// Synthesis worker threads and the bounded queue in front of them: a job waits in the queue until
// a worker is free; a full queue refuses new jobs (the caller answers 429); a cancelled job leaves
// the queue or is stopped in its worker between chunks.
import { Worker } from 'node:worker_threads';
import type { ChunkInfo, FromWorker, JobSpec, WorkerConfig } from './protocol.js';

export interface JobSink {
  head(mimeType: string, sampleRate: number): void;
  data(bytes: Uint8Array, info?: ChunkInfo): void;
  end(audioSeconds: number, synthSeconds: number): void;
  fail(status: number, message: string, param?: string): void;
}

export interface JobHandle {
  cancel(): void;
}

interface Slot {
  index: number;
  /** Set by spawn; replaced when a dead worker is restarted. */
  worker: Worker;
  ready: boolean;
  restarts: number;
  job?: { spec: JobSpec; sink: JobSink };
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the synthesis queue is full');
  }
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: { spec: JobSpec; sink: JobSink }[] = [];
  private nextId = 1;
  private closing = false;
  /** Mean seconds a job holds a worker (exponential moving average), for Retry-After. */
  private meanJobSeconds = 1;
  readonly started: Promise<void>;

  constructor(readonly size: number, readonly maxQueue: number, private readonly config: WorkerConfig, private readonly workerUrl: URL, private readonly restartDelayMs = 1000) {
    const starts: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const slot = { index: i, ready: false, restarts: 0 } as Slot;
      this.slots.push(slot);
      starts.push(new Promise((resolve, reject) => this.spawn(slot, resolve, reject)));
    }
    this.started = Promise.all(starts).then(() => undefined);
  }

  /** Workers started again after one died (a crash, an out-of-memory abort): for /metrics. */
  get restarts(): number {
    return this.slots.reduce((n, s) => n + s.restarts, 0);
  }

  /**
   * Starts the slot's worker. The first start settles the pool's `started`; a worker that dies
   * later fails its job and is replaced after restartDelayMs, so one bad request cannot take
   * capacity away for good. A replacement that cannot start (the voice vanished) is not retried.
   */
  private spawn(slot: Slot, started?: () => void, failed?: (e: Error) => void): void {
    const worker = new Worker(this.workerUrl, { workerData: this.config });
    slot.worker = worker;
    let dead = false;
    const died = (e: Error) => {
      if (dead) return;
      dead = true;
      const wasReady = slot.ready;
      this.onWorkerDeath(slot, e);
      failed?.(e);
      void worker.terminate();
      if (wasReady && !this.closing) {
        setTimeout(() => {
          if (this.closing) return;
          slot.restarts++;
          this.spawn(slot);
        }, this.restartDelayMs);
      }
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        slot.ready = true;
        started?.();
        this.dispatch();
      } else if (m.type === 'startup-failed') died(new Error(`worker ${slot.index}: ${m.message}`));
      else this.onJobMessage(slot, m);
    });
    worker.on('error', died);
    worker.on('exit', (code) => {
      if (!this.closing) died(new Error(`worker exited with code ${code}`));
    });
  }

  get queueLength(): number {
    return this.queue.length;
  }

  get busy(): number {
    return this.slots.filter((s) => s.job).length;
  }

  get readyWorkers(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /** Queues a job; QueueFullError when the queue holds maxQueue jobs already. */
  submit(spec: Omit<JobSpec, 'id'>, sink: JobSink): JobHandle {
    const free = this.slots.some((s) => s.ready && !s.job);
    if (!free && this.queue.length >= this.maxQueue) {
      const wait = ((this.queue.length + 1) * this.meanJobSeconds) / Math.max(1, this.size);
      throw new QueueFullError(Math.max(1, Math.ceil(wait)));
    }
    const entry = { spec: { ...spec, id: this.nextId++ }, sink };
    this.queue.push(entry);
    this.dispatch();
    return {
      cancel: () => {
        const q = this.queue.indexOf(entry);
        if (q >= 0) this.queue.splice(q, 1);
        const slot = this.slots.find((s) => s.job === entry);
        slot?.worker.postMessage({ type: 'cancel', id: entry.spec.id });
      },
    };
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job) continue;
      const next = this.queue.shift();
      if (!next) return;
      slot.job = next;
      slot.worker.postMessage({ type: 'job', job: next.spec });
    }
  }

  private onJobMessage(slot: Slot, m: Exclude<FromWorker, { type: 'ready' | 'startup-failed' }>): void {
    const job = slot.job;
    if (!job || job.spec.id !== m.id) return;
    switch (m.type) {
      case 'head': job.sink.head(m.mimeType, m.sampleRate); break;
      case 'data': job.sink.data(m.bytes, m.info); break;
      case 'end':
        this.meanJobSeconds = 0.8 * this.meanJobSeconds + 0.2 * m.synthSeconds;
        slot.job = undefined;
        job.sink.end(m.audioSeconds, m.synthSeconds);
        this.dispatch();
        break;
      case 'fail':
        slot.job = undefined;
        job.sink.fail(m.status, m.message, m.param);
        this.dispatch();
        break;
    }
  }

  private onWorkerDeath(slot: Slot, e: Error): void {
    slot.ready = false;
    const job = slot.job;
    slot.job = undefined;
    job?.sink.fail(500, `synthesis worker failed: ${e.message}`);
  }

  /** Waits until no job runs or waits (at most `ms`), then stops the workers. */
  async close(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while ((this.busy > 0 || this.queue.length > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    this.closing = true;
    for (const q of this.queue.splice(0)) q.sink.fail(503, 'the server is shutting down');
    for (const s of this.slots) if (s.job) s.job.sink.fail(503, 'the server is shutting down');
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
