// Benchmark: Griffin-Lim vocoder (log-mel -> NNLS linear magnitude -> fast Griffin-Lim, 32 iterations)
// on 5 s of a synthetic voiced signal: median and minimum of 3 runs after 1 warm-up run, and the
// real-time factor (seconds of compute per second of audio) of each; with --json, one JSON object
// on the last line. --iterations N overrides the count.
import { describeTiming, glideSignal, timeRuns, timingJson } from './common.js';
import { logMel, PRODIFF_MEL } from '../src/audio/mel.js';
import { melToWaveGriffinLim, melToLinear, spectralConvergence } from '../src/audio/griffinlim.js';

const json = process.argv.includes('--json');
const itArg = process.argv.indexOf('--iterations');
const iterations = itArg > 0 ? Number(process.argv[itArg + 1]) : 32;
const seconds = 5;
const sr = PRODIFF_MEL.sampleRate;
const y = glideSignal(seconds, sr);
const mel = logMel(y);
let out: Float64Array = new Float64Array(0);
const t = await timeRuns(() => { out = melToWaveGriffinLim(mel, PRODIFF_MEL, { iterations }); }, 3, 1);
const rtf = t.median / 1000 / seconds;
const rtfMin = t.min / 1000 / seconds;
const sc = spectralConvergence(melToLinear(mel), out);
if (!json) {
  console.log(`Griffin-Lim (${iterations} iterations, momentum 0.99) on ${seconds} s: ${describeTiming(t, 'ms', 0)}, RTF ${rtf.toFixed(4)} (min ${rtfMin.toFixed(4)}), spectral convergence ${sc.toFixed(4)}`);
} else {
  console.log(JSON.stringify({ bench: 'griffinlim', audio_seconds: seconds, iterations, ...timingJson('', t), rtf: +rtf.toFixed(5), rtf_min: +rtfMin.toFixed(5), spectral_convergence: +sc.toFixed(5) }));
}
