// Exact chunked streaming with a neural vocoder (random-weight Vocos, random 2-step student):
// chunk layout and fields, synthesize() = the streamed chunks = per-sentence whole synthesis, chunk
// options, the CLI's streamed output and timestamps.
import { OutputStage, outputGain } from '../../src/api/output.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav.js';
import { ProDiffTTS, TTSInputError, type SentenceChunk } from '../../src/api/tts.js';
import { chunkBounds, ChunkSizer, FIRST_CHUNK_FRAMES } from '../../src/api/chunks.js';
import { AcousticModel } from '../../src/model/inference.js';
import { VocosVocoder } from '../../src/model/vocos-vocoder.js';
import { VOCOS_SMALL } from '../../src/model/vocos.js';
import { loadVoice, makeRandomVoice, TINY_HPARAMS, writeRandomVocos } from '../../src/voice/index.js';
import { repoRoot } from '../golden.js';
import { maxAbsDiff } from '../compare.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const HOP = 256, SR = 22050;
const TEXT = 'The quick brown fox jumps over 13 lazy dogs. Then it sleeps.';
let tmp: string;
let voiceDir: string;
let tts: ProDiffTTS;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-stream-'));
  const vocos = join(tmp, 'generator.safetensors');
  writeRandomVocos(vocos, { ...VOCOS_SMALL, dim: 32, intermediate: 64, layers: 2 }, 5);
  voiceDir = join(tmp, 'vocos-voice');
  // Dilations 1, 2, 4, 1: the denoiser reaches 8 frames per step.
  makeRandomVoice(voiceDir, { ...TINY_HPARAMS, residual_layers: 4, dilation_cycle_length: 3 }, { seed: 6, steps: 2, vocoder: { type: 'vocos', file: vocos } });
  tts = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const peak = (x: Float32Array) => Math.max(...Array.from(x, Math.abs));

async function collect(text: string, o: object): Promise<SentenceChunk[]> {
  const out: SentenceChunk[] = [];
  for await (const c of tts.stream(text, o)) out.push(c);
  return out;
}

test('stream with a context vocoder: sentences in chunks, fields consistent, synthesize() = the chunks', async () => {
  const o = { seed: 3, sentenceSilence: 0.05, firstChunkFrames: 8, chunkFrames: 24 };
  const chunks = await collect(TEXT, o);
  const whole = await tts.synthesize(TEXT, o);
  let at = 0;
  const sizer = new ChunkSizer(8, 24);
  for (let i = 0; i < 2; i++) {
    const parts = chunks.filter((c) => c.index === i);
    const T = parts[0]!.durations.reduce((a, b) => a + b, 0);
    assert.deepEqual(parts.map((c) => [c.frameOffset, c.frameOffset + c.frames]), sizer.split(T));
    assert.ok(parts.length >= 3, `sentence ${i}: ${parts.length} chunks`);
    assert.deepEqual(parts.map((c) => c.part), parts.map((_, k) => k));
    assert.deepEqual(parts.map((c) => c.final), parts.map((_, k) => k === parts.length - 1));
    assert.ok(parts[0]!.phones.length > 0 && parts[0]!.words.length > 0 && parts[0]!.phonesTimed.length === parts[0]!.phones.length);
    for (const c of parts) {
      assert.equal(c.count, 2);
      assert.equal(c.text, parts[0]!.text);
      assert.ok(Math.abs(c.sentenceStart - parts[0]!.start) < 1e-12);
      assert.ok(Math.abs(c.start - at / SR) < 1e-9, 'contiguous');
      const silence = c.final && i === 0 ? Math.round(0.05 * SR) : 0;
      assert.equal(c.silence, silence / SR);
      assert.equal(c.audio.length, c.frames * HOP + silence);
      assert.equal(c.mel.length, c.frames * 80);
      if (c.part > 0) assert.deepEqual([c.phones, c.words, c.phonesTimed, c.durations], [[], [], [], []]);
      assert.deepEqual(c.audio, whole.audio.subarray(at, at + c.audio.length));
      at += c.audio.length;
    }
  }
  assert.equal(at, whole.audio.length);
  assert.equal(whole.sentences.length, 2);
  assert.deepEqual(whole.words, chunks.flatMap((c) => c.words));
  assert.equal(whole.frames, chunks.reduce((a, c) => a + c.frames, 0));
  assert.ok(chunks[0]!.timings.acousticMs > 0 && chunks[1]!.timings.frontEndMs === 0);
});

test('chunked = per-sentence whole synthesis (the acoustic model and vocoder on whole sentences)', async () => {
  // The pre-chunking pipeline, step by step: each sentence's whole mel, vocoded whole, through the output stage (DC blocker, level).
  const v = loadVoice({ dir: voiceDir });
  const acoustic = await AcousticModel.create(v.model.cfg, v.model.params, { ...v.model.options, threads: 1 });
  const vocoder = await VocosVocoder.load({ mel: v.mel, file: join(voiceDir, v.config.vocoder.file!), threads: 1 });
  const sentences = tts.phonemize(TEXT).sentences;
  const ref: Float32Array[] = [], refMel: Float32Array[] = [];
  for (let i = 0; i < sentences.length; i++) {
    const r = await acoustic.synthesize(sentences[i]!.ids, { seed: 3 + i, durationScale: 1, pitchShift: 0, energyScale: 1 });
    refMel.push(r.mel);
    ref.push(new OutputStage(outputGain(v.config.inference.output_gain_db ?? 0, 1)).process(await vocoder.synthesize(r.mel, r.frames)));
  }
  const cat = (xs: Float32Array[]) => {
    const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
    let at = 0;
    for (const x of xs) { out.set(x, at); at += x.length; }
    return out;
  };
  const refAudio = cat(ref), refMels = cat(refMel);
  const unchunked = await tts.synthesize(TEXT, { seed: 3 });
  assert.deepEqual(unchunked.audio, refAudio, 'synthesize(): whole sentences by default, the very same computation');
  assert.deepEqual(unchunked.mel, refMels);
  // stream() with its defaults: a first chunk of FIRST_CHUNK_FRAMES, the same samples.
  const streamed = await collect(TEXT, { seed: 3 });
  assert.equal(streamed[0]!.frames, FIRST_CHUNK_FRAMES);
  assert.ok(streamed.length > 2);
  const d0 = maxAbsDiff(cat(streamed.map((c) => c.audio)), refAudio);
  assert.ok(d0 <= 1e-5 * peak(refAudio), `stream defaults: max |diff| ${d0}`);
  for (const o of [{ firstChunkFrames: FIRST_CHUNK_FRAMES }, { firstChunkFrames: 1, chunkFrames: 1 }, { firstChunkFrames: 5, chunkFrames: 300 }, { firstChunkFrames: 40 }]) {
    const r = await tts.synthesize(TEXT, { seed: 3, ...o });
    const d = maxAbsDiff(r.audio, refAudio);
    assert.ok(d <= 1e-5 * peak(refAudio), `${JSON.stringify(o)}: audio max |diff| ${d} (peak ${peak(refAudio)})`);
    assert.ok(maxAbsDiff(r.mel, refMels) <= 1e-5 * Math.max(1, peak(refMels)), `${JSON.stringify(o)}: mel`);
    assert.deepEqual(r.words, unchunked.words);
    assert.deepEqual(r.phonesTimed, unchunked.phonesTimed);
    assert.deepEqual(r.sentences, unchunked.sentences);
  }
  // The naive DDIM path (4 steps on the 2-step student) chunks exactly too.
  const ddimWhole = await tts.synthesize(TEXT, { seed: 3, steps: 4 });
  const ddim = await tts.synthesize(TEXT, { seed: 3, steps: 4, firstChunkFrames: 6, chunkFrames: 12 });
  assert.ok(maxAbsDiff(ddim.audio, ddimWhole.audio) <= 1e-5 * peak(ddimWhole.audio));
  // Concurrent chunked calls interleave chunk by chunk and agree with sequential ones.
  const [a, b] = await Promise.all([tts.synthesize(TEXT, { seed: 3, firstChunkFrames: 8 }), tts.synthesize('Hello there.', { seed: 1, firstChunkFrames: 8 })]);
  assert.deepEqual(a.audio, (await tts.synthesize(TEXT, { seed: 3, firstChunkFrames: 8 })).audio);
  assert.deepEqual(b.audio, (await tts.synthesize('Hello there.', { seed: 1, firstChunkFrames: 8 })).audio);
});

test('chunk options are validated', async () => {
  for (const o of [{ firstChunkFrames: 0 }, { firstChunkFrames: 2.5 }, { chunkFrames: -1 }, { chunkFrames: Number.NaN }]) {
    await assert.rejects(tts.synthesize('Hi.', o), (e: Error) => e instanceof TTSInputError && /ChunkFrames|chunkFrames/.test(e.message), JSON.stringify(o));
  }
});

test('CLI say --stream with a context vocoder: the same samples and timestamps as without', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'say', TEXT, '--voice', voiceDir, '--seed', '2', ...args], { maxBuffer: 64 << 20 });
  const wav = join(tmp, 'a.wav'), ts = join(tmp, 'a.json'), sts = join(tmp, 's.json');
  const plain = run(['-o', wav, '--timestamps', ts, '-q']);
  assert.equal(plain.status, 0, plain.stderr.toString());
  const st = run(['-o', '-', '--stream', '--raw', '--first-chunk-frames', '8', '--chunk-frames', '16', '--timestamps', sts]);
  assert.equal(st.status, 0, st.stderr.toString());
  assert.match(st.stderr.toString(), /sentence 1\/2: [\d.]+ s in \d+ chunks/);
  const ref = decodeWav(readFileSync(wav)).channels[0]!;
  const pcm = new Int16Array(st.stdout.buffer.slice(st.stdout.byteOffset, st.stdout.byteOffset + st.stdout.length));
  assert.equal(pcm.length, ref.length);
  let d = 0;
  for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(pcm[i]! / 32768 - ref[i]!));
  assert.ok(d <= 2 / 32768, `16-bit samples differ by ${d}`);
  const a = JSON.parse(readFileSync(ts, 'utf8')) as { sentences: unknown[]; words: unknown[]; phones: unknown[] };
  const b = JSON.parse(readFileSync(sts, 'utf8')) as typeof a;
  assert.equal(a.sentences.length, 2);
  assert.deepEqual(b, a);
});

test('chunk bounds: first, doubling to the cap, short remainders joined, growth across sentences', () => {
  assert.deepEqual(chunkBounds(10, 32, 256), [[0, 10]]);
  assert.deepEqual(chunkBounds(40, 32, 256), [[0, 32], [32, 40]]);
  assert.deepEqual(chunkBounds(200, 32, 64), [[0, 32], [32, 96], [96, 160], [160, 200]]);
  assert.deepEqual(chunkBounds(170, 32, 64), [[0, 32], [32, 96], [96, 170]]);
  assert.deepEqual(chunkBounds(7, 3, 3), [[0, 3], [3, 7]]);
  assert.deepEqual(chunkBounds(50, Infinity, 256), [[0, 50]]);
  assert.deepEqual(chunkBounds(100, 40, 8), [[0, 40], [40, 100]]);
  // Sizes keep growing across sentences; only the stream's first chunk is small.
  const s = new ChunkSizer(8, 24);
  assert.deepEqual([s.split(30), s.split(50), s.split(5)], [[[0, 8], [8, 30]], [[0, 24], [24, 50]], [[0, 5]]]);
});
