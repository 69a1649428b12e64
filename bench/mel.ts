// Benchmark: log-mel (ProDiff settings) of 10 s of 22050 Hz audio: median and minimum of 31 runs
// after 5 warm-up runs (JIT, filterbank cache); with --json, one JSON object on the last line.
import { describeTiming, timeRuns, timingJson } from './common.js';
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
const t = await timeRuns(() => logMel(y), 31, 5);
const frames = 1 + Math.floor(n / PRODIFF_MEL.hop);
if (!json) {
  console.log(`log-mel of ${seconds} s (${frames} frames, n_fft 1024, hop 256, 80 mels): ${describeTiming(t)}`);
} else {
  console.log(JSON.stringify({ bench: 'mel', audio_seconds: seconds, frames, ...timingJson('', t), target_ms: 20 }));
}
