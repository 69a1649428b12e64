// Text -> speech benchmark over 20 fixed sentences with any voice, after one warm-up call:
// real-time factor (compute / audio duration) of --reps passes over the sentences (median and
// minimum pass; the median pass split into front end, acoustic model and vocoder); time to first
// audio in streaming mode (three-sentence paragraphs, 5 runs: the first chunk, a sub-sentence one
// with a context vocoder); the RTF of streaming all 20 as one text (rtf_stream, one run); peak RSS.
// Usage: npm run bench:say -- [--voice NAME|DIR | --random-voice CONFIG.json] [--vocoder TYPE |
//        --random-vocos] [--first-chunk-frames N] [--chunk-frames N] [--threads N] [--reps 3] [--json]
// Without --voice the default voice is used; --random-voice times a random-weight voice of the
// given model configuration (e.g. configs/prodiff-small.json) when no trained voice exists;
// --random-vocos replaces the voice's vocoder by a random-weight Vocos generator (VOCOS_SMALL,
// the trained one's size) when the voice has no Vocos weights.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProDiffTTS, type SynthesizeOptions } from '../src/api/tts.js';
import { VocosVocoder } from '../src/model/vocos-vocoder.js';
import type { Vocoder } from '../src/model/vocoder.js';
import { loadVoice } from '../src/voice/load.js';
import { makeRandomVoice, writeRandomVocos } from '../src/voice/random.js';
import { SENTENCES } from './sentences.js';


const { values: a } = parseArgs({
  options: {
    voice: { type: 'string' },
    'random-voice': { type: 'string' },
    vocoder: { type: 'string' },
    'random-vocos': { type: 'boolean', default: false },
    'first-chunk-frames': { type: 'string' },
    'chunk-frames': { type: 'string' },
    threads: { type: 'string' },
    reps: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;

async function main(): Promise<void> {
  let tmp: string | undefined;
  let voiceArg: string | undefined = a.voice;
  if (a['random-voice'] || a['random-vocos']) tmp = mkdtempSync(join(tmpdir(), 'prodiff-bench-say-'));
  if (a['random-voice']) {
    const config = JSON.parse(readFileSync(a['random-voice'], 'utf8')) as Record<string, unknown>;
    voiceArg = makeRandomVoice(join(tmp!, 'random'), config).dir;
  }
  try {
    const threads = a.threads ? { threads: Number(a.threads) } : {};
    const tLoad = performance.now();
    const voice = loadVoice(voiceArg, { allowPaths: true });
    let vocoder: Vocoder | undefined;
    if (a['random-vocos']) {
      const file = join(tmp!, 'vocos.safetensors');
      writeRandomVocos(file);
      vocoder = await VocosVocoder.load({ mel: voice.mel, file, ...threads });
    }
    const tts = await ProDiffTTS.load(voice, { ...threads, ...(vocoder ? { vocoder } : {}) });
    const loadMs = performance.now() - tLoad;
    const chunkArg = (k: 'first-chunk-frames' | 'chunk-frames') => (a[k] === undefined ? undefined : a[k] === 'Infinity' ? Infinity : Number(a[k]));
    const first = chunkArg('first-chunk-frames'), max = chunkArg('chunk-frames');
    const opts: SynthesizeOptions = {
      ...(a.vocoder ? { vocoder: a.vocoder } : {}),
      ...(first !== undefined ? { firstChunkFrames: first } : {}),
      ...(max !== undefined ? { chunkFrames: max } : {}),
    };
    await tts.synthesize('Warm up, please.', opts);

    const reps = Number(a.reps);
    if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps ${a.reps}: a positive integer`);
    // Batch: each sentence as one call; --reps passes, ranked by wall time.
    const passes: { fe: number; ac: number; vo: number; wall: number; audio: number }[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const p = { fe: 0, ac: 0, vo: 0, wall: 0, audio: 0 };
      for (const s of SENTENCES) {
        const t0 = performance.now();
        const r = await tts.synthesize(s, opts);
        p.wall += performance.now() - t0;
        p.fe += r.timings.frontEndMs;
        p.ac += r.timings.acousticMs;
        p.vo += r.timings.vocoderMs;
        p.audio += r.duration;
      }
      passes.push(p);
    }
    passes.sort((p, q) => p.wall - q.wall);
    const { fe, ac, vo, wall, audio } = passes[passes.length >> 1]!;
    // Streaming: time from the call to the first sentence's audio.
    const firsts: number[] = [];
    for (let k = 0; k < 5; k++) {
      const text = SENTENCES.slice(3 * k, 3 * k + 3).join(' ');
      const t0 = performance.now();
      for await (const c of tts.stream(text, opts)) {
        void c;
        firsts.push(performance.now() - t0);
        break;
      }
    }
    // Streaming throughput: the 20 sentences as one text, chunked as stream() chunks them.
    let streamSamples = 0;
    const tStream = performance.now();
    for await (const c of tts.stream(SENTENCES.join(' '), opts)) streamSamples += c.audio.length;
    const streamMs = performance.now() - tStream;
    const peakRss = process.resourceUsage().maxRSS / 1024;
    const s = audio;
    const result = {
      voice: tts.voice.name,
      vocoder: vocoder ? 'vocos (random weights)' : a.vocoder ?? tts.voice.config.vocoder.type,
      steps: tts.voice.config.inference.steps,
      sentences: SENTENCES.length,
      audio_s: +s.toFixed(3),
      warmup: 1,
      runs: reps,
      rtf: +(wall / 1000 / s).toFixed(4),
      rtf_min: +(passes[0]!.wall / 1000 / passes[0]!.audio).toFixed(4),
      rtf_front_end: +(fe / 1000 / s).toFixed(4),
      rtf_acoustic: +(ac / 1000 / s).toFixed(4),
      rtf_vocoder: +(vo / 1000 / s).toFixed(4),
      first_audio_runs: firsts.length,
      first_audio_ms: +median(firsts).toFixed(1),
      first_audio_min_ms: +Math.min(...firsts).toFixed(1),
      stream_runs: 1,
      rtf_stream: +(streamMs / 1000 / (streamSamples / tts.sampleRate)).toFixed(4),
      load_ms: +loadMs.toFixed(0),
      peak_rss_mb: +peakRss.toFixed(1),
    };
    process.stdout.write(
      `voice ${result.voice} (${result.steps} steps, vocoder ${result.vocoder}), ${result.sentences} sentences, ${result.audio_s} s of audio; ${reps} passes after 1 warm-up call\n` +
      `RTF median ${result.rtf} (min ${result.rtf_min}); median pass = front end ${result.rtf_front_end} + acoustic ${result.rtf_acoustic} + vocoder ${result.rtf_vocoder} (+ glue)\n` +
      `first audio (streaming, ${firsts.length} runs) median ${result.first_audio_ms} ms, min ${result.first_audio_min_ms} ms; streaming RTF ${result.rtf_stream} (1 run); load ${result.load_ms} ms; peak RSS ${result.peak_rss_mb} MB\n`,
    );
    if (a.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:say: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
