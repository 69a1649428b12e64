// SSML through ProDiffTTS and `prodiff say` on a tiny random-weight voice: breaks are exact
// silences (in samples), prosody/emphasis/voice equal the call-level controls on the same words,
// volume is a gain, timestamps and pauses line up, errors name line:column.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav.js';
import { ProDiffTTS, TTSInputError } from '../../src/api/tts.js';
import { makeRandomVoice, TINY_HPARAMS } from '../../src/voice/index.js';
import { repoRoot } from '../golden.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const HOP = 256, SR = 22050;
let tmp: string;
let tts: ProDiffTTS;
let two: ProDiffTTS;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-ssml-'));
  mkdirSync(join(tmp, 'voices'));
  const one = makeRandomVoice(join(tmp, 'voices', 'tiny-ssml'), TINY_HPARAMS, { seed: 3, vocoder: { type: 'griffin-lim', iterations: 1 }, numSpeakers: 0 });
  tts = await ProDiffTTS.load({ dir: one.dir }, { threads: 1 });
  const multi = makeRandomVoice(join(tmp, 'two'), TINY_HPARAMS, { numSpeakers: 2, speakers: ['ann', 'bob'], vocoder: { type: 'griffin-lim', iterations: 1 } });
  two = await ProDiffTTS.load({ dir: multi.dir }, { threads: 1 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const isSilent = (a: Float32Array, from: number, to: number) => a.subarray(from, to).every((x) => x === 0);

test('break: an exact silence in samples between the two utterances; reported as a pause', async () => {
  const r = await tts.synthesize('<speak>Hello <break time="500ms"/> world</speak>');
  const hello = await tts.synthesize('Hello');
  const world = await tts.synthesize('world', { seed: tts.voice.config.inference.noise_seed + 1 });
  const gap = Math.round(0.5 * SR);
  assert.equal(r.audio.length, hello.audio.length + gap + world.audio.length);
  assert.deepEqual(r.audio.subarray(0, hello.audio.length), hello.audio);
  assert.ok(isSilent(r.audio, hello.audio.length, hello.audio.length + gap));
  assert.deepEqual(r.audio.subarray(hello.audio.length + gap), world.audio);
  assert.deepEqual(r.pauses, [{ start: hello.audio.length / SR, end: (hello.audio.length + gap) / SR }]);
  assert.deepEqual(r.words.map((w) => w.word), ['Hello', 'world']);
  assert.ok(Math.abs(r.words[1]!.start - (hello.audio.length + gap) / SR - world.words[0]!.start) < 1e-9);
  assert.equal(r.phonesTimed[r.phonesTimed.length - 1]!.end, r.duration);
});

test('break: strengths, a leading and a trailing break', async () => {
  const r = await tts.synthesize('<speak><break strength="strong"/>Hi<break strength="x-weak"/>there<break time="2s"/></speak>');
  const lead = Math.round(0.75 * SR), mid = Math.round(0.1 * SR), tail = 2 * SR;
  const hi = await tts.synthesize('Hi');
  const there = await tts.synthesize('there', { seed: tts.voice.config.inference.noise_seed + 1 });
  assert.equal(r.audio.length, lead + hi.audio.length + mid + there.audio.length + tail);
  assert.ok(isSilent(r.audio, 0, lead));
  assert.deepEqual(r.audio.subarray(lead, lead + hi.audio.length), hi.audio);
  assert.ok(isSilent(r.audio, r.audio.length - tail, r.audio.length));
  assert.equal(r.phonesTimed[0]!.start, lead / SR, 'timestamps start after the leading break');
  assert.equal(r.sentences[0]!.start, lead / SR);
  assert.ok(Math.abs(r.sentences[0]!.end - (lead + hi.audio.length) / SR) < 1e-9);
  assert.equal(r.pauses.length, 3);
  assert.ok(Math.abs(r.pauses[2]!.end - r.pauses[2]!.start - 2) < 1e-9);
});

test('prosody rate: durations equal the duration scale the rate gives (50% = twice as long)', async () => {
  const slow = await tts.synthesize('<speak><prosody rate="50%">Hello there</prosody></speak>');
  const plain = await tts.synthesize('Hello there');
  const scaled = await tts.synthesize('Hello there', { durationScale: 2 });
  assert.deepEqual(slow.audio, scaled.audio);
  assert.ok(slow.frames > 1.8 * plain.frames && slow.frames < 2.2 * plain.frames, `${slow.frames} vs ${plain.frames} frames`);
  const fast = await tts.synthesize('<speak><prosody rate="x-fast">Hello there</prosody></speak>', { speed: 0.75 });
  assert.deepEqual(fast.audio, (await tts.synthesize('Hello there', { durationScale: 1 / 0.75 / 1.5 })).audio, 'the rate multiplies the call speed');
});

test('prosody pitch and volume, emphasis: the same audio as the call-level controls / a gain', async () => {
  const pitched = await tts.synthesize('<speak><prosody pitch="+3st">Hello there</prosody></speak>');
  assert.deepEqual(pitched.audio, (await tts.synthesize('Hello there', { pitch: 3 })).audio);
  assert.notDeepEqual(pitched.mel, (await tts.synthesize('Hello there')).mel);
  const plain = await tts.synthesize('Hello there');
  const loud = await tts.synthesize('<speak><prosody volume="+6dB">Hello there</prosody></speak>');
  const g = 10 ** (6 / 20);
  assert.equal(loud.audio.length, plain.audio.length);
  // The output stage clamps to [-1, 1] after the gain.
  const clamp = (x: number) => Math.min(1, Math.max(-1, x));
  assert.ok(loud.audio.every((x, i) => Math.abs(x - clamp(Math.fround(plain.audio[i]! * g))) < 1e-7));
  const silent = await tts.synthesize('<speak><prosody volume="silent">Hello there</prosody></speak>');
  assert.ok(silent.audio.every((x) => x === 0) && silent.audio.length === plain.audio.length);
  const emph = await tts.synthesize('<speak><emphasis level="strong">Hello there</emphasis></speak>');
  assert.deepEqual(emph.audio, (await tts.synthesize('Hello there', { durationScale: 1 / 0.8, pitch: 2, energy: 1.3 })).audio);
});

test('a style change inside a sentence splits it without a pause; sentences get the sentence silence', async () => {
  const r = await tts.synthesize('<speak><s>Hello <prosody rate="slow">big</prosody> world</s><s>Bye</s></speak>', { sentenceSilence: 0.2 });
  assert.deepEqual(r.sentences.map((s) => s.text.toLowerCase()), ['hello', 'big', 'world', 'bye']);
  assert.equal(r.pauses.length, 1, 'only between the two <s>');
  assert.ok(Math.abs(r.pauses[0]!.end - r.pauses[0]!.start - Math.round(0.2 * SR) / SR) < 1e-9);
  assert.ok(Math.abs(r.pauses[0]!.start - r.sentences[2]!.end) < 1e-9);
});

test('sub, phoneme, say-as: the spoken phones, the written word in the timestamps', async () => {
  const r = await tts.synthesize('<speak><sub alias="World Wide Web">WWW</sub> <phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme> <say-as interpret-as="characters">ab</say-as></speak>');
  assert.deepEqual(r.words.map((w) => w.word), ['WWW', 'tomato', 'A', 'B']);
  assert.deepEqual(r.phones.join(' '), '<BOS> W ER1 L D | W AY1 D | W EH1 B | T AH0 M EY1 T OW0 | EY1 | B IY1 <EOS>');
  const www = r.words[0]!;
  assert.equal(www.start, r.phonesTimed[1]!.start);
  assert.equal(r.phonesTimed[12]!.phone, 'B');
  assert.equal(www.end, r.phonesTimed[12]!.end, 'the sub spans all the alias phones');
});

test('voice: speaker names and ids of a multi-speaker voice; the voice name on a single-speaker voice; errors', async () => {
  const bob = await two.synthesize('<speak><voice name="bob">Hello there</voice></speak>');
  assert.deepEqual(bob.audio, (await two.synthesize('Hello there', { speaker: 'bob' })).audio);
  assert.deepEqual((await two.synthesize('<speak><voice name="1">Hello there</voice></speak>')).audio, bob.audio);
  assert.notDeepEqual((await two.synthesize('<speak><voice name="ann">Hello there</voice></speak>')).mel, bob.mel);
  await assert.rejects(two.synthesize('<speak>Hi <voice name="carl">x</voice></speak>'), (e: Error) => e instanceof TTSInputError && /^SSML 1:11: <voice name="carl">: voice .* has no such speaker \(names: .*ann, bob/.test(e.message));
  const own = tts.voice.config.name;
  assert.deepEqual((await tts.synthesize(`<speak><voice name="${own}">Hello there</voice></speak>`)).audio, (await tts.synthesize('Hello there')).audio);
  await assert.rejects(tts.synthesize('<speak><voice name="bob">x</voice></speak>'), /SSML 1:8: <voice name="bob">: voice .* has no such speaker/);
});

test('detection: <speak at the start is SSML; ssml:false reads it as text; text with < stays text', async () => {
  const auto = await tts.synthesize('<speak>Hello</speak>');
  assert.deepEqual(auto.words.map((w) => w.word), ['Hello']);
  const forcedText = await tts.synthesize('<speak>Hello</speak>', { ssml: false });
  assert.ok(forcedText.words.some((w) => /speak/i.test(w.word)), forcedText.words.map((w) => w.word).join(' '));
  const lt = await tts.synthesize('Three < four, and <b> is bold.');
  assert.ok(lt.words.some((w) => w.word === 'bold'));
  await assert.rejects(tts.synthesize('Hello <break/>', { ssml: true }), /^TTSInputError: SSML 1:\d+: malformed XML/);
  await assert.rejects(tts.synthesize('<speak>\n  Hello <foo/></speak>'), /SSML 2:9: unsupported element <foo>/);
  await assert.rejects(tts.synthesize('<speak><break time="1s"/></speak>'), /the SSML has nothing to say/);
});

test('CLI: --ssml, auto-detection, pauses in the timestamps; bad SSML: exit 1, one line with the position, no file', () => {
  const out = join(tmp, 'ssml.wav'), ts = join(tmp, 'ssml.json');
  const run = (args: string[], input = '') => {
    const r = spawnSync(process.execPath, [CLI, 'say', '-q', '--voice', 'tiny-ssml', ...args], { input, env: { ...process.env, PRODIFF_VOICES: join(tmp, 'voices') } });
    return { code: r.status, stderr: r.stderr.toString() };
  };
  let r = run(['--ssml', '-o', out, '--timestamps', ts, '--text-file', '-'], '<speak>Hi<break time="1s"/>there</speak>');
  assert.equal(r.code, 0, r.stderr);
  const wav = decodeWav(readFileSync(out));
  const j = JSON.parse(readFileSync(ts, 'utf8')) as { words: { word: string }[]; pauses: { start: number; end: number }[]; phones: { end: number }[] };
  assert.deepEqual(j.words.map((w) => w.word), ['Hi', 'there']);
  assert.equal(j.pauses.length, 1);
  assert.ok(Math.abs(j.pauses[0]!.end - j.pauses[0]!.start - 1) < 1e-5);
  assert.ok(wav.length >= SR + 2 * HOP);
  assert.ok(wav.channels[0]!.subarray(Math.round(j.pauses[0]!.start * SR) + 1, Math.round(j.pauses[0]!.end * SR) - 1).every((x) => x === 0));
  r = run(['-o', out, '<speak>Hi <prosody rate="slow">there</prosody></speak>']);
  assert.equal(r.code, 0, r.stderr);
  rmSync(out);
  r = run(['--ssml', '-o', out, '<speak>\nHi <prosody rate="zippy">there</prosody></speak>']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^prodiff say: SSML 2:4: <prosody> rate="zippy" is not /);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.ok(!existsSync(out));
});
