// prodiff serve with an API key, CORS and a tiny per-request timeout: 401 without the key or with
// a wrong one (OpenAI's error JSON; /health stays open for load balancers), CORS preflight and
// headers, 504 when synthesis outlives the timeout; bad flags are usage errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import OpenAI from 'openai';
import { repoRoot } from '../golden.js';
import { startServe, type ServeProcess } from './serve-process.js';

let server: ServeProcess;
const KEY = 'sk-test-0123456789';

before(async () => {
  server = await startServe(['--workers', '1', '--timeout', '0.001', '--cors', '*', '-q'], { PRODIFF_API_KEY: KEY });
});

after(async () => {
  assert.equal(await server.stop(), 0);
});

const speech = (headers: Record<string, string>) => fetch(`${server.url}/v1/audio/speech`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Hello.' }),
});

async function errorOf(r: Response): Promise<{ message: string; type: string; code: string | null }> {
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  return ((await r.json()) as { error: { message: string; type: string; code: string | null } }).error;
}

test('API key: missing or wrong -> 401 in OpenAI shape; /health needs none', async () => {
  const none = await speech({});
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  const e1 = await errorOf(none);
  assert.match(e1.message, /missing API key/);
  assert.equal(e1.code, 'invalid_api_key');
  const wrong = await speech({ Authorization: 'Bearer sk-wrong' });
  assert.equal(wrong.status, 401);
  assert.match((await errorOf(wrong)).message, /incorrect API key/);
  for (const path of ['/v1/models', '/v1/audio/voices', '/metrics']) assert.equal((await fetch(`${server.url}${path}`)).status, 401, path);
  assert.equal((await fetch(`${server.url}/v1/models`, { headers: { Authorization: `Bearer ${KEY}` } })).status, 200);
  assert.equal((await fetch(`${server.url}/health`)).status, 200);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(client.models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test('per-request timeout: 504 with OpenAI error JSON', async () => {
  const r = await speech({ Authorization: `Bearer ${KEY}` });
  assert.equal(r.status, 504);
  const e = await errorOf(r);
  assert.match(e.message, /longer than the server's limit of 0.001 s/);
  assert.equal(e.code, 'timeout');
  const m = await (await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${KEY}` } })).text();
  assert.match(m, /^prodiff_timeouts_total [1-9]/m);
});

test('CORS: preflight 204 with the allowed origin, methods and headers; responses carry the origin', async () => {
  const pre = await fetch(`${server.url}/v1/audio/speech`, { method: 'OPTIONS', headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-headers')!, /Authorization/);
  assert.match(pre.headers.get('access-control-allow-methods')!, /POST/);
  const r = await fetch(`${server.url}/health`, { headers: { Origin: 'https://example.com' } });
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
});

test('serve: bad flags are one-line usage errors (exit 2)', () => {
  const main = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  for (const [args, msg] of [
    [['--port', '70000'], /--port/],
    [['--workers', '0'], /--workers must be an integer in \[1, 64\]/],
    [['--cors', 'example.com'], /--cors: 'example.com' is not '\*' or an origin/],
    [['--api-key', ''], /--api-key: empty key/],
    [['extra'], /unexpected argument 'extra'/],
  ] as const) {
    const r = spawnSync(process.execPath, [main, 'serve', ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('serve: a port in use is a one-line error naming it (exit 1)', () => {
  const port = new URL(server.url).port;
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'serve', '--port', port, '--workers', '1'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`--port ${port}: address 127.0.0.1:${port} is already in use`));
});
