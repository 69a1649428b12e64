// The HTTP server: OpenAI's speech endpoint and its neighbours, the web page, health and metrics.
// Routes and options: docs/server.md.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { readJsonBody } from './body.js';
import { ApiError, badRequest, sendError } from './errors.js';
import { Metrics } from './metrics.js';
import { servePage } from './page.js';
import { QueueFullError, WorkerPool, type JobHandle } from './pool.js';
import { MODELS, parseSpeechRequest, type SpeechRequest } from './speech-request.js';
import { VoiceCatalog } from './voices.js';
import type { ChunkInfo } from './protocol.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** Directory (or path list) of extra voices, as $PRODIFF_VOICES. */
  voices?: string;
  workers: number;
  /** ORT threads per worker session. */
  threads: number;
  /** Jobs waiting for a worker before new ones get 429. */
  queue: number;
  /** Seconds a request may take in all (queue + synthesis). */
  timeout: number;
  /** Bearer key required on /v1 and /metrics. */
  apiKey?: string;
  /** Access-Control-Allow-Origin value ('*' or an origin); none: no CORS headers. */
  cors?: string;
  /** Longest input, characters. */
  maxChars: number;
  /** Seconds in-flight requests get to finish on shutdown. */
  shutdownGrace: number;
}

export function defaultServerOptions(): ServerOptions {
  const cores = availableParallelism();
  const workers = Math.max(1, Math.min(4, cores));
  return {
    host: '127.0.0.1', port: 8880, workers, threads: Math.max(1, Math.floor(cores / workers)), queue: 32,
    timeout: 120, maxChars: 4096, shutdownGrace: 10,
  };
}

const BODY_LIMIT = 64 * 1024;

const API_ROUTES = ['/v1/audio/speech', '/v1/audio/speech/timestamps', '/v1/models', '/v1/audio/voices', '/metrics', '/health'];

/** The route a path belongs to (the metrics' label). */
function routeOf(path: string): string {
  if (API_ROUTES.includes(path)) return path;
  if (path.startsWith('/v1/models/')) return '/v1/models/:id';
  return path.startsWith('/v1/') ? 'other' : 'page';
}

export interface RunningServer {
  server: Server;
  url: string;
  pool: WorkerPool;
  /** Stops accepting, lets requests in flight finish (at most shutdownGrace seconds), stops the workers. */
  shutdown(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const env = { ...process.env, ...(o.voices !== undefined ? { PRODIFF_VOICES: o.voices } : {}) };
  const catalog = new VoiceCatalog(env);
  // Made once the port is ours (a port in use must not leave workers running).
  let pool!: WorkerPool;
  const metrics = new Metrics();
  let draining = false;
  let inFlight = 0;
  let started = false;

  const corsHeaders = (): Record<string, string> => (o.cors ? {
    'Access-Control-Allow-Origin': o.cors, 'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Expose-Headers': 'Retry-After, X-Sample-Rate', ...(o.cors !== '*' ? { Vary: 'Origin' } : {}),
  } : {});

  const authorised = (req: IncomingMessage): boolean => {
    if (!o.apiKey) return true;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const a = Buffer.from(m[1]!.trim()), b = Buffer.from(o.apiKey);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const s = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
    res.end(s);
  };

  /** Runs a speech job, streaming its bytes (raw audio, or NDJSON lines with timings). */
  const speak = (req: IncomingMessage, res: ServerResponse, r: SpeechRequest, timestamps: { mel: boolean } | undefined) => new Promise<void>((done) => {
    const t0 = performance.now();
    let handle: JobHandle | undefined;
    let finished = false;
    let firstByte = false;
    const finish = () => {
      if (finished) return false;
      finished = true;
      clearTimeout(timer);
      done();
      return true;
    };
    const timer = setTimeout(() => {
      if (finished) return;
      metrics.timeouts++;
      handle?.cancel();
      sendError(res, new ApiError(504, `synthesis took longer than the server's limit of ${o.timeout} s`, 'server_error', null, 'timeout'));
      finish();
    }, o.timeout * 1000);
    res.on('close', () => {
      if (!res.writableFinished && !finished) {
        metrics.cancelled++;
        handle?.cancel();
        finish();
      }
    });
    const line = (x: unknown) => res.write(`${JSON.stringify(x)}\n`);
    try {
      handle = pool.submit({
        text: r.input, voice: r.voice.voice, ...(r.voice.speaker !== undefined ? { speaker: r.voice.speaker } : {}), speed: r.speed,
        format: r.format, ...(r.sampleRate !== undefined ? { sampleRate: r.sampleRate } : {}), timestamps: !!timestamps, mel: !!timestamps?.mel,
      }, {
        head: (mimeType, sampleRate) => {
          if (finished) return;
          res.writeHead(200, {
            'Content-Type': timestamps ? 'application/x-ndjson' : mimeType, 'Transfer-Encoding': 'chunked',
            'X-Sample-Rate': String(sampleRate), 'Cache-Control': 'no-store',
          });
          if (timestamps) line({ type: 'start', format: r.format, mime_type: mimeType, sample_rate: sampleRate });
        },
        data: (bytes, info?: ChunkInfo) => {
          if (finished) return;
          if (!firstByte) { firstByte = true; metrics.firstByte((performance.now() - t0) / 1000); }
          if (!timestamps) { res.write(bytes); return; }
          line({
            type: 'audio', audio: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
            ...(info ? {
              start: info.start, duration: info.duration, words: info.words, phones: info.phones,
              ...(info.mel ? { mel: { frames: info.mel.frames, mels: info.mel.mels, data: Buffer.from(info.mel.data.buffer, info.mel.data.byteOffset, info.mel.data.byteLength).toString('base64') } } : {}),
            } : {}),
          });
        },
        end: (audioSeconds, synthSeconds) => {
          metrics.audioSeconds += audioSeconds;
          metrics.synthesisSeconds += synthSeconds;
          if (finished) return;
          if (timestamps) line({ type: 'done', duration: Math.round(audioSeconds * 1e4) / 1e4 });
          res.end();
          finish();
        },
        fail: (status, message, param) => {
          if (finished) return;
          if (timestamps && res.headersSent) {
            line({ type: 'error', error: { message, type: 'server_error', param: param ?? null, code: null } });
            res.end();
          } else sendError(res, new ApiError(status === 499 ? 500 : status, message, status >= 500 ? 'server_error' : 'invalid_request_error', param ?? null));
          finish();
        },
      });
    } catch (e) {
      if (e instanceof QueueFullError) {
        sendError(res, new ApiError(429, `the server is busy (${o.queue} requests queued); retry after ${e.retryAfterSeconds} s`, 'rate_limit_error', null, 'rate_limit_exceeded', { 'Retry-After': String(e.retryAfterSeconds) }));
      } else sendError(res, new ApiError(500, (e as Error).message, 'server_error'));
      finish();
    }
  });

  const handle = async (req: IncomingMessage, res: ServerResponse, path: string, route: string): Promise<void> => {
    for (const [k, v] of Object.entries(corsHeaders())) res.setHeader(k, v);
    if (req.method === 'OPTIONS') {
      res.writeHead(o.cors ? 204 : 405, o.cors ? {} : { Allow: 'GET, POST' });
      res.end();
      return;
    }
    if (path === '/health') {
      const status = draining ? 'draining' : started ? 'ok' : 'starting';
      json(res, status === 'ok' ? 200 : 503, { status, workers: pool.readyWorkers, busy: pool.busy, queue: pool.queueLength });
      return;
    }
    if (route === 'page' && req.method === 'GET' && servePage(path, res)) return;
    if (route === 'other' || route === 'page') throw new ApiError(404, `no route ${req.method} ${path.slice(0, 200)}`, 'not_found_error', null, 'unknown_url');
    if (!authorised(req)) {
      throw new ApiError(401, req.headers.authorization ? 'incorrect API key provided' : 'missing API key: send Authorization: Bearer KEY', 'authentication_error', null, 'invalid_api_key', { 'WWW-Authenticate': 'Bearer' });
    }
    const method = route.startsWith('/v1/audio/speech') ? 'POST' : 'GET';
    if (req.method !== method) throw new ApiError(405, `${route} takes ${method}, not ${req.method}`, 'invalid_request_error', null, 'method_not_allowed', { Allow: method });
    switch (route) {
      case '/metrics': {
        const body = metrics.render({ queueLength: pool.queueLength, busyWorkers: pool.busy, workers: pool.readyWorkers, inFlight, workerRestarts: pool.restarts });
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(body);
        break;
      }
      case '/v1/models':
        json(res, 200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'prodiff' })) });
        break;
      case '/v1/models/:id': {
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
        if (!(MODELS as readonly string[]).includes(id)) throw new ApiError(404, `no model ${JSON.stringify(id.slice(0, 100))} (models: ${MODELS.join(', ')})`, 'invalid_request_error', 'model', 'model_not_found');
        json(res, 200, { id, object: 'model', created: 0, owned_by: 'prodiff' });
        break;
      }
      case '/v1/audio/voices':
        json(res, 200, {
          default: catalog.defaultVoice,
          voices: catalog.voices.map((v) => ({ name: v.name, language: v.language, sample_rate: v.sampleRate, speakers: v.speakers, default: v.isDefault })),
          openai_voices: catalog.openAiMapping(),
        });
        break;
      default: {
        if (draining) throw new ApiError(503, 'the server is shutting down', 'server_error', null, 'shutting_down');
        const body = await readJsonBody(req, BODY_LIMIT);
        const r = parseSpeechRequest(body, catalog, o.maxChars);
        const ts = route === '/v1/audio/speech/timestamps';
        if (ts && body.include_mel !== undefined && typeof body.include_mel !== 'boolean') throw badRequest("'include_mel' must be true or false", 'include_mel');
        await speak(req, res, r, ts ? { mel: body.include_mel === true } : undefined);
      }
    }
  };

  const server = createServer((req, res) => {
    inFlight++;
    let path = '/';
    try {
      path = new URL(req.url ?? '/', 'http://x').pathname;
    } catch { /* a request line URL cannot hold: 'other' */ }
    const route = routeOf(path);
    res.on('finish', () => metrics.request(route, res.statusCode));
    res.on('close', () => { inFlight--; });
    handle(req, res, path, route).catch((e: unknown) => {
      sendError(res, e instanceof ApiError ? e : new ApiError(500, (e as Error).message ?? String(e), 'server_error'));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  pool = new WorkerPool(o.workers, o.queue, {
    threads: o.threads, warmVoice: catalog.defaultVoice, ...(o.voices !== undefined ? { voicesPath: o.voices } : {}),
  }, new URL('./worker.js', import.meta.url));
  pool.started.then(() => { started = true; }, () => undefined);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  let stopping: Promise<void> | undefined;
  return {
    server, pool, url: `http://${host}:${port}`,
    shutdown: () => (stopping ??= (async () => {
      draining = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const until = Date.now() + o.shutdownGrace * 1000;
      while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await pool.close(Math.max(0, until - Date.now()));
      server.closeAllConnections();
      await closed;
    })()),
  };
}
