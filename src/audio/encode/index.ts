// Audio file formats: WAV (16-bit or float), raw PCM, MP3, Ogg Opus and FLAC, each encoded piece
// by piece (streaming) at any sample rate (resampled with the project's band-limited resampler).
import { StreamResampler } from '../resample-stream.js';
// The codecs (WebAssembly and asm.js modules) load on first use: see createEncoder.
import { toFloat32Le, toPcm16, wavHeader } from './pcm.js';

export const AUDIO_FORMATS = ['wav', 'pcm', 'mp3', 'opus', 'flac'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** Content types, as OpenAI's speech endpoint sends them. */
export const MIME_TYPES: Record<AudioFormat, string> = {
  wav: 'audio/wav', pcm: 'audio/pcm', mp3: 'audio/mpeg', opus: 'audio/ogg; codecs=opus', flac: 'audio/flac',
};

/** File name extensions (lower case, without the dot) and the format each means. */
export const FORMAT_OF_EXTENSION: Record<string, AudioFormat> = {
  wav: 'wav', wave: 'wav', pcm: 'pcm', raw: 'pcm', mp3: 'mp3', opus: 'opus', ogg: 'opus', oga: 'opus', flac: 'flac',
};

/** Highest sample rate any format here writes. */
export const MAX_SAMPLE_RATE = 192_000;
/** Lowest sample rate any format here writes. */
export const MIN_SAMPLE_RATE = 8000;

/** The rates MPEG-1, -2 and -2.5 layer III define. */
export const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
/** The input rates libopus takes. */
export const OPUS_RATES = [8000, 12000, 16000, 24000, 48000] as const;

/** The smallest rate libopus takes that keeps everything below `rate`'s Nyquist frequency. */
export function opusCodingRate(rate: number): (typeof OPUS_RATES)[number] {
  return OPUS_RATES.find((r) => r >= rate) ?? 48000;
}

export class AudioFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AudioFormatError';
  }
}

export function isAudioFormat(s: unknown): s is AudioFormat {
  return typeof s === 'string' && (AUDIO_FORMATS as readonly string[]).includes(s);
}

/**
 * The format a file name asks for: by its extension; undefined when the name has none (the caller's
 * default applies); AudioFormatError for an extension that is not an audio format written here.
 */
export function formatOfPath(path: string): AudioFormat | undefined {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = base.slice(dot + 1).toLowerCase();
  const f = FORMAT_OF_EXTENSION[ext];
  if (!f) throw new AudioFormatError(`unknown audio format '.${ext}' in ${path} (known: ${Object.keys(FORMAT_OF_EXTENSION).map((e) => `.${e}`).join(', ')})`);
  return f;
}

/** Why `format` cannot be written at `rate` Hz, or undefined when it can. */
export function sampleRateProblem(format: AudioFormat, rate: number): string | undefined {
  if (!(Number.isInteger(rate) && rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE)) return `sample rate must be an integer in [${MIN_SAMPLE_RATE}, ${MAX_SAMPLE_RATE}] Hz (got ${String(rate)})`;
  if (format === 'mp3' && !(MP3_RATES as readonly number[]).includes(rate)) return `mp3 cannot hold ${rate} Hz (MP3 rates: ${MP3_RATES.join(', ')})`;
  if (format === 'opus' && rate > 48000) return `opus holds at most 48000 Hz (got ${rate})`;
  return undefined;
}

export interface EncoderOptions {
  format: AudioFormat;
  /** Rate of the samples given to write(). */
  inputRate: number;
  /** Rate of the file (default inputRate); the samples are resampled to it. */
  sampleRate?: number;
  /** wav and pcm: 32-bit float samples instead of 16-bit integers. */
  float?: boolean;
  /** mp3: kbit/s (default 64); opus: bit/s (default 48000). */
  bitrate?: number;
}

/** Bytes to write over a seekable output's start once the stream has ended (exact sizes). */
export interface HeaderPatch {
  offset: number;
  bytes: Uint8Array;
}

export interface AudioEncoder {
  readonly format: AudioFormat;
  readonly mimeType: string;
  /** The file's sample rate. */
  readonly sampleRate: number;
  /** Encodes more samples (at the input rate); returns the bytes ready now. */
  write(samples: Float32Array): Uint8Array;
  /** Ends the stream; returns the last bytes. */
  end(): Uint8Array;
  /** After end(): header fields that a writer able to seek back fixes (WAV sizes, FLAC length and MD5). */
  patches(): HeaderPatch[];
}

interface Core {
  write(x: Float32Array): Uint8Array;
  end(): Uint8Array;
  patches(): HeaderPatch[];
}

class WavCore implements Core {
  private dataBytes = 0;
  private headerSent = false;
  constructor(private readonly rate: number, private readonly float: boolean, private readonly raw: boolean) {}
  write(x: Float32Array): Uint8Array {
    const body = this.float ? toFloat32Le(x) : toPcm16(x);
    this.dataBytes += body.length;
    if (this.raw || this.headerSent) return body;
    this.headerSent = true;
    const out = new Uint8Array(44 + body.length);
    out.set(wavHeader(this.rate, this.float));
    out.set(body, 44);
    return out;
  }
  end(): Uint8Array {
    return this.raw || this.headerSent ? new Uint8Array(0) : (this.headerSent = true, wavHeader(this.rate, this.float));
  }
  patches(): HeaderPatch[] {
    if (this.raw) return [];
    const h = wavHeader(this.rate, this.float, this.dataBytes);
    return [{ offset: 4, bytes: h.subarray(4, 8) }, { offset: 40, bytes: h.subarray(40, 44) }];
  }
}

class ResampledEncoder implements AudioEncoder {
  readonly mimeType: string;
  constructor(readonly format: AudioFormat, readonly sampleRate: number, private readonly resampler: StreamResampler | undefined, private readonly core: Core) {
    this.mimeType = MIME_TYPES[format];
  }
  write(samples: Float32Array): Uint8Array {
    return this.core.write(this.resampler ? this.resampler.push(samples) : samples);
  }
  end(): Uint8Array {
    const rest = this.resampler?.end();
    const a = rest && rest.length ? this.core.write(rest) : new Uint8Array(0);
    const b = this.core.end();
    if (a.length === 0) return b;
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }
  patches(): HeaderPatch[] {
    return this.core.patches();
  }
}

/** An encoder of `o.format`; throws AudioFormatError for a rate the format cannot hold. */
export async function createEncoder(o: EncoderOptions): Promise<AudioEncoder> {
  if (!isAudioFormat(o.format)) throw new AudioFormatError(`unknown audio format ${JSON.stringify(o.format)} (formats: ${AUDIO_FORMATS.join(', ')})`);
  const rate = o.sampleRate ?? o.inputRate;
  const problem = sampleRateProblem(o.format, rate);
  if (problem) throw new AudioFormatError(problem);
  if (o.float && o.format !== 'wav' && o.format !== 'pcm') throw new AudioFormatError(`float samples exist in wav and pcm only, not ${o.format}`);
  // Opus codes at one of its own rates: the smallest that keeps the requested band.
  const codingRate = o.format === 'opus' ? opusCodingRate(rate) : rate;
  const resampler = codingRate === o.inputRate ? undefined : new StreamResampler(o.inputRate, codingRate);
  let core: Core;
  switch (o.format) {
    case 'wav':
    case 'pcm':
      core = new WavCore(rate, !!o.float, o.format === 'pcm');
      break;
    case 'mp3': {
      const { Mp3StreamEncoder } = await import('./mp3.js');
      const e = new Mp3StreamEncoder(rate, o.bitrate ?? 64);
      core = { write: (x) => e.write(x), end: () => e.end(), patches: () => [] };
      break;
    }
    case 'opus': {
      const { OpusOggEncoder } = await import('./opus.js');
      const e = new OpusOggEncoder(codingRate as 8000 | 12000 | 16000 | 24000 | 48000, rate, o.bitrate ?? 48000);
      core = { write: (x) => e.write(x), end: () => e.end(), patches: () => [] };
      break;
    }
    case 'flac': {
      const { FlacStreamEncoder, STREAMINFO_OFFSET } = await import('./flac.js');
      const e = await FlacStreamEncoder.create(rate);
      core = { write: (x) => e.write(x), end: () => e.end(), patches: () => [{ offset: STREAMINFO_OFFSET, bytes: e.streamInfo() }] };
      break;
    }
  }
  return new ResampledEncoder(o.format, rate, resampler, core);
}

/** Applies header patches to a whole file held in memory. */
export function applyPatches(file: Uint8Array, patches: HeaderPatch[]): Uint8Array {
  for (const p of patches) file.set(p.bytes, p.offset);
  return file;
}

/** A whole signal -> a complete file in `o.format` (exact lengths in its header). */
export async function encodeAudio(audio: Float32Array, o: EncoderOptions): Promise<Uint8Array> {
  const e = await createEncoder(o);
  const a = e.write(audio);
  const b = e.end();
  const file = new Uint8Array(a.length + b.length);
  file.set(a);
  file.set(b, a.length);
  return applyPatches(file, e.patches());
}
