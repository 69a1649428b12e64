// Load test of `prodiff serve`: C concurrent clients (default 50) post OpenAI speech requests for
// D seconds (default 60) to a server started here (a child process on a free port). Each client
// sends its next request as soon as the previous one ends; on 429 it waits Retry-After, as OpenAI's
// clients do. Reports requests/s (completed 200s), latency p50/p95/p99 (request to last byte),
// time to first byte p50/p95/p99, status counts, errors other than 429, requests lost (sent but
// never answered), and the server's resident memory (its process tree, sampled each second: after
// warm-up, peak, end).
// Usage: npm run bench:serve -- [--clients 50] [--duration 60] [--format mp3] [--workers N]
//        [--threads N] [--queue N] [--json]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/golden.js';

const SENTENCES = [
  'The quick brown fox jumps over 13 lazy dogs.',
  'Please call Stella and ask her to bring these things with her from the store.',
  'It was the best of times, it was the worst of times.',
  'The train leaves at 7:45 from platform nine.',
  'A journey of a thousand miles begins with a single step.',
  'Every morning, the old man walked his dog along the river.',
];

const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' }, duration: { type: 'string', default: '60' }, format: { type: 'string', default: 'mp3' },
    workers: { type: 'string' }, threads: { type: 'string' }, queue: { type: 'string' }, json: { type: 'boolean', default: false },
  },
});
const clients = Number(a.clients), duration = Number(a.duration);

/** Resident memory of a process and its descendants (prodiff serve re-runs itself with its allocator settings), MB. */
const rssMb = (pid: number): number => {
  try {
    const own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return own + children.reduce((a, c) => a + rssMb(c), 0);
  } catch {
    return NaN;
  }
};

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const serverArgs = ['--port', '0', '-q', ...(a.workers ? ['--workers', a.workers] : []), ...(a.threads ? ['--threads', a.threads] : []), ...(a.queue ? ['--queue', a.queue] : [])];
const proc = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'serve', ...serverArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
  });
  proc.on('exit', (c) => reject(new Error(`server exited with ${c}`)));
});
const health = (await (await fetch(`${url}/health`)).json()) as { workers: number };
const rssIdle = rssMb(proc.pid!);
process.stderr.write(`bench:serve: ${url}, ${health.workers} worker(s), ${clients} clients x ${duration} s, ${a.format}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);

const latencies: number[] = [], ttfbs: number[] = [];
const status = new Map<string, number>();
let sent = 0, answered = 0, audioBytes = 0;
const rss: { t: number; mb: number }[] = [];
const t0 = performance.now();
const end = t0 + duration * 1000;
const sampler = setInterval(() => rss.push({ t: (performance.now() - t0) / 1000, mb: rssMb(proc.pid!) }), 1000);

async function client(k: number): Promise<void> {
  for (let i = 0; performance.now() < end; i++) {
    const input = SENTENCES[(k + i) % SENTENCES.length]!;
    const s = performance.now();
    sent++;
    let key = 'network error';
    let retryAfter = 0;
    try {
      const r = await fetch(`${url}/v1/audio/speech`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input, response_format: a.format }),
      });
      key = String(r.status);
      if (r.status === 200) {
        const reader = r.body!.getReader();
        let first = true;
        for (;;) {
          const { value, done } = await reader.read();
          if (value && first) { ttfbs.push(performance.now() - s); first = false; }
          if (value) audioBytes += value.length;
          if (done) break;
        }
        latencies.push(performance.now() - s);
      } else {
        await r.arrayBuffer();
        if (r.status === 429) retryAfter = Number(r.headers.get('retry-after') ?? 1);
      }
    } catch (e) {
      key = `network error: ${(e as Error).message}`;
    }
    answered++;
    status.set(key, (status.get(key) ?? 0) + 1);
    if (retryAfter) await new Promise((r) => setTimeout(r, Math.min(retryAfter * 1000, Math.max(0, end - performance.now()))));
  }
}

const progress = setInterval(() => {
  const el = (performance.now() - t0) / 1000;
  process.stderr.write(`\r${el.toFixed(0)}/${duration} s: ${latencies.length} done (${(latencies.length / el).toFixed(2)}/s), ${status.get('429') ?? 0} x 429, rss ${rss.at(-1)?.mb.toFixed(0) ?? '?'} MB, ETA ${Math.max(0, duration - el).toFixed(0)} s `);
}, 2000);
await Promise.all(Array.from({ length: clients }, (_, k) => client(k)));
const wall = (performance.now() - t0) / 1000;
clearInterval(progress);
clearInterval(sampler);
process.stderr.write('\n');
const metrics = await (await fetch(`${url}/metrics`)).text();
proc.kill('SIGTERM');
const exit = await new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));

const warm = rss.filter((x) => x.t >= 10).map((x) => x.mb);
const nonOk = [...status].filter(([k]) => k !== '200' && k !== '429').reduce((n, [, v]) => n + v, 0);
const r1 = (x: number) => Math.round(x * 10) / 10;
const result = {
  bench: 'serve', clients, duration_s: duration, wall_s: r1(wall), format: a.format, workers: health.workers,
  requests_per_s: Math.round((latencies.length / wall) * 100) / 100, completed: latencies.length,
  latency_ms: { p50: r1(pct(latencies, 50)), p95: r1(pct(latencies, 95)), p99: r1(pct(latencies, 99)) },
  ttfb_ms: { p50: r1(pct(ttfbs, 50)), p95: r1(pct(ttfbs, 95)), p99: r1(pct(ttfbs, 99)) },
  status: Object.fromEntries(status), errors_non_429: nonOk, lost: sent - answered,
  audio_seconds_total: Number(/^prodiff_audio_seconds_total ([\d.]+)/m.exec(metrics)?.[1]),
  rss_mb: { idle: r1(rssIdle), after_warmup: r1(warm[0] ?? NaN), peak: r1(Math.max(...rss.map((x) => x.mb))), end: r1(rss.at(-1)?.mb ?? NaN) },
  server_exit: exit, loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
};
if (a.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
