// prodiff say and the library API on a tiny random-weight voice built here: packaging and loading
// (with every validation), synthesis lengths = durations x hop, timestamps, streaming order,
// concurrency, bad input through the API and the CLI (clear error, non-zero exit, no file left).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav.js';
import { ProDiffTTS, TTSInputError } from '../../src/api/tts.js';
import { phoneTimings, wordTimings } from '../../src/api/timestamps.js';
import { loadVoice, makeRandomVoice, packageVoice, parseVoiceConfig, readVoiceConfig, TINY_HPARAMS, VoiceError, writeRandomModel } from '../../src/voice/index.js';
import { readSafetensors, writeSafetensors } from '../../src/engine/safetensors.js';
import { repoRoot } from '../golden.js';
import { AcousticModel } from '../../src/model/inference.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
let tmp: string;
let voiceDir: string;
let tts: ProDiffTTS;
const HOP = 256;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-say-'));
  mkdirSync(join(tmp, 'voices'));
  voiceDir = join(tmp, 'voices', 'tiny-test');
  makeRandomVoice(voiceDir, TINY_HPARAMS, { seed: 3, vocoder: { type: 'griffin-lim', iterations: 2 }, numSpeakers: 0 });
  tts = await ProDiffTTS.load({ dir: voiceDir }, { threads: 1 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], o: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: o.input ?? '', env: { ...process.env, PRODIFF_VOICES: join(tmp, 'voices'), ...o.env }, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

function brokenVoice(name: string, edit: (dir: string) => void): string {
  const d = join(tmp, name);
  rmSync(d, { recursive: true, force: true });
  cpSync(voiceDir, d, { recursive: true });
  edit(d);
  return d;
}

test('voice package: piper-style voice.json, model card, weights; loads back', () => {
  const cfg = readVoiceConfig(voiceDir);
  assert.equal(cfg.audio.sample_rate, 22050);
  assert.equal(cfg.phoneme_type, 'arpabet');
  assert.equal(cfg.num_symbols, Object.keys(cfg.phoneme_id_map).length);
  assert.deepEqual(cfg.phoneme_id_map['<pad>'], [0]);
  assert.equal(cfg.num_speakers, 1);
  assert.deepEqual(cfg.schedule, { teacher_steps: 4, timesteps: 4, timescale: 1 });
  assert.equal(cfg.inference.steps, 4);
  assert.deepEqual(cfg.stress_policy, { 2: '1' });
  assert.equal(cfg.vocoder.type, 'griffin-lim');
  assert.ok(cfg.f0.mean > 0 && cfg.f0.std > 0);
  assert.equal(cfg.hparams.hidden_size, 16);
  const card = readFileSync(join(voiceDir, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /licence/i);
  assert.match(card, /Size on disk/);
  const v = loadVoice('tiny-test', { env: { PRODIFF_VOICES: join(tmp, 'voices') } });
  assert.equal(v.dir, voiceDir);
  assert.equal(v.source, 'user');
  assert.throws(() => packageVoice({ model: join(voiceDir, 'model.safetensors'), out: voiceDir }), /already exists/);
  assert.deepEqual(readdirSync(join(tmp, 'voices')), ['tiny-test'], 'no temporary directories left');
});

test('a distilled-student layout (2 steps at time scale 2) packages with its schedule', () => {
  const model = join(tmp, 'student.safetensors');
  writeRandomModel(model, TINY_HPARAMS, { steps: 2 });
  const p = packageVoice({ model, out: join(tmp, 'student-voice') });
  assert.deepEqual(p.config.schedule, { teacher_steps: 4, timesteps: 2, timescale: 2 });
  assert.equal(p.config.inference.steps, 2);
  assert.match(p.card, /2 denoiser step/);
});

test('synthesize: audio = durations x hop, timestamps tile the audio, stress 2 -> 1', async () => {
  const r = await tts.synthesize('The quick brown fox jumps over 13 lazy dogs. Information is power!');
  assert.equal(r.sampleRate, 22050);
  assert.equal(r.sentences.length, 2);
  assert.equal(r.audio.length, r.frames * HOP);
  assert.equal(r.mel.length, r.frames * r.mels);
  assert.equal(r.phones.length, r.phonesTimed.length);
  assert.ok(!r.phones.some((p) => /2$/.test(p)), `no secondary stress: ${r.phones.join(' ')}`);
  assert.ok(r.phones.includes('IH1'), 'information: IH2 -> IH1');
  let t = 0;
  for (const p of r.phonesTimed) {
    assert.ok(Math.abs(p.start - t) < 1e-9 && p.end >= p.start, `${p.phone} at ${p.start}`);
    t = p.end;
  }
  assert.ok(Math.abs(t - r.duration) < 1e-9, 'the last phone ends with the audio');
  assert.deepEqual(r.words.map((w) => w.word), ['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'thirteen', 'lazy', 'dogs', 'Information', 'is', 'power']);
  for (let i = 0; i < r.words.length; i++) {
    const w = r.words[i]!;
    assert.ok(w.end > w.start, `${w.word} has a duration`);
    if (i > 0) assert.ok(w.start >= r.words[i - 1]!.end, 'words in order');
  }
  assert.ok(r.words[9]!.start >= r.sentences[1]!.start, 'second sentence words are offset');
  assert.ok(r.timings.acousticMs > 0 && r.timings.vocoderMs >= 0);
});

test('timestamps from durations: frames -> seconds; punctuation has no word', () => {
  const p = phoneTimings(['<BOS>', 'HH', 'AY1', '.', '<EOS>'], [2, 3, 5, 1, 0], 256, 25600, 1);
  assert.deepEqual(p.map((x) => [x.start, x.end]), [[1, 1.02], [1.02, 1.05], [1.05, 1.1], [1.1, 1.11], [1.11, 1.11]]);
  const w = wordTimings([{ text: 'hi', kind: 'word', start: 1, end: 3 }, { text: '.', kind: 'punctuation', start: 3, end: 4 }], p);
  assert.deepEqual(w, [{ word: 'hi', start: 1.02, end: 1.1 }]);
  assert.throws(() => phoneTimings(['a'], [1, 2], 256, 22050), /1 phones but 2 durations/);
});

test('stream: sentences in order, contiguous, the same audio as synthesize; concurrent calls agree', async () => {
  const text = 'One. Two three. Four five six? Seven!';
  const whole = await tts.synthesize(text, { seed: 5, sentenceSilence: 0.1 });
  const chunks = [];
  for await (const c of tts.stream(text, { seed: 5, sentenceSilence: 0.1 })) chunks.push(c);
  assert.deepEqual(chunks.map((c) => c.index), [0, 1, 2, 3]);
  assert.deepEqual(chunks.map((c) => c.text), ['One.', 'Two three.', 'Four five six?', 'Seven!']);
  let at = 0;
  for (const c of chunks) {
    assert.ok(Math.abs(c.start - at / 22050) < 1e-9);
    const silence = c.index < 3 ? Math.round(0.1 * 22050) : 0;
    assert.equal(c.audio.length, c.durations.reduce((a, b) => a + b, 0) * HOP + silence);
    assert.deepEqual(c.audio, whole.audio.subarray(at, at + c.audio.length));
    at += c.audio.length;
  }
  assert.equal(at, whole.audio.length);
  // Concurrent calls on one instance: same results as one at a time.
  const [a, b, c] = await Promise.all([tts.synthesize('Hello there.', { seed: 1 }), tts.synthesize(text, { seed: 5, sentenceSilence: 0.1 }), tts.synthesize('Hello there.', { seed: 1 })]);
  assert.deepEqual(a.audio, c.audio);
  assert.deepEqual(b.audio, whole.audio);
  // Controls change the result.
  const slow = await tts.synthesize('Hello there.', { seed: 1, speed: 0.5 });
  assert.ok(slow.audio.length > a.audio.length * 1.5, 'speed 0.5 is about twice as long');
});

test('multi-speaker voices: speaker by id or name; abort between sentences', async () => {
  const p = makeRandomVoice(join(tmp, 'two-speakers'), TINY_HPARAMS, { numSpeakers: 2, speakers: ['ann', 'bob'], vocoder: { type: 'griffin-lim', iterations: 1 } });
  assert.equal(p.config.num_speakers, 2);
  assert.deepEqual({ ...p.config.speaker_id_map }, { ann: 0, bob: 1 });
  const two = await ProDiffTTS.load({ dir: p.dir }, { threads: 1 });
  const byName = await two.synthesize('Hello there.', { speaker: 'bob' });
  const byId = await two.synthesize('Hello there.', { speaker: 1 });
  const other = await two.synthesize('Hello there.', { speaker: 0 });
  assert.deepEqual(byName.audio, byId.audio);
  assert.notDeepEqual(byName.mel, other.mel);
  await assert.rejects(two.synthesize('Hi.', { speaker: 2 }), (e: Error) => e instanceof TTSInputError && e.message === 'speaker 2 out of range [0, 1] (speakers: 0 ann, 1 bob)');
  await assert.rejects(two.synthesize('Hi.', { speaker: -1 }), /speaker -1 out of range \[0, 1\] \(speakers: 0 ann, 1 bob\)/);
  await assert.rejects(two.synthesize('Hi.', { speaker: 0.5 }), /speaker 0.5 out of range/);
  await assert.rejects(two.synthesize('Hi.', { speaker: 'carol' }), (e: Error) => e instanceof TTSInputError && e.message === "unknown speaker 'carol' (speakers: 0 ann, 1 bob)");
  const ac = new AbortController();
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const c of two.stream('One. Two. Three.', { signal: ac.signal })) {
      seen.push(c.index);
      ac.abort(new Error('stop here'));
    }
  }, /stop here/);
  assert.deepEqual(seen, [0]);
});

test('steps: the voice default; other divisors of N run the naive DDIM path', async () => {
  const own = await tts.synthesize('Hello there.', { seed: 2 });
  assert.deepEqual((await tts.synthesize('Hello there.', { seed: 2, steps: 4 })).mel, own.mel);
  const two = await tts.synthesize('Hello there.', { seed: 2, steps: 2 });
  const one = await tts.synthesize('Hello there.', { seed: 2, steps: 1 });
  assert.equal(two.frames, own.frames);
  assert.notDeepEqual(two.mel, own.mel);
  assert.notDeepEqual(one.mel, two.mel);
  // The same as a 2-step DDIM model over every second step of the 4-step schedule.
  const v = loadVoice({ dir: voiceDir });
  const naive = await AcousticModel.create(v.model.cfg, v.model.params, { teacherSteps: 4, numSteps: 2, timescale: 2, sampler: 'ddim', threads: 1 });
  const direct = await naive.synthesize(v.vocab.encode(tts.phonemize('Hello there.').sentences[0]!.phones), { seed: 2 });
  assert.deepEqual(direct.mel, two.mel);
});

test('bad input through the API: clear TTSInputErrors', async () => {
  const bad = async (text: string, o: object, re: RegExp) => assert.rejects(tts.synthesize(text, o), (e: Error) => e instanceof TTSInputError && re.test(e.message));
  await bad('', {}, /no text/);
  await bad('   \n ', {}, /no text/);
  await bad('... ?! ,', {}, /nothing to say/);
  await bad('a'.repeat(200_000), {}, /too long: 200000 characters/);
  await bad('Hi.', { speed: 0 }, /speed/);
  await bad('Hi.', { pitch: Number.NaN }, /pitch/);
  await bad('Hi.', { steps: 3 }, /steps must be one of 1, 2, 4/);
  await bad('Hi.', { seed: -1 }, /seed/);
  await bad('Hi.', { speaker: 'bob' }, /has a single speaker; a speaker \("bob"\) can only be chosen on a multi-speaker voice/);
  await bad('Hi.', { speaker: 0 }, /has a single speaker/);
  await assert.rejects(tts.synthesize('Hi.', { vocoder: 'no-such-vocoder' }), /vocoder 'no-such-vocoder' is not available/);
  // hifigan is registered but needs the voice to carry converted weights.
  await assert.rejects(tts.synthesize('Hi.', { vocoder: 'hifigan' }), /hifigan' needs a weights file/);
});

test('voice names never escape the voices directory; directories need {dir} or an explicit path', () => {
  const env = { PRODIFF_VOICES: join(tmp, 'voices') };
  for (const name of ['..', '../voices/tiny-test', 'a/b', '/etc', voiceDir, '.hidden', 'default', 'x'.repeat(101)]) {
    assert.throws(() => loadVoice(name, { env }), (e: Error) => e instanceof VoiceError && /invalid voice name/.test(e.message), name);
  }
  assert.throws(() => loadVoice('no-such-voice', { env }), /unknown voice 'no-such-voice' \(installed: .*tiny-test/);
  assert.equal(loadVoice(voiceDir, { env, allowPaths: true }).dir, voiceDir);
  assert.equal(loadVoice({ dir: voiceDir }).dir, voiceDir);
  assert.throws(() => loadVoice({ dir: tmp }), /no voice.json/);
});

test('corrupt or inconsistent voices: clear VoiceErrors', async () => {
  const edited = (name: string, f: (j: Record<string, unknown>) => void) => brokenVoice(name, (d) => {
    const j = JSON.parse(readFileSync(join(d, 'voice.json'), 'utf8')) as Record<string, unknown>;
    f(j);
    writeFileSync(join(d, 'voice.json'), JSON.stringify(j));
  });
  const cases: [string, RegExp][] = [
    [brokenVoice('garbage', (d) => writeFileSync(join(d, 'voice.json'), '{"format": "prodiff-voice/1", "na')), /not valid JSON.*corrupt/],
    [edited('no-audio', (j) => delete j.audio), /audio: missing/],
    [edited('bad-rate', (j) => ((j.audio as Record<string, unknown>).sample_rate = 'fast')), /audio.sample_rate: must be a positive integer/],
    [edited('wrong-format', (j) => (j.format = 'piper')), /format: 'piper' is not supported/],
    [edited('escaping-model', (j) => (j.model = '../model.safetensors')), /model: '..\/model.safetensors' must be a file name inside/],
    [edited('few-symbols', (j) => {
      const m = j.phoneme_id_map as Record<string, number[]>;
      delete m.ZH;
      j.num_symbols = (j.num_symbols as number) - 1;
    }), /token embedding has 80 rows but voice.json has num_symbols 79|0 <= id < num_symbols 79/],
    [edited('bigger-model', (j) => ((j.hparams as Record<string, unknown>).residual_channels = 16)), /weights do not fit.*has shape \[8,80,1\], the model expects \[16,80,1\]/],
    [edited('steps', (j) => ((j.inference as Record<string, unknown>).steps = 2)), /inference.steps: 2, but the model runs 4 steps/],
    [edited('vocoder', (j) => (j.vocoder = { type: 'vocos' })), /a vocos vocoder needs its weights file/],
    [brokenVoice('truncated', (d) => {
      const b = readFileSync(join(d, 'model.safetensors'));
      writeFileSync(join(d, 'model.safetensors'), b.subarray(0, b.length >> 1));
    }), /corrupt model file/],
    [brokenVoice('no-model', (d) => rmSync(join(d, 'model.safetensors'))), /model file 'model.safetensors' named by voice.json is missing/],
    [brokenVoice('nan', (d) => {
      const st = readSafetensors(join(d, 'model.safetensors'));
      (st.tensors.get('denoise_fn.output_projection.weight')!.data as Float32Array)[0] = Number.NaN;
      writeSafetensors(join(d, 'model.safetensors'), st.tensors, st.metadata);
    }), /NaN/],
  ];
  for (const [dir, re] of cases) {
    await assert.rejects(ProDiffTTS.load({ dir }), (e: Error) => e instanceof VoiceError && re.test(e.message), `${dir}: expected ${re}`);
  }
  assert.throws(() => parseVoiceConfig('[]', 'x.json'), /must hold a JSON object/);
});

test('CLI say: WAV of durations x hop, timestamps, stdout, streaming', () => {
  const out = join(tmp, 'out');
  mkdirSync(out, { recursive: true });
  const wav = join(out, 'fox.wav');
  const ts = join(out, 'fox.json');
  const r = cli(['say', 'The quick brown fox jumps over 13 lazy dogs. Then it sleeps.', '--voice', 'tiny-test', '-o', wav, '--timestamps', ts, '--seed', '2']);
  assert.equal(r.code, 0, r.stderr);
  const w = decodeWav(readFileSync(wav));
  const t = JSON.parse(readFileSync(ts, 'utf8')) as { duration: number; words: { word: string; start: number; end: number }[]; phones: { start: number; end: number }[]; sentences: unknown[] };
  assert.equal(w.sampleRate, 22050);
  assert.equal(w.channels[0]!.length % HOP, 0);
  assert.ok(Math.abs(w.channels[0]!.length / 22050 - t.duration) < 1e-5);
  assert.equal(t.sentences.length, 2);
  assert.equal(t.words[6]!.word, 'thirteen');
  assert.ok(Math.abs(t.phones[t.phones.length - 1]!.end - t.duration) < 1e-5);
  // Same text on stdout (text on stdin), and streamed: the same samples.
  const s = cli(['say', '-o', '-', '--voice', 'tiny-test', '--seed', '2', '-q'], { input: 'The quick brown fox jumps over 13 lazy dogs. Then it sleeps.' });
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(decodeWav(s.stdout).channels[0], w.channels[0]);
  const st = cli(['say', '--text-file', '-', '-o', '-', '--stream', '--voice', voiceDir, '--seed', '2', '-q'], { input: 'The quick brown fox jumps over 13 lazy dogs. Then it sleeps.' });
  assert.equal(st.code, 0, st.stderr);
  assert.equal(st.stdout.readUInt32LE(40), 0xffffffff, 'streaming header: unknown length');
  assert.deepEqual(new Int16Array(st.stdout.buffer.slice(st.stdout.byteOffset + 44, st.stdout.byteOffset + st.stdout.length)).length, w.channels[0]!.length);
  const sf = cli(['say', 'Hello. World.', '-o', join(out, 'stream.wav'), '--stream', '--voice', 'tiny-test', '-q']);
  assert.equal(sf.code, 0, sf.stderr);
  assert.equal(decodeWav(readFileSync(join(out, 'stream.wav'))).channels[0]!.length % HOP, 0, 'a streamed file gets its real sizes');
  assert.deepEqual(readdirSync(out).sort(), ['fox.json', 'fox.wav', 'stream.wav']);
});

test('CLI say: bad input -> clear error, non-zero exit, no file left behind', () => {
  const out = join(tmp, 'bad');
  mkdirSync(out, { recursive: true });
  const wav = join(out, 'x.wav');
  const big = join(tmp, 'big.txt');
  writeFileSync(big, 'word '.repeat(40_000));
  const garbage = brokenVoice('voices/corrupt', (d) => writeFileSync(join(d, 'voice.json'), 'not json'));
  const cases: [string[], RegExp, string?][] = [
    [['say', '', '-o', wav, '--voice', 'tiny-test'], /no text given/],
    [['say', '-o', wav, '--voice', 'tiny-test'], /no text given/, '   '],
    [['say', '!!! ...', '-o', wav, '--voice', 'tiny-test'], /nothing to say/],
    [['say', '--text-file', big, '-o', wav, '--voice', 'tiny-test'], /too long: 200000 characters/],
    [['say', 'Hi.', '-o', wav, '--voice', 'nobody'], /unknown voice 'nobody'/],
    [['say', 'Hi.', '-o', wav, '--voice', '..'], /no voice.json|not a voice directory/],
    [['say', 'Hi.', '-o', wav, '--voice', 'corrupt'], /not valid JSON/],
    [['say', 'Hi.', '-o', join(tmp, 'no', 'such', 'dir', 'x.wav'), '--voice', 'tiny-test'], /cannot write the audio/],
    [['say', 'Hi.', '-o', out, '--voice', 'tiny-test'], /is a directory/],
    [['say', 'Hi.', '-o', wav, '--voice', 'tiny-test', '--timestamps', join(tmp, 'nope', 't.json')], /cannot write the timestamps/],
    [['say', 'Hi.', '-o', wav, '--voice', 'tiny-test', '--steps', '3'], /steps must be one of 1, 2, 4/],
    [['say', 'Hi.', '-o', wav, '--voice', 'tiny-test', '--speed', 'fast'], /--speed: 'fast' is not a number/],
    [['say', 'Hi.', '-o', wav, '--stream', '--voice', 'tiny-test', '--vocoder', 'nope'], /vocoder 'nope' is not available/],
    [['say', 'Hi.', '--voice', 'tiny-test'], /no output/],
  ];
  for (const [args, re, input] of cases) {
    const r = cli(args, { input: input ?? '' });
    assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, re, args.join(' '));
  }
  assert.deepEqual(readdirSync(out), [], 'no partial output');
  assert.ok(existsSync(garbage));
});

test('CLI voices lists user voices, marks broken ones', () => {
  const r = cli(['voices', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout.toString()) as { voices: { name: string; ok: boolean; source: string }[] };
  const tiny = j.voices.find((v) => v.name === 'tiny-test');
  assert.ok(tiny && tiny.ok && tiny.source === 'user');
  assert.ok(j.voices.some((v) => v.name === 'corrupt' && !v.ok));
  const t = cli(['voices']);
  assert.match(t.stdout.toString(), /tiny-test\s+user\s+en_US/);
});
