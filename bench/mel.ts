// Benchmark: log-mel (ProDiff settings) of 10 s of 22050 Hz audio. Prints the median in ms;
// with --json, one JSON object on the last line.
import { logMel, PRODIFF_MEL } from '../src/audio/mel.js';

const json = process.argv.includes('--json');
const seconds = 10;
const n = PRODIFF_MEL.sampleRate * seconds;
const y = new Float32Array(n);
let s = 12345;
for (let i = 0; i < n; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  y[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / 22050) + 0.05 * (s / 2 ** 32 - 0.5);
}
for (let i = 0; i < 5; i++) logMel(y); // warm-up (JIT, filterbank cache)
const runs = 31;
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  logMel(y);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const median = times[runs >> 1]!;
const frames = 1 + Math.floor(n / PRODIFF_MEL.hop);
if (!json) {
  console.log(`log-mel of ${seconds} s (${frames} frames, n_fft 1024, hop 256, 80 mels): median ${median.toFixed(2)} ms, min ${times[0]!.toFixed(2)} ms over ${runs} runs`);
} else {
  console.log(JSON.stringify({ bench: 'mel', audio_seconds: seconds, frames, runs, median_ms: +median.toFixed(3), min_ms: +times[0]!.toFixed(3), target_ms: 20 }));
}
