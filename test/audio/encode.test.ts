// The audio formats: each file decodes (with an independent decoder) to the right length and
// signal; streamed encoding equals whole-file encoding; the streaming resampler equals resample().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatches, AUDIO_FORMATS, AudioFormatError, createEncoder, encodeAudio, formatOfPath, sampleRateProblem, type AudioFormat } from '../../src/audio/encode/index.js';
import { oggCrc } from '../../src/audio/encode/ogg.js';
import { KAISER_BEST, KAISER_FAST, resample } from '../../src/audio/resample.js';
import { StreamResampler } from '../../src/audio/resample-stream.js';
import { decodeAudio } from './decode.js';

const SR = 22050;
const tone = (f: number, sr: number, n: number, a = 0.5) => Float32Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / sr));

/** Amplitude of frequency f in x (a single DFT bin, by brute force), over its middle half. */
function amplitudeAt(x: Float32Array, sr: number, f: number): number {
  const a = Math.floor(x.length / 4), b = Math.floor((3 * x.length) / 4);
  let re = 0, im = 0;
  for (let i = a; i < b; i++) {
    re += x[i]! * Math.cos((2 * Math.PI * f * i) / sr);
    im += x[i]! * Math.sin((2 * Math.PI * f * i) / sr);
  }
  return (2 * Math.hypot(re, im)) / (b - a);
}

function randomChunks(x: Float32Array, seed: number): Float32Array[] {
  const out: Float32Array[] = [];
  let s = seed;
  for (let at = 0; at < x.length;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const n = 1 + (s % 3000);
    out.push(x.subarray(at, at + n));
    at += n;
  }
  return out;
}

const cat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

test('formatOfPath: by extension, none for no extension, a one-line error for an unknown one', () => {
  assert.equal(formatOfPath('a/b/out.MP3'), 'mp3');
  assert.equal(formatOfPath('x.ogg'), 'opus');
  assert.equal(formatOfPath('x.raw'), 'pcm');
  assert.equal(formatOfPath('x.flac'), 'flac');
  assert.equal(formatOfPath('dir.d/out'), undefined);
  assert.equal(formatOfPath('.hidden'), undefined);
  assert.throws(() => formatOfPath('out.mp4'), (e: Error) => e instanceof AudioFormatError && /unknown audio format '\.mp4' in out\.mp4 \(known: .*\.flac/.test(e.message) && !e.message.includes('\n'));
});

test('sample rates each format refuses', () => {
  assert.match(sampleRateProblem('mp3', 22000)!, /mp3 cannot hold 22000 Hz/);
  assert.match(sampleRateProblem('opus', 96000)!, /opus holds at most 48000/);
  assert.match(sampleRateProblem('wav', 100)!, /sample rate must be an integer in \[8000, 192000\]/);
  assert.equal(sampleRateProblem('flac', 22050), undefined);
});

test('StreamResampler in random pieces gives exactly resample() of the whole signal', () => {
  let s = 7;
  const x = Float32Array.from({ length: 9000 }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; });
  for (const spec of [KAISER_FAST, KAISER_BEST]) {
    for (const [from, to] of [[22050, 24000], [22050, 16000], [22050, 48000], [22050, 8000], [22050, 22050]] as const) {
      const r = new StreamResampler(from, to, spec);
      const parts = randomChunks(x, from + to).map((c) => r.push(c));
      parts.push(r.end());
      const got = Float32Array.from(parts.flatMap((p) => [...p]));
      const want = resample(x, from, to, spec);
      assert.equal(got.length, want.length, `${from}->${to} length`);
      assert.deepEqual(got, want, `${from}->${to}, ${spec.zeroCrossings} zero crossings`);
    }
  }
});

test('kaiser_fast: a tone above the new Nyquist frequency is attenuated by >= 50 dB, one in the pass band kept', () => {
  const x = tone(9000, SR, SR); // 1 s; 16 kHz output's Nyquist is 8 kHz
  const y = resample(x, SR, 16000, KAISER_FAST);
  let peak = 0;
  for (let i = 1000; i < y.length - 1000; i++) peak = Math.max(peak, Math.abs(y[i]!));
  assert.ok(20 * Math.log10(peak / 0.5) <= -50, `${(20 * Math.log10(peak / 0.5)).toFixed(1)} dB`);
  const kept = amplitudeAt(resample(tone(3000, SR, SR), SR, 16000, KAISER_FAST), 16000, 3000);
  assert.ok(Math.abs(kept - 0.5) < 0.01, `3 kHz amplitude ${kept}`);
});

test('Ogg CRC: the table-driven CRC equals a bit-by-bit CRC-32 (poly 0x04C11DB7, init 0, no reflection)', () => {
  const bytes = new TextEncoder().encode('OggS prodiff page check 0123456789');
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = (crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1) >>> 0;
  }
  assert.equal(oggCrc(bytes), crc >>> 0);
});

for (const format of AUDIO_FORMATS) {
  for (const rate of format === 'mp3' ? [22050, 16000] : [22050, 48000]) {
    test(`${format} at ${rate} Hz: decodes to the signal's length and its tone`, async () => {
      const n = Math.round(1.25 * SR);
      const x = tone(440, SR, n);
      const file = await encodeAudio(x, { format, inputRate: SR, sampleRate: rate });
      const d = await decodeAudio(file, format, rate);
      const seconds = d.samples.length / d.sampleRate;
      const want = n / SR;
      if (format === 'mp3') {
        // LAME's encoder delay and the last frame's padding: at most two frames more.
        assert.ok(seconds >= want && seconds <= want + (2 * 1152) / rate + 0.01, `${seconds} s`);
      } else assert.ok(Math.abs(seconds - want) <= 1 / rate + 1e-9, `${seconds} s, want ${want}`);
      assert.equal(d.sampleRate, format === 'opus' ? 48000 : rate);
      const amp = amplitudeAt(d.samples, d.sampleRate, 440);
      assert.ok(Math.abs(amp - 0.5) < 0.05, `440 Hz amplitude ${amp}`);
      assert.ok(amplitudeAt(d.samples, d.sampleRate, 1000) < 0.02);
      if (format === 'flac' || format === 'wav' || format === 'pcm') {
        // Lossless: the 16-bit samples of the (resampled) signal (the FLAC decoder scales by 1/32767).
        const want = rate === SR ? x : resample(x, SR, rate, KAISER_FAST);
        let err = 0;
        for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(d.samples[i]! - want[i]!));
        assert.ok(err <= (format === 'flac' ? 1.5 : 0.5) / 32768 + 1e-9, `max err ${err}`);
      }
    });
  }
}

test('streamed in pieces: the same bytes as one piece (wav, pcm, flac, opus data), and a playable file for every format', async () => {
  const x = tone(300, SR, 30000, 0.3);
  for (const format of AUDIO_FORMATS) {
    const e = await createEncoder({ format, inputRate: SR, sampleRate: format === 'opus' ? 24000 : SR });
    const parts = randomChunks(x, 11).map((c) => e.write(c));
    parts.push(e.end());
    const streamed = applyPatches(cat(parts), e.patches());
    const d = await decodeAudio(streamed, format);
    assert.ok(Math.abs(d.samples.length / d.sampleRate - 30000 / SR) < (format === 'mp3' ? 0.12 : 1e-3), `${format}: ${d.samples.length / d.sampleRate} s`);
    if (format === 'wav' || format === 'pcm' || format === 'flac') assert.deepEqual(streamed, await encodeAudio(x, { format, inputRate: SR }), format);
  }
});

test('wav float: 32-bit IEEE samples, exactly the input', async () => {
  const x = tone(500, SR, 5000, 0.7);
  const d = await decodeAudio(await encodeAudio(x, { format: 'wav', inputRate: SR, float: true }), 'wav');
  assert.deepEqual(d.samples, x);
  await assert.rejects(createEncoder({ format: 'mp3', inputRate: SR, float: true }), /float samples exist in wav and pcm only/);
});

const hasSox = spawnSync('soxi', ['--version']).status !== null;

test('soxi reads the WAV and FLAC files with their true length', { skip: hasSox ? false : 'soxi (Debian sox) is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-enc-'));
  const x = tone(440, SR, 33075);
  for (const format of ['wav', 'flac'] as AudioFormat[]) {
    const f = join(dir, `a.${format}`);
    writeFileSync(f, await encodeAudio(x, { format, inputRate: SR }));
    assert.equal(execFileSync('soxi', ['-s', f], { encoding: 'utf8' }).trim(), '33075', format);
  }
});
