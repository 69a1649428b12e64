// ProDiffTTS.dispose() and the WAV writers for streamed audio, on a tiny random-weight voice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProDiffTTS } from '../../src/api/tts.js';
import { decodeWav, encodeWav, WavFileWriter, writeWav, writeWavChannels, writeWavChunks } from '../../src/audio/wav.js';
import { makeRandomVoice, TINY_HPARAMS } from '../../src/voice/index.js';

let tmp: string;
let voiceDir: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-dispose-'));
  voiceDir = join(tmp, 'tiny');
  makeRandomVoice(voiceDir, TINY_HPARAMS, { seed: 5, vocoder: { type: 'griffin-lim', iterations: 2 }, numSpeakers: 0 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('dispose: later calls throw a clear error, a second dispose is harmless, a chunk in progress finishes', async () => {
  const tts = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1 });
  const first = await tts.synthesize('Hello there.', { seed: 1 });
  assert.ok(first.audio.length > 0);
  const running = tts.synthesize('One more sentence.', { seed: 1 });
  const disposing = tts.dispose();
  // The call already running either finishes its chunk or is stopped with the same clear error.
  await running.then((r) => assert.ok(r.audio.length > 0), (e: Error) => assert.match(e.message, /disposed/));
  await disposing;
  await tts.dispose();
  await assert.rejects(tts.synthesize('Hello.'), /ProDiffTTS: this instance \(voice '.*'\) was disposed; load the voice again/);
  await assert.rejects(async () => { for await (const _ of tts.stream('Hello.')) { /* nothing */ } }, /was disposed/);
  // A fresh instance of the same voice still works.
  const again = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1 });
  assert.deepEqual((await again.synthesize('Hello there.', { seed: 1 })).audio, first.audio);
  await again.dispose();
});

test('dispose releases the vocoders the instance made, and not one passed in', async () => {
  let released = 0;
  const own = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1 });
  const gl = (own as unknown as { defaultVocoder: { dispose?: () => Promise<void>; sampleRate: number; hop: number; name: string } }).defaultVocoder;
  gl.dispose = async () => { released++; };
  await own.dispose();
  assert.equal(released, 1, "its own vocoder's dispose ran");
  const lent = { ...gl, name: 'lent', synthesize: (gl as unknown as { synthesize: unknown }).synthesize, dispose: async () => { released += 100; } };
  const other = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1, vocoder: lent as never });
  await other.dispose();
  assert.equal(released, 1, "a vocoder passed in stays the caller's");
});

test('writeWav takes one mono signal and refuses an array (channels or chunks?)', () => {
  const a = Float32Array.from([0.1, 0.2]), b = Float32Array.from([0.3, 0.4]);
  assert.throws(() => writeWav(join(tmp, 'x.wav'), [a, b] as unknown as Float32Array, 22050), /writeWav writes one mono signal.*writeWavChannels.*writeWavChunks/);
  assert.equal(existsSync(join(tmp, 'x.wav')), false);
  writeWavChannels(join(tmp, 'st.wav'), [a, b], 22050);
  assert.equal(decodeWav(readFileSync(join(tmp, 'st.wav'))).channels.length, 2);
});

test('writeWavChunks: stream chunks in one mono WAV, the same as the whole synthesis; nothing left on errors', async () => {
  const tts = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1 });
  const text = 'The first sentence. And the second one.';
  const whole = await tts.synthesize(text, { seed: 2 });
  const path = join(tmp, 'streamed.wav');
  const n = await writeWavChunks(path, tts.stream(text, { seed: 2 }), tts.sampleRate);
  await tts.dispose();
  assert.equal(n, whole.audio.length);
  const w = decodeWav(readFileSync(path));
  assert.equal(w.channels.length, 1, 'chunks are never channels');
  assert.equal(w.sampleRate, tts.sampleRate);
  assert.deepEqual(readFileSync(path), Buffer.from(encodeWav(whole.audio, tts.sampleRate)), 'byte for byte the whole synthesis');
  // Plain arrays, sync iterable, float format.
  const parts = [Float32Array.from([0.5, -0.5]), Float32Array.from([0.25])];
  await writeWavChunks(join(tmp, 'parts.wav'), parts, 16000, 'float32');
  assert.deepEqual([...decodeWav(readFileSync(join(tmp, 'parts.wav'))).channels[0]!], [0.5, -0.5, 0.25]);
  // A failing source or a wrong rate leaves no file and no temporary file.
  async function* failing() { yield Float32Array.from([0.1]); throw new Error('source broke'); }
  await assert.rejects(writeWavChunks(join(tmp, 'fail.wav'), failing(), 16000), /source broke/);
  await assert.rejects(writeWavChunks(join(tmp, 'rate.wav'), [{ audio: parts[0]!, sampleRate: 8000 }], 16000), /8000 Hz in a 16000 Hz file/);
  await assert.rejects(writeWavChunks('/proc/nope.wav', parts, 16000), (e: Error) => /^\/proc\/nope\.wav: cannot write/.test(e.message) && !/\.tmp/.test(e.message));
  const w2 = new WavFileWriter(join(tmp, 'aborted.wav'), 16000);
  w2.write(parts[0]!);
  w2.abort();
  assert.deepEqual(readdirSync(tmp).filter((f) => f.endsWith('.wav') || f.endsWith('.tmp')).sort(), ['parts.wav', 'st.wav', 'streamed.wav']);
});
