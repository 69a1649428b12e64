// prodiff say: text -> WAV with a voice package; sentence by sentence, optionally streamed.
import { writeFileAtomic } from '../engine/atomic.js';
import { optionalNumberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { checkWritable, readStdinText, readTextInput, writeOutput, writeStdout } from './io.js';
import { AUDIO_FORMATS, AudioFormatError, formatOfPath, isAudioFormat, type AudioFormat, type HeaderPatch } from '../audio/encode/index.js';
import { StreamFileWriter } from '../audio/encode/file-writer.js';
import { checkEncodeOptions, streamEncoded } from '../api/encoded.js';
import { patchStdout } from './stdout-patch.js';
import { checkTextInput, chunkPauses, CONTROL_RANGES, MAX_TEXT_CHARS, ProDiffTTS, TTSInputError, type Pause, type SynthesizeOptions } from '../api/tts.js';
import type { PhoneTiming, WordTiming } from '../api/timestamps.js';

const USAGE = `usage: prodiff say [options] "text"     (or --text-file FILE, or text on standard input: - or no text)

Speaks the text with a voice package and writes an audio file. Long text is split into sentences.

options:
  -o, --output FILE        audio file to write (atomically); '-' writes to standard output. The
                           extension picks the format: .wav, .pcm/.raw, .mp3, .opus/.ogg, .flac
                           (no extension: WAV; another extension is refused)
  --format FMT             wav, pcm (raw little-endian), mp3, opus (in Ogg), flac; overrides the
                           extension (standard output: default wav)
  --sample-rate HZ         resample to HZ (default the voice's rate; mp3 takes the MPEG rates)
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
  --volume X               loudness factor on the voice's calibrated level (speech RMS about
                           -20 dBFS at 1; 0.5 is 6 dB quieter); output clamped to [-1, 1]
  --vocoder TYPE           griffin-lim, or another registered vocoder (default: the voice's)
  --sentence-silence SEC   silence between sentences
  --timestamps FILE        write word and phone times (JSON; '-' = standard output)
  --stream                 write audio as soon as it is ready: chunks of sentences with a neural
                           vocoder, whole sentences with griffin-lim. A WAV on standard output gets
                           the real sizes at the end when it is a file (> out.wav), else sizes
                           that mean "unknown length" (0xFFFFFFFF)
  --first-chunk-frames N   frames in a sentence's first chunk (default 32; sets the first-audio time)
  --chunk-frames N         largest chunk, frames (default 256)
  --raw                    raw 16-bit little-endian mono PCM (the same as --format pcm)
  --float                  32-bit float samples instead of 16-bit (wav and pcm)
  --threads N              ONNX Runtime threads
  --max-chars N            longest text accepted (default ${MAX_TEXT_CHARS})
  --ssml                   the text is SSML (default: SSML when it starts with <speak; see docs/ssml.md)
  -q, --quiet              no progress on standard error
`;

interface Args {
  text: string[];
  textFile?: string;
  output: string;
  format: AudioFormat;
  sampleRate?: number;
  voice?: string;
  timestamps?: string;
  stream: boolean;
  raw: boolean;
  float: boolean;
  quiet: boolean;
  threads?: number;
  opts: SynthesizeOptions;
}

/** The flag of each API option that has a different name, for messages from the library. */
const FLAG_OF_OPTION: Record<string, string> = {
  durationScale: '--length-scale', sentenceSilence: '--sentence-silence', firstChunkFrames: '--first-chunk-frames',
  chunkFrames: '--chunk-frames', maxChars: '--max-chars', speed: '--speed', pitch: '--pitch', energy: '--energy', seed: '--seed', steps: '--steps',
};

/** A library message in the command line's words: API option names become their flags. */
function inFlagTerms(message: string): string {
  return message.replace(/\b(durationScale|sentenceSilence|firstChunkFrames|chunkFrames|maxChars|speed|pitch|energy|seed|steps)\b(?= must| to |;|\)| \d+:)/g, (m) => FLAG_OF_OPTION[m] ?? m);
}

function parseSayArgs(args: string[]): Args | null {
  const p = parseCommandArgs(args, USAGE, {
    output: { type: 'string', short: 'o' }, 'text-file': { type: 'string' }, voice: { type: 'string' }, timestamps: { type: 'string' },
    steps: { type: 'string' }, speed: { type: 'string' }, 'length-scale': { type: 'string' }, pitch: { type: 'string' }, energy: { type: 'string' },
    seed: { type: 'string' }, speaker: { type: 'string' }, volume: { type: 'string' }, vocoder: { type: 'string' }, 'sentence-silence': { type: 'string' },
    format: { type: 'string' }, 'sample-rate': { type: 'string' },
    threads: { type: 'string' }, 'max-chars': { type: 'string' }, 'first-chunk-frames': { type: 'string' }, 'chunk-frames': { type: 'string' },
    stream: { type: 'boolean', default: false }, raw: { type: 'boolean', default: false }, float: { type: 'boolean', default: false },
    ssml: { type: 'boolean', default: false }, quiet: { type: 'boolean', short: 'q', default: false },
  });
  if (!p) return null;
  const v = p.values;
  const range = (name: keyof typeof CONTROL_RANGES) => ({ min: CONTROL_RANGES[name][0], max: CONTROL_RANGES[name][1] });
  const positive = { integer: true, min: 1 };
  const num = optionalNumberFlag;
  const opts: SynthesizeOptions = {};
  const set = <K extends keyof SynthesizeOptions>(key: K, value: SynthesizeOptions[K] | undefined) => { if (value !== undefined) opts[key] = value; };
  set('steps', num('steps', v.steps, positive));
  set('speed', num('speed', v.speed, range('speed')));
  set('durationScale', num('length-scale', v['length-scale'], range('durationScale')));
  set('pitch', num('pitch', v.pitch, range('pitch')));
  set('energy', num('energy', v.energy, range('energy')));
  set('volume', num('volume', v.volume, range('volume')));
  set('seed', num('seed', v.seed, { integer: true, min: 0, max: 0xffffffff }));
  set('sentenceSilence', num('sentence-silence', v['sentence-silence'], range('sentenceSilence')));
  set('maxChars', num('max-chars', v['max-chars'], positive));
  set('firstChunkFrames', num('first-chunk-frames', v['first-chunk-frames'], positive));
  set('chunkFrames', num('chunk-frames', v['chunk-frames'], positive));
  set('vocoder', v.vocoder);
  if (v.ssml) opts.ssml = true;
  if (v.speaker !== undefined) opts.speaker = /^\d+$/.test(v.speaker) ? Number(v.speaker) : v.speaker;
  if (v.output === undefined) throw new UsageError('no output: give -o FILE (or -o - for standard output)');
  const format = outputFormat(v.output, v.format, v.raw!);
  if (v.float && format !== 'wav' && format !== 'pcm') throw new UsageError(`--float: float samples exist in wav and pcm only, not ${format}`);
  const sampleRate = num('sample-rate', v['sample-rate'], positive);
  if (sampleRate !== undefined) {
    try {
      checkEncodeOptions({ format, sampleRate }, sampleRate);
    } catch (e) {
      throw new UsageError(`--sample-rate: ${(e as Error).message}`);
    }
  }
  const threads = num('threads', v.threads, positive);
  return {
    text: p.positionals, output: v.output, format, stream: v.stream!, raw: v.raw!, float: v.float!, quiet: v.quiet!, opts,
    ...(sampleRate !== undefined ? { sampleRate } : {}),
    ...(v['text-file'] !== undefined ? { textFile: v['text-file'] } : {}), ...(v.voice !== undefined ? { voice: v.voice } : {}),
    ...(v.timestamps !== undefined ? { timestamps: v.timestamps } : {}), ...(threads !== undefined ? { threads } : {}),
  };
}

async function readText(a: Args, maxChars: number): Promise<string> {
  const byteLimit = maxChars * 4 + 1024;
  const fromStdin = a.text.length === 1 && a.text[0] === '-';
  if (a.textFile !== undefined) {
    if (a.text.length) throw new UsageError('give the text either as arguments or with --text-file, not both');
    return readTextInput(a.textFile, 'text file', byteLimit);
  }
  if (a.text.length && !fromStdin) return a.text.join(' ');
  if (!fromStdin && process.stdin.isTTY) throw new UsageError('no text given');
  return readStdinText(byteLimit);
}

/** The output's format: --format, else --raw, else the file's extension (WAV without one). */
function outputFormat(output: string, flag: string | undefined, raw: boolean): AudioFormat {
  if (flag !== undefined && !isAudioFormat(flag)) throw new UsageError(`--format: unknown format '${flag}' (formats: ${AUDIO_FORMATS.join(', ')})`);
  if (raw && flag !== undefined && flag !== 'pcm') throw new UsageError(`--raw is --format pcm; it cannot go with --format ${flag}`);
  let byName: AudioFormat | undefined;
  try {
    byName = output === '-' ? undefined : formatOfPath(output);
  } catch (e) {
    if (e instanceof AudioFormatError && flag === undefined && !raw) throw new UsageError(`-o: ${e.message}; or give --format`);
  }
  return (flag as AudioFormat | undefined) ?? (raw ? 'pcm' : byName ?? 'wav');
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
    const parsed = parseSayArgs(args);
    if (!parsed) return 0;
    const a = parsed;
    const log = (s: string) => { if (!a.quiet) process.stderr.write(`say: ${s}\n`); };
    const toStdout = a.output === '-';
    let file: StreamFileWriter | undefined;
    let stdoutBroken = false;
    const onSignal = () => {
      file?.abort();
      process.exit(130);
    };
    try {
      const maxChars = a.opts.maxChars ?? MAX_TEXT_CHARS;
      const text = await readText(a, maxChars);
      checkTextInput(text, maxChars); // before the voice is loaded: an empty text needs no model
      if (!toStdout) checkWritable(a.output, 'audio');
      if (toStdout && a.timestamps === '-') throw new UsageError('the audio and the timestamps cannot both go to standard output');
      if (a.timestamps) checkWritable(a.timestamps, 'timestamps');
      const t0 = performance.now();
      const tts = await ProDiffTTS.load(a.voice, { allowPaths: true, ...(a.threads ? { threads: a.threads } : {}) });
      const sr = tts.sampleRate;
      // Validates the text before any output is opened.
      tts.phonemize(text, a.opts);
      const tLoad = performance.now();
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
        if (!toStdout) file = new StreamFileWriter(a.output);
      }
      const parts: Uint8Array[] = [];
      let patches: HeaderPatch[] = [];
      let written = 0;
      const encode = { format: a.format, ...(a.sampleRate ? { sampleRate: a.sampleRate } : {}), ...(a.float ? { float: true } : {}) };
      // Without --stream, chunks would only add work: whole sentences unless chunk sizes are given.
      for await (const piece of streamEncoded(tts, text, { ...(a.stream ? a.opts : { firstChunkFrames: Infinity, ...a.opts }), ...encode })) {
        if (piece.patches) patches = piece.patches;
        const c = piece.chunk;
        if (c) {
          for (const w of c.warnings) log(`warning: ${w}`);
          firstMs ??= performance.now() - tLoad;
          if (c.part === 0) sentenceSamples = 0;
          sentenceSamples += c.audio.length;
          if (c.final) sentences.push({ text: c.text, start: c.sentenceStart, end: c.sentenceStart + sentenceSamples / sr - c.silence - c.leadingSilence });
          words.push(...c.words);
          pauses.push(...chunkPauses(c));
          phones.push(...c.phonesTimed);
          samples += c.audio.length;
          if (a.stream && c.final) log(`sentence ${c.index + 1}/${c.count}: ${(sentenceSamples / sr).toFixed(2)} s${c.part > 0 ? ` in ${c.part + 1} chunks` : ''}`);
        }
        if (!a.stream) parts.push(piece.bytes);
        else if (!toStdout) file!.write(piece.bytes);
        else if (piece.bytes.length) {
          try {
            await writeStdout(piece.bytes);
            written += piece.bytes.length;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
            stdoutBroken = true;
            break;
          }
        }
      }
      // The reader went away (`| head -c 1000`): it has what it wanted.
      if (stdoutBroken) return 0;
      if (!a.stream) {
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { bytes.set(p, at); at += p.length; }
        for (const p of patches) bytes.set(p.bytes, p.offset);
        if (toStdout) await writeStdout(bytes);
        else writeFileAtomic(a.output, bytes);
      } else if (file) file.finish(patches);
      else patchStdout(patches, written);
      file = undefined;
      if (a.timestamps) await writeOutput(a.timestamps, timestampsJson(tts.voice.name, sr, sentences, words, phones, pauses, samples / sr));
      const secs = samples / sr;
      const ms = performance.now() - tLoad;
      log(`${toStdout ? 'wrote' : `wrote ${a.output}:`} ${secs.toFixed(2)} s of ${a.format} audio, ${sentences.length} sentence(s), voice ${tts.voice.name}; ` +
        `load ${(tLoad - t0).toFixed(0)} ms, synthesis ${ms.toFixed(0)} ms (RTF ${(ms / 1000 / Math.max(secs, 1e-9)).toFixed(3)}${a.stream ? `, first audio ${firstMs?.toFixed(0)} ms` : ''})`);
      return 0;
    } catch (e) {
      file?.abort();
      if (e instanceof TTSInputError) {
        const message = inFlagTerms(e.message);
        // A flag's value that this voice cannot take (--steps 3 for a 4-step voice): a usage error.
        if (/(^|\s)--[a-z-]+ must\b/.test(message)) throw new UsageError(message);
        throw new TTSInputError(message);
      }
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
