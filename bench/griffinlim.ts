// Benchmark: Griffin-Lim vocoder (log-mel -> NNLS linear magnitude -> fast Griffin-Lim, 32 iterations)
// on 5 s of a synthetic voiced signal. Prints the real-time factor (seconds of compute per second
// of audio); with --json, one JSON object on the last line. --iterations N overrides the count.
import { glideSignal } from './common.js';
import { logMel, PRODIFF_MEL } from '../src/audio/mel.js';
import { melToWaveGriffinLim, melToLinear, spectralConvergence } from '../src/audio/griffinlim.js';

const json = process.argv.includes('--json');
const itArg = process.argv.indexOf('--iterations');
const iterations = itArg > 0 ? Number(process.argv[itArg + 1]) : 32;
const seconds = 5;
const sr = PRODIFF_MEL.sampleRate;
const y = glideSignal(seconds, sr);
const mel = logMel(y);
melToWaveGriffinLim(mel, PRODIFF_MEL, { iterations: 2 }); // warm-up
const runs = 3;
const times: number[] = [];
let out: Float64Array = new Float64Array(0);
for (let r = 0; r < runs; r++) {
  const t0 = process.hrtime.bigint();
  out = melToWaveGriffinLim(mel, PRODIFF_MEL, { iterations });
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
const med = times[runs >> 1]!;
const rtf = med / seconds;
const sc = spectralConvergence(melToLinear(mel), out);
if (!json) {
  console.log(`Griffin-Lim (${iterations} iterations, momentum 0.99) on ${seconds} s: median ${(med * 1000).toFixed(0)} ms, RTF ${rtf.toFixed(4)}, spectral convergence ${sc.toFixed(4)}`);
} else {
  console.log(JSON.stringify({ bench: 'griffinlim', audio_seconds: seconds, iterations, runs, median_ms: +(med * 1000).toFixed(1), rtf: +rtf.toFixed(5), spectral_convergence: +sc.toFixed(5) }));
}
