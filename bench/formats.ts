// Cost of the audio formats: encoding 20 s of the bundled voice's speech (22.05 kHz) in each format
// at the voice's rate and resampled, --reps passes after a warm-up; min and median ms, and the
// real-time factor (encode time / audio seconds) of the median.
// Usage: npm run bench:formats -- [--reps 5] [--json]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ProDiffTTS } from '../src/api/tts.js';
import { encodeAudio, type AudioFormat } from '../src/audio/encode/index.js';

const { values: a } = parseArgs({ options: { reps: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const reps = Number(a.reps);
const tts = await ProDiffTTS.load();
const text = 'It was the best of times, it was the worst of times. A journey of a thousand miles begins with a single step. ';
let audio = (await tts.synthesize(text.repeat(3))).audio;
const sr = tts.sampleRate;
audio = audio.subarray(0, Math.min(audio.length, 20 * sr));
const seconds = audio.length / sr;
await tts.dispose();

const cases: { format: AudioFormat; sampleRate?: number }[] = [
  { format: 'wav' }, { format: 'pcm', sampleRate: 24000 }, { format: 'mp3' }, { format: 'opus' }, { format: 'flac' }, { format: 'wav', sampleRate: 48000 }, { format: 'wav', sampleRate: 16000 },
];
const rows = [];
for (const c of cases) {
  const o = { format: c.format, inputRate: sr, ...(c.sampleRate ? { sampleRate: c.sampleRate } : {}) };
  await encodeAudio(audio, o);
  const ms: number[] = [];
  let bytes = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    bytes = (await encodeAudio(audio, o)).length;
    ms.push(performance.now() - t0);
  }
  ms.sort((x, y) => x - y);
  const median = ms[Math.floor(ms.length / 2)]!;
  const row = { format: c.format, sample_rate: c.sampleRate ?? sr, min_ms: Math.round(ms[0]!), median_ms: Math.round(median), rtf: Math.round((median / 1000 / seconds) * 10000) / 10000, kbit_s: Math.round((bytes * 8) / seconds / 1000) };
  rows.push(row);
  if (!a.json) process.stdout.write(`${row.format} @ ${row.sample_rate} Hz: min ${row.min_ms} ms, median ${row.median_ms} ms, RTF ${row.rtf}, ${row.kbit_s} kbit/s\n`);
}
const result = { bench: 'formats', audio_seconds: Math.round(seconds * 100) / 100, reps, rows, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) };
if (a.json) process.stdout.write(`${JSON.stringify(result)}\n`);
