// Audio out in the page: a WAV Blob for download, and Web Audio playback of a stream of chunks
// that starts with the first chunk and schedules each next one right after the previous (gapless),
// with a callback per word at the moment it is heard (for highlighting).
import { encodeWav } from '../audio/wav.js';
import type { SentenceChunk, WordTiming } from '../api/tts.js';

/** A 16-bit PCM (or 32-bit float) mono WAV file of the samples. */
export function wavBlob(audio: Float32Array, sampleRate: number, format: 'pcm16' | 'float32' = 'pcm16'): Blob {
  return new Blob([encodeWav(audio, sampleRate, format) as BlobPart], { type: 'audio/wav' });
}

export interface PlayOptions {
  /** The AudioContext to play on (default: a new one, closed when playback ends). */
  context?: AudioContext;
  /** Called when a word starts sounding. */
  onWord?: (word: WordTiming) => void;
  /** Called when the first chunk is scheduled, with ms since `play` was called. */
  onFirstAudio?: (ms: number) => void;
  signal?: AbortSignal;
}

export interface PlayResult {
  /** ms from the call to the first chunk being scheduled. */
  firstAudioMs: number;
  /** Seconds of audio played. */
  duration: number;
  /** Every chunk's samples, concatenated (for a download after listening). */
  audio: Float32Array;
  sampleRate: number;
}

/**
 * Plays chunks as they arrive (`tts.stream(text)`); resolves when the last has sounded, rejects
 * when the stream fails or `signal` aborts (playback stops at once).
 */
export async function playStream(chunks: AsyncIterable<SentenceChunk>, o: PlayOptions = {}): Promise<PlayResult> {
  const t0 = performance.now();
  const ctx = o.context ?? new AudioContext();
  const sources: AudioBufferSourceNode[] = [];
  const timers: ReturnType<typeof setTimeout>[] = [];
  const parts: Float32Array[] = [];
  let firstAudioMs = NaN;
  let at = 0; // context time where the next chunk starts
  let sampleRate = 0;
  const stop = () => {
    for (const s of sources) s.stop();
    for (const t of timers) clearTimeout(t);
  };
  try {
    if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
    for await (const c of chunks) {
      if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('aborted');
      if (c.audio.length === 0) continue;
      sampleRate = c.sampleRate;
      parts.push(c.audio);
      const buf = ctx.createBuffer(1, c.audio.length, c.sampleRate);
      buf.copyToChannel(c.audio as Float32Array<ArrayBuffer>, 0);
      const src = ctx.createBufferSource();
      src.buffer = buf;
      src.connect(ctx.destination);
      if (sources.length === 0) {
        // A little lead so the first chunk is not clipped by the render quantum in flight.
        at = ctx.currentTime + 0.02;
        firstAudioMs = performance.now() - t0;
        o.onFirstAudio?.(firstAudioMs);
      }
      // A late chunk (synthesis slower than real time) starts when it is ready, not in the past.
      const when = Math.max(at, ctx.currentTime);
      src.start(when);
      sources.push(src);
      at = when + buf.duration;
      if (o.onWord) {
        for (const w of c.words) {
          const delay = (when + w.start - c.start - ctx.currentTime) * 1000;
          timers.push(setTimeout(() => o.onWord!(w), Math.max(0, delay)));
        }
      }
    }
    const last = sources[sources.length - 1];
    if (last) {
      await new Promise<void>((resolve, reject) => {
        last.onended = () => resolve();
        o.signal?.addEventListener('abort', () => reject(o.signal!.reason instanceof Error ? o.signal!.reason : new Error('aborted')), { once: true });
      });
    }
  } catch (e) {
    stop();
    throw e;
  } finally {
    if (!o.context) await ctx.close().catch(() => undefined);
  }
  const n = parts.reduce((a, p) => a + p.length, 0);
  const audio = new Float32Array(n);
  let k = 0;
  for (const p of parts) {
    audio.set(p, k);
    k += p.length;
  }
  return { firstAudioMs, duration: sampleRate ? n / sampleRate : 0, audio, sampleRate };
}
