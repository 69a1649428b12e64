// prodiff say: text -> WAV with a voice package; sentence by sentence, optionally streamed.
import { accessSync, closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from './command.js';
import { encodeWav } from '../audio/wav.js';
import { writeFileAtomic } from '../engine/atomic.js';
import { chunkPauses, MAX_TEXT_CHARS, ProDiffTTS, type Pause, type SentenceChunk, type SynthesizeOptions } from '../api/tts.js';
import type { PhoneTiming, WordTiming } from '../api/timestamps.js';

const USAGE = `usage: prodiff say [options] "text"     (or --text-file FILE, or text on standard input)

Speaks the text with a voice package and writes a WAV file. Long text is split into sentences.

options:
  -o, --output FILE        WAV file to write (atomically); '-' writes the WAV to standard output
  --text-file FILE         read the text from FILE ('-' = standard input)
  --voice NAME|DIR         voice name (see 'prodiff voices') or a voice directory (with a /, e.g. ./my-voice)
  --steps N                denoiser steps (default the voice's own; other divisors of the
                           teacher's steps run naive DDIM)
  --speed X                speaking rate (1.2 = 20% faster); duration scale = length_scale / X
  --length-scale X         duration multiplier (> 1 slower); overrides --speed
  --pitch SEMITONES        pitch shift
  --energy X               energy multiplier
  --seed N                 diffusion noise seed
  --speaker ID|NAME        speaker of a multi-speaker voice
  --vocoder TYPE           griffin-lim, or another registered vocoder (default: the voice's)
  --sentence-silence SEC   silence between sentences
  --timestamps FILE        write word and phone times (JSON)
  --stream                 write audio as soon as it is ready (WAV with a streaming header, or raw
                           PCM with --raw, when the output is '-'): chunks of sentences with a
                           neural vocoder, whole sentences with griffin-lim
  --first-chunk-frames N   frames in a sentence's first chunk (default 32; sets the first-audio time)
  --chunk-frames N         largest chunk, frames (default 256)
  --raw                    raw 16-bit little-endian mono PCM instead of WAV
  --float                  32-bit float samples instead of 16-bit
  --threads N              ONNX Runtime threads
  --max-chars N            longest text accepted (default ${MAX_TEXT_CHARS})
  --ssml                   the text is SSML (default: SSML when it starts with <speak; see docs/ssml.md)
  -q, --quiet              no progress on standard error
`;

class UsageError extends Error {}

interface Args {
  text: string[];
  textFile?: string;
  output?: string;
  voice?: string;
  timestamps?: string;
  stream: boolean;
  raw: boolean;
  float: boolean;
  quiet: boolean;
  threads?: number;
  opts: SynthesizeOptions;
}

function parseArgs(args: string[]): Args | 'help' {
  const a: Args = { text: [], stream: false, raw: false, float: false, quiet: false, opts: {} };
  const value = (i: number, name: string): string => {
    const v = args[i];
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    return v;
  };
  const number = (v: string, name: string, int = false): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || (int && !Number.isInteger(x))) throw new UsageError(`${name}: '${v}' is not ${int ? 'an integer' : 'a number'}`);
    return x;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    switch (arg) {
      case '-h': case '--help': return 'help';
      case '-o': case '--output': a.output = value(++i, arg); break;
      case '--text-file': a.textFile = value(++i, arg); break;
      case '--voice': a.voice = value(++i, arg); break;
      case '--timestamps': a.timestamps = value(++i, arg); break;
      case '--steps': a.opts.steps = number(value(++i, arg), arg, true); break;
      case '--speed': a.opts.speed = number(value(++i, arg), arg); break;
      case '--length-scale': a.opts.durationScale = number(value(++i, arg), arg); break;
      case '--pitch': a.opts.pitch = number(value(++i, arg), arg); break;
      case '--energy': a.opts.energy = number(value(++i, arg), arg); break;
      case '--seed': a.opts.seed = number(value(++i, arg), arg, true); break;
      case '--speaker': {
        const v = value(++i, arg);
        a.opts.speaker = /^\d+$/.test(v) ? Number(v) : v;
        break;
      }
      case '--vocoder': a.opts.vocoder = value(++i, arg); break;
      case '--sentence-silence': a.opts.sentenceSilence = number(value(++i, arg), arg); break;
      case '--threads': a.threads = number(value(++i, arg), arg, true); break;
      case '--max-chars': a.opts.maxChars = number(value(++i, arg), arg, true); break;
      case '--first-chunk-frames': a.opts.firstChunkFrames = number(value(++i, arg), arg, true); break;
      case '--chunk-frames': a.opts.chunkFrames = number(value(++i, arg), arg, true); break;
      case '--ssml': a.opts.ssml = true; break;
      case '--stream': a.stream = true; break;
      case '--raw': a.raw = true; break;
      case '--float': a.float = true; break;
      case '-q': case '--quiet': a.quiet = true; break;
      case '--': a.text.push(...args.slice(i + 1)); i = args.length; break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
        a.text.push(arg);
    }
  }
  return a;
}

async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
    if (n > limit) throw new Error(`text too long: more than ${limit} bytes on standard input`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readText(a: Args, maxChars: number): Promise<string> {
  const byteLimit = maxChars * 4 + 1024;
  if (a.textFile !== undefined) {
    if (a.text.length) throw new UsageError('give the text either as arguments or with --text-file, not both');
    if (a.textFile === '-') return readStdin(byteLimit);
    let st;
    try {
      st = statSync(a.textFile);
    } catch {
      throw new Error(`${a.textFile}: no such text file`);
    }
    if (!st.isFile()) throw new Error(`${a.textFile}: not a file`);
    if (st.size > byteLimit) throw new Error(`${a.textFile}: text too long (${st.size} bytes; at most ${maxChars} characters)`);
    return readFileSync(a.textFile, 'utf8');
  }
  if (a.text.length) return a.text.join(' ');
  if (process.stdin.isTTY) throw new UsageError('no text given');
  return readStdin(byteLimit);
}

/** Fails early (before any synthesis) when a file cannot be written at `path`. */
function checkWritable(path: string, what: string): void {
  const abs = resolve(path);
  try {
    if (statSync(abs).isDirectory()) throw new Error(`${path}: is a directory, cannot write the ${what} there`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const dir = dirname(abs);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`${path}: cannot write the ${what} (directory ${dir} does not exist or is not writable)`);
  }
}

/** A WAV header whose sizes say "unknown length" (0xFFFFFFFF), for streaming. */
function streamingWavHeader(sampleRate: number, float: boolean): Uint8Array {
  const h = encodeWav(new Float32Array(0), sampleRate, float ? 'float32' : 'pcm16');
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
  v.setUint32(4, 0xffffffff, true);
  v.setUint32(40, 0xffffffff, true);
  return h;
}

const pcmBytes = (audio: Float32Array, sr: number, float: boolean) => encodeWav(audio, sr, float ? 'float32' : 'pcm16').subarray(44);

function writeStdout(bytes: Uint8Array): Promise<void> {
  return new Promise((res, rej) => {
    process.stdout.write(bytes, (err) => (err ? rej(err) : res()));
  });
}

/** An output written piece by piece into a temporary file, renamed into place at the end. */
class StreamingFile {
  private readonly tmp: string;
  private fd: number;
  private bytes = 0;
  constructor(readonly path: string, private readonly header: Uint8Array | null) {
    this.tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    this.fd = openSync(this.tmp, 'w');
    if (header) this.write(header);
  }
  write(b: Uint8Array): void {
    let n = 0;
    while (n < b.length) n += writeSync(this.fd, b, n, b.length - n);
    this.bytes += b.length;
  }
  finish(): void {
    if (this.header) {
      // Real sizes now that the length is known.
      const sizes = Buffer.alloc(4);
      sizes.writeUInt32LE(this.bytes - 8, 0);
      writeSync(this.fd, sizes, 0, 4, 4);
      sizes.writeUInt32LE(this.bytes - 44, 0);
      writeSync(this.fd, sizes, 0, 4, 40);
    }
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.path);
  }
  abort(): void {
    if (this.fd >= 0) {
      try { closeSync(this.fd); } catch { /* closed */ }
      this.fd = -1;
    }
    try { unlinkSync(this.tmp); } catch { /* gone */ }
  }
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

function timestampsJson(voice: string, sampleRate: number, chunks: { text: string; start: number; end: number }[], words: WordTiming[], phones: PhoneTiming[], pauses: Pause[], duration: number): string {
  const list = (xs: unknown[]) => (xs.length ? `[\n  ${xs.map((x) => JSON.stringify(x)).join(',\n  ')}\n ]` : '[]');
  return `{\n "voice": ${JSON.stringify(voice)},\n "sample_rate": ${sampleRate},\n "duration": ${r6(duration)},\n` +
    ` "sentences": ${list(chunks.map((c) => ({ text: c.text, start: r6(c.start), end: r6(c.end) })))},\n` +
    ` "words": ${list(words.map((w) => ({ word: w.word, start: r6(w.start), end: r6(w.end) })))},\n` +
    ` "phones": ${list(phones.map((p) => ({ phone: p.phone, start: r6(p.start), end: r6(p.end) })))},\n` +
    ` "pauses": ${list(pauses.map((p) => ({ start: r6(p.start), end: r6(p.end) })))}\n}\n`;
}

export const sayCommand: Command = {
  summary: 'speak text: say "text" -o out.wav [--voice NAME|DIR] [--stream] [--timestamps FILE]',
  async run(args: string[]): Promise<number> {
    let a: Args;
    try {
      const p = parseArgs(args);
      if (p === 'help') {
        process.stdout.write(USAGE);
        return 0;
      }
      a = p;
      if (a.output === undefined) throw new UsageError('no output: give -o FILE (or -o - for standard output)');
      if (a.raw && a.output !== '-') throw new UsageError('--raw writes to standard output only (-o -)');
    } catch (e) {
      if (e instanceof UsageError) {
        process.stderr.write(`say: ${e.message}\n\n${USAGE}`);
        return 2;
      }
      throw e;
    }
    const log = (s: string) => { if (!a.quiet) process.stderr.write(`say: ${s}\n`); };
    const toStdout = a.output === '-';
    let file: StreamingFile | undefined;
    let stdoutBroken = false;
    const onSignal = () => {
      file?.abort();
      process.exit(130);
    };
    try {
      const maxChars = a.opts.maxChars ?? MAX_TEXT_CHARS;
      const text = await readText(a, maxChars);
      if (!toStdout) checkWritable(a.output!, 'audio');
      if (a.timestamps) checkWritable(a.timestamps, 'timestamps');
      const t0 = performance.now();
      const tts = await ProDiffTTS.load(a.voice, { allowPaths: true, ...(a.threads ? { threads: a.threads } : {}) });
      const sr = tts.sampleRate;
      // Validates the text before any output is opened.
      tts.phonemize(text, a.opts);
      const tLoad = performance.now();
      const chunks: SentenceChunk[] = [];
      const sentences: { text: string; start: number; end: number }[] = [];
      let sentenceSamples = 0;
      const words: WordTiming[] = [];
      const phones: PhoneTiming[] = [];
      const pauses: Pause[] = [];
      let samples = 0;
      let firstMs: number | undefined;
      if (a.stream) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const header = a.raw ? null : streamingWavHeader(sr, a.float);
        if (toStdout) {
          if (header) await writeStdout(header);
        } else file = new StreamingFile(a.output!, header);
      }
      // Without --stream, chunks would only add work: whole sentences unless chunk sizes are given.
      for await (const c of tts.stream(text, a.stream ? a.opts : { firstChunkFrames: Infinity, ...a.opts })) {
        for (const w of c.warnings) log(`warning: ${w}`);
        firstMs ??= performance.now() - tLoad;
        if (c.part === 0) sentenceSamples = 0;
        sentenceSamples += c.audio.length;
        if (c.final) sentences.push({ text: c.text, start: c.sentenceStart, end: c.sentenceStart + sentenceSamples / sr - c.silence - c.leadingSilence });
        words.push(...c.words);
        pauses.push(...chunkPauses(c));
        phones.push(...c.phonesTimed);
        samples += c.audio.length;
        if (a.stream) {
          const bytes = pcmBytes(c.audio, sr, a.float);
          if (toStdout) {
            try {
              await writeStdout(bytes);
            } catch {
              stdoutBroken = true;
              break;
            }
          } else file!.write(bytes);
          if (c.final) log(`sentence ${c.index + 1}/${c.count}: ${(sentenceSamples / sr).toFixed(2)} s${c.part > 0 ? ` in ${c.part + 1} chunks` : ''}`);
        } else chunks.push(c);
      }
      if (stdoutBroken) {
        process.stderr.write('say: standard output was closed\n');
        return 1;
      }
      if (!a.stream) {
        const audio = new Float32Array(samples);
        let at = 0;
        for (const c of chunks) { audio.set(c.audio, at); at += c.audio.length; }
        const wav = a.raw ? pcmBytes(audio, sr, a.float) : encodeWav(audio, sr, a.float ? 'float32' : 'pcm16');
        if (toStdout) await writeStdout(wav);
        else writeFileAtomic(a.output!, wav);
      } else file?.finish();
      file = undefined;
      if (a.timestamps) writeFileAtomic(a.timestamps, timestampsJson(tts.voice.name, sr, sentences, words, phones, pauses, samples / sr));
      const secs = samples / sr;
      const ms = performance.now() - tLoad;
      log(`${toStdout ? 'wrote' : `wrote ${a.output}:`} ${secs.toFixed(2)} s of audio, ${sentences.length} sentence(s), voice ${tts.voice.name}; ` +
        `load ${(tLoad - t0).toFixed(0)} ms, synthesis ${ms.toFixed(0)} ms (RTF ${(ms / 1000 / Math.max(secs, 1e-9)).toFixed(3)}${a.stream ? `, first audio ${firstMs?.toFixed(0)} ms` : ''})`);
      return 0;
    } catch (e) {
      file?.abort();
      process.stderr.write(`say: ${e instanceof Error ? e.message : String(e)}\n`);
      return e instanceof UsageError ? 2 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
