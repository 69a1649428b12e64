import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeWav, encodeWav, readWav, toMono, writeWav, writeWavChannels, WavError } from '../../src/audio/wav.js';

/** Builds a WAV by hand: fmt fields, then raw data bytes. */
function makeWav(o: { tag?: number; channels?: number; rate?: number; bits?: number; data: Uint8Array; extensibleTag?: number; dataSize?: number }): Uint8Array {
  const channels = o.channels ?? 1, rate = o.rate ?? 22050, bits = o.bits ?? 16;
  const ext = o.extensibleTag !== undefined;
  const fmtSize = ext ? 40 : 16;
  const buf = new Uint8Array(12 + 8 + fmtSize + 8 + o.data.length);
  const v = new DataView(buf.buffer);
  const put = (at: number, s: string) => { for (let i = 0; i < 4; i++) v.setUint8(at + i, s.charCodeAt(i)); };
  put(0, 'RIFF'); v.setUint32(4, buf.length - 8, true); put(8, 'WAVE');
  put(12, 'fmt '); v.setUint32(16, fmtSize, true);
  v.setUint16(20, ext ? 0xfffe : (o.tag ?? 1), true); v.setUint16(22, channels, true);
  v.setUint32(24, rate, true); v.setUint32(28, rate * channels * bits / 8, true);
  v.setUint16(32, channels * bits / 8, true); v.setUint16(34, bits, true);
  if (ext) { v.setUint16(36, 22, true); v.setUint16(38, bits, true); v.setUint32(40, 3, true); v.setUint16(44, o.extensibleTag!, true); }
  const d = 20 + fmtSize;
  put(d, 'data'); v.setUint32(d + 4, o.dataSize ?? o.data.length, true);
  buf.set(o.data, d + 8);
  return buf;
}

test('reads 8/16/24/32-bit PCM and 32/64-bit float', () => {
  const b8 = makeWav({ bits: 8, data: new Uint8Array([0, 128, 255]) });
  assert.deepEqual([...decodeWav(b8).channels[0]!], [-1, 0, 127 / 128]);
  const d16 = new Uint8Array(new Int16Array([-32768, 0, 16384, 32767]).buffer);
  assert.deepEqual([...decodeWav(makeWav({ data: d16 })).channels[0]!], [-1, 0, 0.5, 32767 / 32768]);
  const d24 = new Uint8Array([0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0xff, 0xff, 0xff]);
  assert.deepEqual([...decodeWav(makeWav({ bits: 24, data: d24 })).channels[0]!], [-1, 0.5, -1 / 8388608].map(Math.fround));
  const d32 = new Uint8Array(new Int32Array([-2147483648, 1073741824]).buffer);
  assert.deepEqual([...decodeWav(makeWav({ bits: 32, data: d32 })).channels[0]!], [-1, 0.5]);
  const f32 = new Uint8Array(new Float32Array([0.25, -0.75]).buffer);
  const w = decodeWav(makeWav({ tag: 3, bits: 32, data: f32 }));
  assert.equal(w.format, 'float32');
  assert.deepEqual([...w.channels[0]!], [0.25, -0.75]);
  const f64 = new Uint8Array(new Float64Array([0.125, -0.5]).buffer);
  assert.deepEqual([...decodeWav(makeWav({ tag: 3, bits: 64, data: f64 })).channels[0]!], [0.125, -0.5]);
});

test('reads WAVE_FORMAT_EXTENSIBLE and down-mixes multi-channel to the channel mean', () => {
  const d = new Uint8Array(new Int16Array([16384, 0, -16384, 8192]).buffer); // 2 frames, stereo
  const w = decodeWav(makeWav({ extensibleTag: 1, channels: 2, rate: 44100, data: d }));
  assert.equal(w.sampleRate, 44100);
  assert.equal(w.length, 2);
  assert.deepEqual([...toMono(w)], [0.25, -0.125]);
  const f = decodeWav(makeWav({ extensibleTag: 3, bits: 32, data: new Uint8Array(new Float32Array([0.5]).buffer) }));
  assert.equal(f.format, 'float32');
});

test('write then read round-trips (16-bit PCM exactly on the int16 grid, float32 exactly)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wav-'));
  const x = new Float32Array([0, 0.5, -1, 1234 / 32768, 32767 / 32768]);
  writeWav(path.join(dir, 'a.wav'), x, 16000, 'pcm16');
  const a = readWav(path.join(dir, 'a.wav'));
  assert.equal(a.sampleRate, 16000);
  assert.deepEqual([...a.channels[0]!], [...x]);
  const y = new Float32Array([0.1, -0.3, 2.5]);
  writeWavChannels(path.join(dir, 'b.wav'), [y, y], 48000, 'float32');
  const b = readWav(path.join(dir, 'b.wav'));
  assert.equal(b.channels.length, 2);
  assert.deepEqual([...b.channels[1]!], [...y]);
  // Clipping on 16-bit output.
  assert.deepEqual([...decodeWav(encodeWav(new Float32Array([3, -3]), 8000)).channels[0]!], [32767 / 32768, -1]);
});

function expectWavError(bytes: Uint8Array, re: RegExp, name = 'bad.wav') {
  assert.throws(() => decodeWav(bytes, name), (e: unknown) => {
    assert.ok(e instanceof WavError, `expected WavError, got ${String(e)}`);
    assert.match(e.message, new RegExp('^' + name.replace('.', '\\.') + ': '));
    assert.match(e.message, re);
    return true;
  });
}

test('bad inputs give clear errors naming the file', () => {
  const good = makeWav({ data: new Uint8Array(new Int16Array([1, 2, 3, 4]).buffer) });
  expectWavError(new Uint8Array(0), /empty file/);
  expectWavError(new TextEncoder().encode('hello, this is not audio at all'), /not a WAV file/);
  expectWavError(good.subarray(0, 8), /truncated/);
  expectWavError(good.subarray(0, 30), /truncated|no 'data'/);
  expectWavError(good.subarray(0, good.length - 3), /truncated: 'data' chunk declares 8 bytes but only 5/);
  expectWavError(makeWav({ channels: 0, data: new Uint8Array(4) }), /channel count 0/);
  expectWavError(makeWav({ rate: 0, data: new Uint8Array(4) }), /sample rate 0/);
  expectWavError(makeWav({ rate: 4_000_000_000, data: new Uint8Array(4) }), /absurd sample rate/);
  expectWavError(makeWav({ bits: 12, data: new Uint8Array(4) }), /bit depth 12/);
  expectWavError(makeWav({ tag: 2, data: new Uint8Array(4) }), /unsupported WAV encoding/);
  expectWavError(makeWav({ tag: 3, bits: 32, data: new Uint8Array(new Float32Array([NaN]).buffer) }), /non-finite/);
  // Absurd chunk size before any data chunk.
  const junk = new Uint8Array(good);
  const v = new DataView(junk.buffer);
  v.setUint32(16, 0xfffffff0, true);
  expectWavError(junk, /'fmt ' chunk needs|absurd/);
  const rifx = new Uint8Array(good); rifx.set([82, 73, 70, 88], 0);
  expectWavError(rifx, /RIFX/);
  assert.throws(() => readWav('/nonexistent/x.wav'), /\/nonexistent\/x\.wav: cannot read the file \(no such file or directory\)/);
});

test('a zero-length data chunk is a valid, empty signal', () => {
  const w = decodeWav(makeWav({ data: new Uint8Array(0) }), 'empty.wav');
  assert.equal(w.length, 0);
});

test('readWav on a non-WAV file on disk', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wav-'));
  const p = path.join(dir, 'x.wav');
  writeFileSync(p, 'ID3\u0003 an mp3 pretending to be a wav');
  assert.throws(() => readWav(p), new RegExp(`^WavError: |${p.replace(/[/.]/g, '\\$&')}: not a WAV file`));
});

test('encodeWav writes 24- and 32-bit PCM that decode to the same samples (to the format precision)', () => {
  const x = Float32Array.from([0, 0.5, -0.5, 0.999, -1, 0.123456, 1.5, -1.5]);
  for (const [format, bits] of [['pcm24', 24], ['pcm32', 32]] as const) {
    const d = decodeWav(encodeWav([x, x.map((v) => -v)], 44100, format));
    assert.equal(d.format, format);
    assert.equal(d.sampleRate, 44100);
    assert.equal(d.channels.length, 2);
    const step = 2 ** -(bits - 1);
    x.forEach((v, i) => {
      const clipped = Math.max(-1, Math.min(1 - step, v));
      assert.ok(Math.abs(d.channels[0]![i]! - clipped) <= step, `${format} sample ${i}: ${d.channels[0]![i]} vs ${clipped}`);
    });
  }
});
