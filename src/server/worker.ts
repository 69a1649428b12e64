// A synthesis worker thread: its own ProDiffTTS per voice (one model copy), one job at a time;
// streams the encoded bytes back as they are made, stops a job between chunks when told.
import { parentPort, workerData } from 'node:worker_threads';
import { ProDiffTTS, TTSInputError } from '../api/tts.js';
import { streamEncoded } from '../api/encoded.js';
import { MIME_TYPES } from '../audio/encode/index.js';
import type { ChunkInfo, FromWorker, JobSpec, ToWorker, WorkerConfig } from './protocol.js';

const config = workerData as WorkerConfig;
const port = parentPort!;
const env = { ...process.env, ...(config.voicesPath !== undefined ? { PRODIFF_VOICES: config.voicesPath } : {}) };
const voices = new Map<string, Promise<ProDiffTTS>>();
const running = new Map<number, AbortController>();

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function voice(name: string): Promise<ProDiffTTS> {
  let v = voices.get(name);
  if (!v) {
    v = ProDiffTTS.load(name, { env, threads: config.threads });
    v.catch(() => voices.delete(name));
    voices.set(name, v);
  }
  return v;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

async function run(job: JobSpec): Promise<void> {
  const ac = new AbortController();
  running.set(job.id, ac);
  const t0 = performance.now();
  let audioSeconds = 0;
  let headSent = false;
  try {
    const tts = await voice(job.voice);
    const pieces = streamEncoded(tts, job.text, {
      format: job.format, speed: job.speed, signal: ac.signal,
      ...(job.sampleRate !== undefined ? { sampleRate: job.sampleRate } : {}),
      ...(job.speaker !== undefined ? { speaker: job.speaker } : {}),
    });
    for await (const p of pieces) {
      if (ac.signal.aborted) break;
      if (!headSent) {
        post({ type: 'head', id: job.id, mimeType: MIME_TYPES[job.format], sampleRate: job.sampleRate ?? tts.sampleRate });
        headSent = true;
      }
      let info: ChunkInfo | undefined;
      const c = p.chunk;
      if (c) {
        audioSeconds += c.audio.length / c.sampleRate;
        if (job.timestamps) {
          info = {
            start: r4(c.start), duration: r4(c.audio.length / c.sampleRate),
            words: c.words.map((w) => ({ word: w.word, start: r4(w.start), end: r4(w.end) })),
            phones: c.phonesTimed.map((q) => ({ phone: q.phone, start: r4(q.start), end: r4(q.end) })),
            ...(job.mel ? { mel: { frames: c.frames, mels: c.mel.length / Math.max(1, c.frames), data: c.mel } } : {}),
          };
        }
      }
      if (p.bytes.length || info) post({ type: 'data', id: job.id, bytes: p.bytes, ...(info ? { info } : {}) }, [p.bytes.buffer as ArrayBuffer]);
    }
    post({ type: 'end', id: job.id, audioSeconds, synthSeconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    const input = e instanceof TTSInputError;
    post({ type: 'fail', id: job.id, status: ac.signal.aborted ? 499 : input ? 400 : 500, message: (e as Error).message, ...(input ? { param: 'input' } : {}) });
  } finally {
    running.delete(job.id);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'job') void run(m.job);
  else running.get(m.id)?.abort(new Error('cancelled'));
});

// Load the voice and warm every codec and the resampler's table, so the first request is not slow.
(async () => {
  try {
    const tts = await voice(config.warmVoice);
    for (const format of ['mp3', 'opus', 'flac', 'pcm'] as const) {
      for await (const _ of streamEncoded(tts, 'Ready.', { format, ...(format === 'pcm' ? { sampleRate: 24000 } : {}) })) { /* warm-up */ }
    }
    post({ type: 'ready' });
  } catch (e) {
    post({ type: 'startup-failed', message: (e as Error).message });
  }
})();
