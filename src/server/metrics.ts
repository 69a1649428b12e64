// Counters and gauges in Prometheus's text exposition format (GET /metrics).

export class Metrics {
  private readonly requests = new Map<string, number>();
  synthesisSeconds = 0;
  audioSeconds = 0;
  cancelled = 0;
  timeouts = 0;
  /** Time to first byte of speech responses: a histogram. */
  private readonly ttfbBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  private readonly ttfbCounts = new Array<number>(this.ttfbBuckets.length + 1).fill(0);
  private ttfbSum = 0;

  request(route: string, status: number): void {
    const k = `route="${route}",code="${status}"`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  firstByte(seconds: number): void {
    const i = this.ttfbBuckets.findIndex((b) => seconds <= b);
    this.ttfbCounts[i < 0 ? this.ttfbBuckets.length : i]!++;
    this.ttfbSum += seconds;
  }

  render(g: { queueLength: number; busyWorkers: number; workers: number; inFlight: number; workerRestarts: number }): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, rows: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) lines.push(`${name}${labels ? `{${labels}}` : ''} ${v}`);
    };
    const req = [...this.requests].sort();
    metric('prodiff_requests_total', 'counter', 'HTTP requests by route and status code.', req);
    metric('prodiff_request_errors_total', 'counter', 'HTTP requests answered with status >= 400, by route and code.', req.filter(([k]) => Number(/code="(\d+)"/.exec(k)![1]) >= 400));
    metric('prodiff_queue_length', 'gauge', 'Synthesis jobs waiting for a worker.', [['', g.queueLength]]);
    metric('prodiff_workers', 'gauge', 'Synthesis worker threads ready.', [['', g.workers]]);
    metric('prodiff_workers_busy', 'gauge', 'Workers running a job.', [['', g.busyWorkers]]);
    metric('prodiff_worker_restarts_total', 'counter', 'Synthesis workers started again after one died.', [['', g.workerRestarts]]);
    metric('prodiff_in_flight_requests', 'gauge', 'Requests being answered.', [['', g.inFlight]]);
    metric('prodiff_synthesis_seconds_total', 'counter', 'Seconds workers spent on jobs (synthesis and encoding).', [['', round(this.synthesisSeconds)]]);
    metric('prodiff_audio_seconds_total', 'counter', 'Seconds of audio synthesised.', [['', round(this.audioSeconds)]]);
    metric('prodiff_cancelled_total', 'counter', 'Jobs stopped because the client went away.', [['', this.cancelled]]);
    metric('prodiff_timeouts_total', 'counter', 'Requests stopped by the per-request timeout.', [['', this.timeouts]]);
    lines.push('# HELP prodiff_time_to_first_byte_seconds Time from request to the first audio byte.', '# TYPE prodiff_time_to_first_byte_seconds histogram');
    let acc = 0;
    this.ttfbBuckets.forEach((b, i) => { acc += this.ttfbCounts[i]!; lines.push(`prodiff_time_to_first_byte_seconds_bucket{le="${b}"} ${acc}`); });
    acc += this.ttfbCounts[this.ttfbBuckets.length]!;
    lines.push(`prodiff_time_to_first_byte_seconds_bucket{le="+Inf"} ${acc}`, `prodiff_time_to_first_byte_seconds_sum ${round(this.ttfbSum)}`, `prodiff_time_to_first_byte_seconds_count ${acc}`);
    const mem = process.memoryUsage();
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the server process (all workers).', [['', mem.rss]]);
    return `${lines.join('\n')}\n`;
  }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
