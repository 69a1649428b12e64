// prodiff serve as a real process, spoken to with the official `openai` npm client and with plain
// HTTP: every format decodes to the speech's length; every bad request gets its status and
// OpenAI's error JSON; the queue answers 429 with Retry-After; a client that goes away cancels its
// synthesis; /metrics counts; SIGTERM lets a request in flight finish and exits 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ProDiffTTS } from '../../src/api/tts.js';
import { decodeAudio } from '../audio/decode.js';
import { startServe, type ServeProcess } from './serve-process.js';

const TEXT = 'Hello there. The server speaks in every format.';
const LONG = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1} of a long text that keeps a worker busy.`).join(' ');

let server: ServeProcess;
let client: OpenAI;
/** The speech's length in samples at the voice's rate, from the library in this process. */
let reference: { samples: number; rate: number };

before(async () => {
  server = await startServe(['--workers', '1', '--queue', '1']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const tts = await ProDiffTTS.load();
  const r = await tts.synthesize(TEXT);
  reference = { samples: r.audio.length, rate: r.sampleRate };
  await tts.dispose();
});

after(async () => {
  if (server.proc.exitCode === null) await server.stop();
});

const post = (path: string, body: string | object, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function expectError(r: Response, status: number, message: RegExp, param?: string | null): Promise<void> {
  assert.equal(r.status, status, `status of ${r.url}`);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const j = (await r.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
  assert.deepEqual(Object.keys(j), ['error']);
  assert.deepEqual(Object.keys(j.error).sort(), ['code', 'message', 'param', 'type']);
  assert.match(j.error.message, message);
  assert.ok(!j.error.message.includes('\n'), 'one-line message');
  assert.equal(typeof j.error.type, 'string');
  if (param !== undefined) assert.equal(j.error.param, param);
}

for (const format of ['mp3', 'opus', 'flac', 'wav', 'pcm'] as const) {
  test(`openai client: speech.create as ${format} decodes to the speech's length`, async () => {
    const res = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: TEXT, response_format: format });
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const rate = format === 'pcm' ? 24000 : reference.rate;
    const d = await decodeAudio(bytes, format, rate);
    const want = reference.samples / reference.rate;
    const got = d.samples.length / d.sampleRate;
    if (format === 'mp3') assert.ok(got >= want && got <= want + (2 * 1152) / rate + 0.01, `mp3: ${got} s, want ${want}`);
    else assert.ok(Math.abs(got - want) <= 1 / rate + 1e-9, `${format}: ${got} s, want ${want}`);
    if (format === 'pcm') assert.equal(d.samples.length, Math.ceil((reference.samples * 24000) / reference.rate), 'pcm: 24 kHz as OpenAI');
    // Speech, not silence.
    const rms = Math.sqrt(d.samples.reduce((a, x) => a + x * x, 0) / d.samples.length);
    assert.ok(rms > 0.01, `${format}: rms ${rms}`);
  });
}

test('openai client: voice:speaker and our voice names, speed, sample_rate', async () => {
  const voices = (await (await fetch(`${server.url}/v1/audio/voices`)).json()) as { default: string; voices: { name: string; speakers: string[] }[]; openai_voices: Record<string, { voice: string }> };
  assert.equal(voices.openai_voices.alloy!.voice, voices.default);
  const defaultVoice = voices.voices.find((v) => v.name === voices.default)!;
  const own = await client.audio.speech.create({ model: 'prodiff', voice: `${voices.default}:${defaultVoice.speakers[0]}`, input: TEXT, response_format: 'wav' });
  const a = await decodeAudio(new Uint8Array(await own.arrayBuffer()), 'wav');
  assert.equal(a.samples.length, reference.samples);
  const fast = await client.audio.speech.create({ model: 'tts-1', voice: voices.default, input: TEXT, response_format: 'wav', speed: 2 });
  const b = await decodeAudio(new Uint8Array(await fast.arrayBuffer()), 'wav');
  assert.ok(b.samples.length < 0.7 * reference.samples, `speed 2: ${b.samples.length} vs ${reference.samples}`);
  const r16 = await post('/v1/audio/speech', { model: 'tts-1', voice: 'echo', input: TEXT, response_format: 'flac', sample_rate: 16000 });
  assert.equal(r16.headers.get('x-sample-rate'), '16000');
  const c = await decodeAudio(new Uint8Array(await r16.arrayBuffer()), 'flac');
  assert.equal(c.sampleRate, 16000);
  assert.equal(c.samples.length, Math.ceil((reference.samples * 16000) / reference.rate));
});

test('openai client: a bad request is an APIError with the status and message', async () => {
  await assert.rejects(client.audio.speech.create({ model: 'tts-1', voice: 'nobody', input: TEXT }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.equal(e.status, 400);
    assert.match(e.message, /unknown voice "nobody" \(voices: .*alloy/);
    return true;
  });
});

test('bad requests: status and OpenAI error JSON for each', async () => {
  const ok = { model: 'tts-1', voice: 'alloy', input: 'Hi.' };
  await expectError(await post('/v1/audio/speech', { ...ok, input: '' }), 400, /'input' is empty/, 'input');
  await expectError(await post('/v1/audio/speech', { ...ok, input: '   ' }), 400, /'input' is empty/, 'input');
  await expectError(await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy' }), 400, /'input' is required/, 'input');
  await expectError(await post('/v1/audio/speech', { ...ok, input: 'a'.repeat(4097) }), 400, /4097 characters; at most 4096/, 'input');
  await expectError(await post('/v1/audio/speech', { ...ok, input: 42 }), 400, /'input' must be a string/, 'input');
  await expectError(await post('/v1/audio/speech', { ...ok, voice: 'nobody' }), 400, /unknown voice "nobody" \(voices: .*en_US-slt-prodiff-small, .*alloy/, 'voice');
  await expectError(await post('/v1/audio/speech', { ...ok, voice: '../../etc/passwd' }), 400, /unknown voice/, 'voice');
  await expectError(await post('/v1/audio/speech', { ...ok, voice: '/etc' }), 400, /unknown voice/, 'voice');
  await expectError(await post('/v1/audio/speech', { ...ok, voice: 'en_US-slt-prodiff-small:7' }), 400, /has no speaker "7"/, 'voice');
  await expectError(await post('/v1/audio/speech', { ...ok, voice: undefined }), 400, /'voice' is required/, 'voice');
  await expectError(await post('/v1/audio/speech', { ...ok, voice: 3 }), 400, /'voice' is required/, 'voice');
  await expectError(await post('/v1/audio/speech', '{"model": "tts-1", "input": '), 400, /not valid JSON/);
  await expectError(await post('/v1/audio/speech', ''), 400, /body is empty/);
  await expectError(await post('/v1/audio/speech', '[1, 2]'), 400, /must be a JSON object, not an array/);
  await expectError(await post('/v1/audio/speech', { ...ok, response_format: 'aac' }), 400, /aac is not available/, 'response_format');
  await expectError(await post('/v1/audio/speech', { ...ok, response_format: 'ogg' }), 400, /unknown response_format "ogg"/, 'response_format');
  await expectError(await post('/v1/audio/speech', { ...ok, speed: 'fast' }), 400, /'speed' must be a number from 0.25 to 4.0/, 'speed');
  await expectError(await post('/v1/audio/speech', { ...ok, speed: 5 }), 400, /'speed' must be a number from 0.25 to 4.0/, 'speed');
  await expectError(await post('/v1/audio/speech', { ...ok, model: 'whisper-1' }), 400, /unknown model "whisper-1"/, 'model');
  await expectError(await post('/v1/audio/speech', { ...ok, model: undefined }), 400, /'model' is required/, 'model');
  await expectError(await post('/v1/audio/speech', { ...ok, response_format: 'mp3', sample_rate: 22000 }), 400, /mp3 cannot hold 22000 Hz/, 'sample_rate');
  await expectError(await post('/v1/audio/speech', { ...ok, input: '!!! ...' }), 400, /nothing to say/, 'input');
  await expectError(await post('/v1/audio/speech', { ...ok, input: 'x'.repeat(70_000) }), 413, /over the limit of 65536 bytes/);
  await expectError(await fetch(`${server.url}/v1/audio/speech`), 405, /takes POST, not GET/);
  await expectError(await fetch(`${server.url}/v1/nothing`), 404, /no route GET \/v1\/nothing/);
  await expectError(await fetch(`${server.url}/v1/models/whisper-1`), 404, /no model "whisper-1"/);
});

test('GET /v1/models and /health', async () => {
  const m = (await (await fetch(`${server.url}/v1/models`)).json()) as { object: string; data: { id: string }[] };
  assert.equal(m.object, 'list');
  assert.ok(m.data.some((x) => x.id === 'tts-1'));
  const models = await client.models.list();
  assert.ok(models.data.some((x) => x.id === 'prodiff'));
  const h = await fetch(`${server.url}/health`);
  assert.equal(h.status, 200);
  assert.equal(((await h.json()) as { status: string }).status, 'ok');
});

test('timestamps route: NDJSON pieces with words and mel, in order, adding up to the audio', async () => {
  const r = await post('/v1/audio/speech/timestamps', { model: 'tts-1', voice: 'alloy', input: TEXT, response_format: 'pcm', sample_rate: reference.rate, include_mel: true });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type')!, /application\/x-ndjson/);
  const lines = (await r.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!.type, 'start');
  assert.equal(lines.at(-1)!.type, 'done');
  const audio = lines.filter((l) => l.type === 'audio');
  let samples = 0, frames = 0;
  const words: { word: string; start: number; end: number }[] = [];
  for (const l of audio) {
    const n = Buffer.from(l.audio as string, 'base64').length / 2;
    if (l.start !== undefined) assert.ok(Math.abs((l.start as number) - samples / reference.rate) < 1e-3, 'pieces are contiguous');
    samples += n;
    words.push(...((l.words as typeof words | undefined) ?? []));
    const mel = l.mel as { frames: number; mels: number; data: string } | undefined;
    if (mel) {
      assert.equal(Buffer.from(mel.data, 'base64').length, mel.frames * mel.mels * 4);
      frames += mel.frames;
    }
  }
  assert.equal(samples, reference.samples);
  // At least one piece per sentence (the bundled vocoder vocodes whole sentences).
  assert.ok(audio.length >= 2, 'streamed in several pieces');
  assert.deepEqual(words.map((w) => w.word.toLowerCase()), ['hello', 'there', 'the', 'server', 'speaks', 'in', 'every', 'format']);
  for (let i = 1; i < words.length; i++) assert.ok(words[i]!.start >= words[i - 1]!.end - 1e-6, 'words in order');
  assert.ok(words.at(-1)!.end <= samples / reference.rate + 1e-6);
  // Frames x hop are the voiced samples; the rest is silence between sentences.
  assert.ok(frames > 0 && frames * 256 <= samples && frames * 256 > 0.8 * samples, `mel frames ${frames} for ${samples} samples`);
  assert.ok(Math.abs((lines.at(-1)!.duration as number) - samples / reference.rate) < 1e-3);
});

test('a full queue answers 429 with Retry-After; a client that goes away frees the worker', async () => {
  // One worker and a queue of one: the long request runs, the second waits, the third is refused.
  const ac1 = new AbortController();
  const first = post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: LONG, response_format: 'mp3' }).then(async (r) => {
    const reader = r.body!.getReader();
    await reader.read(); // the first bytes: the job is running
    return reader;
  });
  const reader = await first;
  const ac2 = new AbortController();
  const second = fetch(`${server.url}/v1/audio/speech`, { method: 'POST', body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: LONG }), signal: ac2.signal }).catch(() => undefined);
  // Wait until the second is queued.
  for (let i = 0; i < 200; i++) {
    const h = (await (await fetch(`${server.url}/health`)).json()) as { queue: number };
    if (h.queue === 1) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const third = await post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: 'Hi.' });
  await expectError(third, 429, /the server is busy/, null);
  assert.match(third.headers.get('retry-after') ?? '', /^\d+$/);
  // Both clients go away: the running job is cancelled, the queued one leaves the queue.
  ac2.abort();
  await second;
  await reader.cancel();
  ac1.abort();
  let health = { busy: 1, queue: 1 };
  for (let i = 0; i < 400 && (health.busy || health.queue); i++) {
    await new Promise((r) => setTimeout(r, 25));
    health = (await (await fetch(`${server.url}/health`)).json()) as typeof health;
  }
  assert.deepEqual({ busy: health.busy, queue: health.queue }, { busy: 0, queue: 0 }, 'the worker is free again');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /^prodiff_cancelled_total [1-9]/m);
});

test('/metrics: Prometheus text with requests, errors, queue, synthesis and audio seconds', async () => {
  const r = await fetch(`${server.url}/metrics`);
  assert.match(r.headers.get('content-type')!, /^text\/plain; version=0.0.4/);
  const t = await r.text();
  const value = (re: RegExp) => Number(re.exec(t)?.[1]);
  assert.ok(value(/^prodiff_requests_total\{route="\/v1\/audio\/speech",code="200"\} (\d+)$/m) >= 7);
  assert.ok(value(/^prodiff_request_errors_total\{route="\/v1\/audio\/speech",code="400"\} (\d+)$/m) >= 20);
  assert.equal(value(/^prodiff_request_errors_total\{route="\/v1\/audio\/speech",code="429"\} (\d+)$/m), 1);
  assert.equal(value(/^prodiff_queue_length (\d+)$/m), 0);
  assert.ok(value(/^prodiff_audio_seconds_total ([\d.]+)$/m) > 5);
  assert.ok(value(/^prodiff_synthesis_seconds_total ([\d.]+)$/m) > 0);
  assert.ok(value(/^prodiff_time_to_first_byte_seconds_count (\d+)$/m) >= 7);
  for (const line of t.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [\d.e+-]+)$/, line);
});

test('SIGTERM: the request in flight finishes whole, new connections are refused, exit 0', async () => {
  const inFlight = post('/v1/audio/speech', { model: 'tts-1', voice: 'alloy', input: TEXT, response_format: 'wav' });
  // Wait until it runs, then stop the server.
  for (let i = 0; i < 200; i++) {
    const h = (await (await fetch(`${server.url}/health`)).json()) as { busy: number };
    if (h.busy) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const code = server.stop('SIGTERM');
  const r = await inFlight;
  assert.equal(r.status, 200);
  const d = await decodeAudio(new Uint8Array(await r.arrayBuffer()), 'wav');
  assert.equal(d.samples.length, reference.samples);
  assert.equal(await code, 0);
  await assert.rejects(fetch(`${server.url}/health`));
  assert.match(server.stderr(), /SIGTERM: finishing requests in flight/);
});
