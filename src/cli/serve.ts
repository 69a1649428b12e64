// prodiff serve: the HTTP speech server (OpenAI-compatible /v1/audio/speech, a web page at /).
import { CliError, optionalNumberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { defaultServerOptions, startServer, type ServerOptions } from '../server/app.js';

const d = defaultServerOptions();

const USAGE = `usage: prodiff serve [--host 127.0.0.1] [--port 8880] [--voices DIR] [--workers N] [--api-key KEY]

Serves speech over HTTP: OpenAI's POST /v1/audio/speech (streamed), /v1/audio/speech/timestamps
(NDJSON with word times), GET /v1/models, /v1/audio/voices, /health, /metrics, and a web page at /.
See docs/server.md.

options:
  --host ADDR          address to listen on (default ${d.host}: this machine only; 0.0.0.0 for all)
  --port N             TCP port (default ${d.port}; 0 picks a free one, printed at start)
  --voices DIR         extra voices directory (as $PRODIFF_VOICES; searched before the bundled voices)
  --workers N          synthesis worker threads, one model copy each (default ${d.workers} here: the cores, at most 4)
  --threads N          ONNX Runtime threads per worker (default ${d.threads}: cores / workers)
  --queue N            requests that may wait for a worker; beyond, 429 with Retry-After (default ${d.queue})
  --timeout SEC        longest a request may take, queue included (default ${d.timeout}); then 504
  --max-chars N        longest input (default ${d.maxChars}, as OpenAI)
  --api-key KEY        require 'Authorization: Bearer KEY' on /v1 and /metrics (or $PRODIFF_API_KEY)
  --cors ORIGIN        send CORS headers allowing ORIGIN ('*' for any; default none)
  --shutdown-grace SEC on SIGTERM/SIGINT, how long requests in flight may finish (default ${d.shutdownGrace})
  -q, --quiet          no log lines on standard error
`;

export const serveCommand: Command = {
  summary: 'HTTP speech server: OpenAI-compatible /v1/audio/speech, web page at / (serve [--port 8880])',
  async run(args: string[]): Promise<number> {
    const p = parseCommandArgs(args, USAGE, {
      host: { type: 'string' }, port: { type: 'string' }, voices: { type: 'string' }, workers: { type: 'string' }, threads: { type: 'string' },
      queue: { type: 'string' }, timeout: { type: 'string' }, 'max-chars': { type: 'string' }, 'api-key': { type: 'string' }, cors: { type: 'string' },
      'shutdown-grace': { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false },
    }, { maxPositionals: 0 });
    if (!p) return 0;
    const v = p.values;
    const positive = { integer: true, min: 1 };
    const o: ServerOptions = { ...d };
    if (v.host !== undefined) {
      if (v.host.trim() === '') throw new UsageError('--host: empty address');
      o.host = v.host;
    }
    o.port = optionalNumberFlag('port', v.port, { integer: true, min: 0, max: 65535 }) ?? o.port;
    o.workers = optionalNumberFlag('workers', v.workers, { ...positive, max: 64 }) ?? o.workers;
    o.threads = optionalNumberFlag('threads', v.threads, positive) ?? (v.workers !== undefined ? Math.max(1, Math.floor((d.workers * d.threads) / o.workers)) : o.threads);
    o.queue = optionalNumberFlag('queue', v.queue, { integer: true, min: 0 }) ?? o.queue;
    o.timeout = optionalNumberFlag('timeout', v.timeout, { min: 0.001 }) ?? o.timeout;
    o.maxChars = optionalNumberFlag('max-chars', v['max-chars'], positive) ?? o.maxChars;
    o.shutdownGrace = optionalNumberFlag('shutdown-grace', v['shutdown-grace'], { min: 0 }) ?? o.shutdownGrace;
    if (v.voices !== undefined) o.voices = v.voices;
    const key = v['api-key'] ?? process.env.PRODIFF_API_KEY;
    if (key !== undefined) {
      if (key.trim() === '') throw new UsageError('--api-key: empty key');
      o.apiKey = key;
    }
    if (v.cors !== undefined) {
      if (v.cors !== '*' && !/^https?:\/\/[^/\s]+$/.test(v.cors)) throw new UsageError(`--cors: '${v.cors}' is not '*' or an origin such as https://example.com`);
      o.cors = v.cors;
    }
    const log = (s: string) => { if (!v.quiet) process.stderr.write(`serve: ${s}\n`); };
    let running;
    try {
      running = await startServer(o);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') throw new CliError(`--port ${o.port}: address ${o.host}:${o.port} is already in use`);
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new CliError(`--host ${o.host}: cannot listen on this address`);
      if (err.code === 'EACCES') throw new CliError(`--port ${o.port}: permission denied`);
      throw e;
    }
    const { url, pool } = running;
    const t0 = performance.now();
    try {
      await pool.started;
    } catch (e) {
      await running.shutdown();
      throw new CliError(`the synthesis workers could not start: ${(e as Error).message}`);
    }
    log(`listening on ${url} (${o.workers} worker(s) x ${o.threads} thread(s), queue ${o.queue}, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s${o.apiKey ? ', API key required' : ''})`);
    // The line tests and scripts read to find the port (with --port 0).
    process.stdout.write(`${url}\n`);
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        log(`${sig}: finishing requests in flight (at most ${o.shutdownGrace} s), then exiting`);
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        running.shutdown().then(resolve, resolve);
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    log('stopped');
    return 0;
  },
};
