// WAV (little-endian RIFF) reading and writing: integer PCM 8/16/24/32-bit, IEEE float 32/64-bit, WAVE_FORMAT_EXTENSIBLE.
// Written by hand so that every malformed input gets a precise error naming the file and the problem.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../engine/atomic.js';
import { StreamFileWriter } from './encode/file-writer.js';
import { fsErrorReason } from '../util/fs-errors.js';

export type WavSampleFormat = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

export interface WavData {
  sampleRate: number;
  /** One Float32Array per channel, samples scaled to [-1, 1) (integer PCM: value / 2^(bits-1)). */
  channels: Float32Array[];
  format: WavSampleFormat;
  /** Number of sample frames (per channel). */
  length: number;
}

export class WavError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'WavError';
  }
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Sanity limits: anything beyond these is a corrupt header, not audio. */
const MAX_CHANNELS = 256;
const MAX_SAMPLE_RATE = 1_536_000;

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/** A chunk id for a message: quoted, its control bytes escaped (a damaged id can hold a newline). */
function printableId(id: string): string {
  return /^[\x20-\x7e]{4}$/.test(id) ? `'${id}'` : JSON.stringify(id).replace(/[\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

/** Decodes a WAV file held in memory; `file` names the source in error messages. */
export function decodeWav(bytes: Uint8Array, file = '<buffer>'): WavData {
  if (bytes.length === 0) throw new WavError(file, 'empty file (0 bytes), not a WAV file');
  if (bytes.length < 12) throw new WavError(file, `truncated: ${bytes.length} bytes, too short for a RIFF/WAVE header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riff = fourcc(view, 0);
  if (riff === 'RIFX') throw new WavError(file, 'big-endian RIFX WAV files are not supported');
  if (riff === 'RF64') throw new WavError(file, 'RF64 (64-bit) WAV files are not supported');
  if (riff !== 'RIFF' || fourcc(view, 8) !== 'WAVE') {
    throw new WavError(file, `not a WAV file (expected 'RIFF....WAVE', found ${JSON.stringify(fourcc(view, 0) + '....' + fourcc(view, 8))})`);
  }
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(view, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new WavError(file, `'fmt ' chunk is ${size} bytes, need at least 16`);
      if (body + size > bytes.length) throw new WavError(file, `truncated: 'fmt ' chunk needs ${size} bytes, file ends after ${bytes.length - body}`);
      let tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40) throw new WavError(file, `WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is ${size} bytes, need 40`);
        // The sub-format GUID starts at byte 24 of the chunk; its first two bytes hold the format tag.
        tag = view.getUint16(body + 24, true);
      }
      fmt = { tag, channels, rate, blockAlign, bits };
    } else if (id === 'data') {
      const available = bytes.length - body;
      // A data size of 0xFFFFFFFF (or one overrunning the file) is what streaming writers leave behind;
      // accept whole frames that are present but say so if the file was cut mid-way through the declared size.
      if (size > available && size !== 0xffffffff) {
        throw new WavError(file, `truncated: 'data' chunk declares ${size} bytes but only ${available} follow`);
      }
      data = { offset: body, size: Math.min(size, available) };
      if (fmt) break;
    }
    if (size > bytes.length) {
      if (!data) throw new WavError(file, `absurd chunk size ${size} for chunk ${printableId(id)} in a ${bytes.length}-byte file`);
      break;
    }
    pos = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw new WavError(file, "no 'fmt ' chunk found (truncated or not a WAV file)");
  if (!data) throw new WavError(file, "no 'data' chunk found (truncated file?)");
  const { tag, channels, rate, blockAlign, bits } = fmt;
  if (channels === 0 || channels > MAX_CHANNELS) throw new WavError(file, `absurd channel count ${channels} in header`);
  if (rate === 0 || rate > MAX_SAMPLE_RATE) throw new WavError(file, `absurd sample rate ${rate} Hz in header`);
  let format: WavSampleFormat;
  if (tag === WAVE_FORMAT_PCM) {
    const f = ({ 8: 'pcm8', 16: 'pcm16', 24: 'pcm24', 32: 'pcm32' } as Record<number, WavSampleFormat>)[bits];
    if (!f) throw new WavError(file, `unsupported PCM bit depth ${bits} (supported: 8, 16, 24, 32)`);
    format = f;
  } else if (tag === WAVE_FORMAT_IEEE_FLOAT) {
    const f = ({ 32: 'float32', 64: 'float64' } as Record<number, WavSampleFormat>)[bits];
    if (!f) throw new WavError(file, `unsupported float bit depth ${bits} (supported: 32, 64)`);
    format = f;
  } else {
    throw new WavError(file, `unsupported WAV encoding (format tag 0x${tag.toString(16)}); only integer PCM and IEEE float are read`);
  }
  const bytesPerSample = bits / 8;
  if (blockAlign !== bytesPerSample * channels) {
    throw new WavError(file, `inconsistent header: block align ${blockAlign} != ${channels} channels x ${bytesPerSample} bytes`);
  }
  const length = Math.floor(data.size / blockAlign);
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) out.push(new Float32Array(length));
  const base = data.offset;
  for (let c = 0; c < channels; c++) {
    const ch = out[c]!;
    let p = base + c * bytesPerSample;
    switch (format) {
      case 'pcm8':
        for (let i = 0; i < length; i++, p += blockAlign) ch[i] = (view.getUint8(p) - 128) / 128;
        break;
      case 'pcm16':
        for (let i = 0; i < length; i++, p += blockAlign) ch[i] = view.getInt16(p, true) / 32768;
        break;
      case 'pcm24':
        for (let i = 0; i < length; i++, p += blockAlign) {
          const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
          ch[i] = v / 8388608;
        }
        break;
      case 'pcm32':
        for (let i = 0; i < length; i++, p += blockAlign) ch[i] = view.getInt32(p, true) / 2147483648;
        break;
      case 'float32':
        for (let i = 0; i < length; i++, p += blockAlign) ch[i] = view.getFloat32(p, true);
        break;
      case 'float64':
        for (let i = 0; i < length; i++, p += blockAlign) ch[i] = view.getFloat64(p, true);
        break;
    }
    if (format === 'float32' || format === 'float64') {
      for (let i = 0; i < length; i++) {
        if (!Number.isFinite(ch[i]!)) throw new WavError(file, `non-finite float sample at frame ${i}, channel ${c}`);
      }
    }
  }
  return { sampleRate: rate, channels: out, format, length };
}

/** Reads a WAV file from disk (see decodeWav). */
export function readWav(path: string): WavData {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new WavError(path, `cannot read the file (${fsErrorReason(e)})`);
  }
  return decodeWav(bytes, path);
}

/** Channel mean in float32, as librosa's to_mono does; a mono file is returned as is. */
export function toMono(wav: WavData): Float32Array {
  if (wav.channels.length === 1) return wav.channels[0]!;
  const n = wav.length;
  const out = new Float32Array(n);
  const k = wav.channels.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += wav.channels[c]![i]!;
    out[i] = s / k;
  }
  return out;
}

export type WavWriteFormat = 'pcm16' | 'pcm24' | 'pcm32' | 'float32';

/** Encodes samples (one array per channel, or one mono array) as 16/24/32-bit PCM or 32-bit float WAV. */
export function encodeWav(
  samples: Float32Array | Float64Array | (Float32Array | Float64Array)[],
  sampleRate: number,
  format: WavWriteFormat = 'pcm16',
): Uint8Array {
  const chans = Array.isArray(samples) ? samples : [samples];
  if (chans.length === 0) throw new Error('encodeWav: no channels');
  const n = chans[0]!.length;
  if (chans.some((c) => c.length !== n)) throw new Error('encodeWav: channels differ in length');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > MAX_SAMPLE_RATE) throw new Error(`encodeWav: bad sample rate ${sampleRate}`);
  const bps = format === 'pcm16' ? 2 : format === 'pcm24' ? 3 : 4;
  const blockAlign = bps * chans.length;
  const dataSize = n * blockAlign;
  const out = new Uint8Array(44 + dataSize);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => { for (let i = 0; i < 4; i++) v.setUint8(at + i, s.charCodeAt(i)); };
  put(0, 'RIFF'); v.setUint32(4, 36 + dataSize, true); put(8, 'WAVE');
  put(12, 'fmt '); v.setUint32(16, 16, true);
  v.setUint16(20, format === 'float32' ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  v.setUint16(22, chans.length, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bps * 8, true);
  put(36, 'data'); v.setUint32(40, dataSize, true);
  let p = 44;
  for (let i = 0; i < n; i++) {
    for (const ch of chans) {
      const x = ch[i]!;
      if (format === 'pcm16') {
        // Round to nearest and clip: the inverse of int16 / 32768.
        const s = Math.round(x * 32768);
        v.setInt16(p, s > 32767 ? 32767 : s < -32768 ? -32768 : Number.isNaN(s) ? 0 : s, true);
      } else if (format === 'pcm24' || format === 'pcm32') {
        const full = format === 'pcm24' ? 8388608 : 2147483648;
        const r = Math.round(x * full);
        const s = r > full - 1 ? full - 1 : r < -full ? -full : Number.isNaN(r) ? 0 : r;
        if (format === 'pcm32') v.setInt32(p, s, true);
        else {
          v.setUint8(p, s & 0xff);
          v.setUint8(p + 1, (s >> 8) & 0xff);
          v.setUint8(p + 2, (s >> 16) & 0xff);
        }
      } else {
        v.setFloat32(p, x, true);
      }
      p += bps;
    }
  }
  return out;
}

/** Writes one mono signal as a WAV file, atomically. */
export function writeWav(path: string, samples: Float32Array | Float64Array, sampleRate: number, format: 'pcm16' | 'float32' = 'pcm16'): void {
  // An array here is ambiguous (channels, or streamed chunks?): each has its own function.
  if (Array.isArray(samples)) {
    throw new TypeError('writeWav writes one mono signal (a Float32Array); for several channels use writeWavChannels, for streamed chunks writeWavChunks');
  }
  writeFileAtomic(path, encodeWav(samples, sampleRate, format));
}

/** Writes several channels (all the same length) as one interleaved WAV file, atomically. */
export function writeWavChannels(path: string, channels: (Float32Array | Float64Array)[], sampleRate: number, format: 'pcm16' | 'float32' = 'pcm16'): void {
  writeFileAtomic(path, encodeWav(channels, sampleRate, format));
}

/** A chunk of mono audio: samples, or anything carrying them as `audio` (ProDiffTTS.stream's chunks). */
export type AudioChunk = Float32Array | Float64Array | { audio: Float32Array | Float64Array; sampleRate?: number };

/**
 * A mono WAV file written piece by piece: into a temporary file next to `path`, whose header gets
 * the real sizes and which is renamed into place by `finish()`; `abort()` removes it. Errors name
 * `path`, never the temporary file.
 */
export class WavFileWriter {
  private readonly file: StreamFileWriter;
  private bytes = 0;
  private readonly format: 'pcm16' | 'float32';

  constructor(readonly path: string, readonly sampleRate: number, format: 'pcm16' | 'float32' = 'pcm16') {
    this.format = format;
    this.file = new StreamFileWriter(path);
    this.put(encodeWav(new Float32Array(0), sampleRate, format));
  }

  /** Samples written so far. */
  get samples(): number {
    return (this.bytes - 44) / (this.format === 'pcm16' ? 2 : 4);
  }

  /** Appends mono samples. */
  write(samples: Float32Array | Float64Array): void {
    this.put(encodeWav(samples, this.sampleRate, this.format).subarray(44));
  }

  /** Appends bytes already in this file's sample format (raw PCM). */
  writeEncoded(bytes: Uint8Array): void {
    this.put(bytes);
  }

  private put(b: Uint8Array): void {
    this.file.write(b);
    this.bytes += b.length;
  }

  /** Patches the sizes into the header and renames the file into place. */
  finish(): void {
    const u32 = (v: number) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v, true);
      return b;
    };
    this.file.finish([{ offset: 4, bytes: u32(this.bytes - 8) }, { offset: 40, bytes: u32(this.bytes - 44) }]);
  }

  /** Removes the temporary file (nothing is left at `path`). */
  abort(): void {
    this.file.abort();
  }
}

/**
 * Writes streamed mono chunks (Float32Arrays, or ProDiffTTS.stream's chunks) one after another as
 * one WAV file, without holding the whole audio; the file appears complete or not at all.
 * Returns the number of samples written.
 */
export async function writeWavChunks(
  path: string,
  chunks: Iterable<AudioChunk> | AsyncIterable<AudioChunk>,
  sampleRate: number,
  format: 'pcm16' | 'float32' = 'pcm16',
): Promise<number> {
  const w = new WavFileWriter(path, sampleRate, format);
  try {
    for await (const c of chunks) {
      const audio = 'audio' in c ? c.audio : c;
      if (!('audio' in c) && !(c instanceof Float32Array || c instanceof Float64Array)) throw new TypeError('writeWavChunks: a chunk must be a Float32Array or have an audio field');
      if ('audio' in c && c.sampleRate !== undefined && c.sampleRate !== sampleRate) throw new Error(`writeWavChunks: a chunk at ${c.sampleRate} Hz in a ${sampleRate} Hz file`);
      w.write(audio);
    }
    w.finish();
  } catch (e) {
    w.abort();
    throw e;
  }
  return w.samples;
}
