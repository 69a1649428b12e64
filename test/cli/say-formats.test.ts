// prodiff say's audio formats as real processes on a tiny random voice: the extension picks the
// format (each decodes to the same length), an unknown extension and a rate the format cannot hold
// are usage errors, and a WAV streamed to standard output redirected to a file gets its true sizes.
// Also the server's voice catalogue on a multi-speaker voice (NAME:SPEAKER, OpenAI names).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRandomVoice, TINY_HPARAMS } from '../../src/voice/index.js';
import { VoiceCatalog } from '../../src/server/voices.js';
import { ApiError } from '../../src/server/errors.js';
import { decodeAudio } from '../audio/decode.js';
import { repoRoot } from '../golden.js';
import type { AudioFormat } from '../../src/audio/encode/index.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
let tmp: string;
const TEXT = 'Hello there. Formats.';

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-formats-'));
  mkdirSync(join(tmp, 'voices'));
  makeRandomVoice(join(tmp, 'voices', 'tiny-test'), TINY_HPARAMS, { seed: 3, vocoder: { type: 'griffin-lim', iterations: 2 }, numSpeakers: 0 });
  makeRandomVoice(join(tmp, 'voices', 'tiny-multi'), TINY_HPARAMS, { seed: 4, vocoder: { type: 'griffin-lim', iterations: 2 }, numSpeakers: 3 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const env = () => ({ ...process.env, PRODIFF_VOICES: join(tmp, 'voices') });
const say = (...args: string[]) => spawnSync(process.execPath, [CLI, 'say', TEXT, '--voice', 'tiny-test', '--seed', '1', '-q', ...args], { env: env(), encoding: 'buffer' });

test('say -o NAME.ext: each format, the same length', async () => {
  const out = join(tmp, 'out');
  mkdirSync(out);
  const lengths: Record<string, number> = {};
  for (const [file, format] of [['a.wav', 'wav'], ['a.mp3', 'mp3'], ['a.ogg', 'opus'], ['a.flac', 'flac'], ['a.raw', 'pcm']] as [string, AudioFormat][]) {
    const r = say('-o', join(out, file));
    assert.equal(r.status, 0, r.stderr.toString());
    const d = await decodeAudio(readFileSync(join(out, file)), format);
    lengths[format] = d.samples.length / d.sampleRate;
  }
  for (const f of ['opus', 'flac', 'pcm']) assert.ok(Math.abs(lengths[f]! - lengths.wav!) < 1e-4, `${f}: ${lengths[f]} vs ${lengths.wav}`);
  assert.ok(lengths.mp3! >= lengths.wav! && lengths.mp3! < lengths.wav! + 0.12);
  const r16 = say('-o', join(out, 'b.flac'), '--sample-rate', '16000', '--stream');
  assert.equal(r16.status, 0, r16.stderr.toString());
  const d16 = await decodeAudio(readFileSync(join(out, 'b.flac')), 'flac');
  assert.equal(d16.sampleRate, 16000);
  assert.ok(Math.abs(d16.samples.length / 16000 - lengths.wav!) < 1 / 16000 + 1e-9);
  assert.deepEqual(readdirSync(out).sort(), ['a.flac', 'a.mp3', 'a.ogg', 'a.raw', 'a.wav', 'b.flac'], 'no temporary files left');
});

test('say: unknown extension, a rate mp3 cannot hold, --float with mp3: usage errors, nothing written', () => {
  for (const [args, msg] of [
    [['-o', join(tmp, 'x.mp4')], /-o: unknown audio format '\.mp4' in .*x\.mp4 \(known: .*\); or give --format/],
    [['-o', join(tmp, 'x.mp3'), '--sample-rate', '22000'], /--sample-rate: mp3 cannot hold 22000 Hz/],
    [['-o', join(tmp, 'x.mp3'), '--float'], /--float: float samples exist in wav and pcm only, not mp3/],
    [['-o', '-', '--format', 'aiff'], /--format: unknown format 'aiff'/],
    [['-o', '-', '--raw', '--format', 'mp3'], /--raw is --format pcm/],
  ] as const) {
    const r = say(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.toString(), msg);
    assert.equal(r.stderr.toString().trim().split('\n').length, 1);
  }
  assert.ok(!readdirSync(tmp).some((f) => f.startsWith('x.')));
});

test('say --stream -o - > file.wav: the header gets the true sizes (soxi reads the real length)', async () => {
  const file = join(tmp, 'streamed.wav');
  const fd = openSync(file, 'w');
  const r = spawnSync(process.execPath, [CLI, 'say', TEXT, '--voice', 'tiny-test', '--seed', '1', '-q', '--stream', '-o', '-'], { env: env(), stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  assert.equal(r.status, 0, r.stderr.toString());
  const bytes = readFileSync(file);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(v.getUint32(4, true), bytes.length - 8, 'RIFF size');
  assert.equal(v.getUint32(40, true), bytes.length - 44, 'data size');
  const whole = say('-o', '-');
  assert.deepEqual((await decodeAudio(bytes, 'wav')).samples, (await decodeAudio(whole.stdout, 'wav')).samples);
  if (spawnSync('soxi', ['-V0', '-s', file]).status === 0) assert.equal(execFileSync('soxi', ['-s', file], { encoding: 'utf8' }).trim(), String((bytes.length - 44) / 2));
});

test('server voice catalogue: names, NAME:SPEAKER, OpenAI names onto the default voice, no paths', () => {
  const c = new VoiceCatalog({ ...process.env, PRODIFF_VOICES: join(tmp, 'voices') });
  const multi = c.voices.find((v) => v.name === 'tiny-multi')!;
  assert.deepEqual(multi.speakers, ['speaker0', 'speaker1', 'speaker2']);
  assert.deepEqual(c.resolve('tiny-multi:speaker2'), { voice: 'tiny-multi', speaker: 2 });
  assert.deepEqual(c.resolve('tiny-multi:1'), { voice: 'tiny-multi', speaker: 1 });
  assert.deepEqual(c.resolve('tiny-test'), { voice: 'tiny-test' });
  assert.deepEqual(c.resolve({ id: 'tiny-test' }), { voice: 'tiny-test' });
  assert.deepEqual(c.resolve('ALLOY'), { voice: c.defaultVoice });
  assert.ok(c.names().includes('tiny-multi:speaker1') && c.names().includes('shimmer'));
  for (const bad of ['tiny-multi:3', 'tiny-multi:x', '../tiny-test', 'nobody', '', 7, null]) {
    assert.throws(() => c.resolve(bad), (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === 'voice', String(bad));
  }
});
