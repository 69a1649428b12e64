// Resynthesis check of a trained vocoder on held-out WAVs: ground-truth ProDiff mel -> (a) the
// run's generator, (b) Griffin-Lim; for each, log-mel L1 against the original (natural-log units,
// as the training metric), a mel-cepstral distortion and the real-time factor. Writes the
// resynthesised WAVs when --out is given.
// Usage: node dist/bench/vocoder-eval.js --run RUN --data DIR [--out DIR] [--threads 2] [--json]
// MCD here: DCT-II (orthonormal) of the ln 80-bin mel per frame, coefficients 1..13,
// (10 / ln 10) * sqrt(2 * sum of squared differences), averaged over frames. It is computed from the
// mel, not from an SPTK mel-cepstrum analysis, so compare it only within this table.
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSession, ortTensor } from '../src/engine/index.js';
import { loadAudio } from '../src/audio/resample.js';
import { logMel, type LogMel } from '../src/audio/mel.js';
import { melToWaveGriffinLim } from '../src/audio/griffinlim.js';
import { writeWav } from '../src/audio/wav.js';
import { readRunConfig } from '../src/train/vocoder.js';

const { values: a } = parseArgs({
  options: { run: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string', default: '2' }, json: { type: 'boolean', default: false } },
});
if (!a.run || !a.data) throw new Error('usage: vocoder-eval --run RUN --data DIR [--out DIR] [--threads 2] [--json]');
const cfg = readRunConfig(a.run);
if (!cfg) throw new Error(`${a.run}: not a vocoder run (no config.json)`);
const mcfg = cfg.model.mel;
const M = mcfg.nMels;
const session = await createSession(readFileSync(join(a.run, 'generator.onnx')), { threads: Number(a.threads) });
if (a.out) mkdirSync(a.out, { recursive: true });

function melL1(ref: LogMel, y: ArrayLike<number>): number {
  const m = logMel(y, mcfg);
  const T = Math.min(ref.frames, m.frames);
  let s = 0;
  for (let i = 0; i < T * M; i++) s += Math.abs(ref.data[i]! - m.data[i]!);
  return (s / (T * M)) * Math.LN10;
}

const dct = (() => {
  const K = 14;
  const out = new Float64Array(K * M);
  for (let k = 0; k < K; k++) for (let n = 0; n < M; n++) out[k * M + n] = Math.cos((Math.PI * k * (n + 0.5)) / M) * Math.sqrt((k === 0 ? 1 : 2) / M);
  return out;
})();

function mcd(ref: LogMel, y: ArrayLike<number>): number {
  const m = logMel(y, mcfg);
  const T = Math.min(ref.frames, m.frames);
  let acc = 0;
  for (let t = 0; t < T; t++) {
    let d2 = 0;
    for (let k = 1; k < 14; k++) {
      let c = 0;
      for (let n = 0; n < M; n++) c += dct[k * M + n]! * (ref.data[t * M + n]! - m.data[t * M + n]!) * Math.LN10;
      d2 += c * c;
    }
    acc += (10 / Math.LN10) * Math.sqrt(2 * d2);
  }
  return acc / T;
}

const rows: Record<string, number | string>[] = [];
for (const f of readdirSync(a.data).filter((n) => n.toLowerCase().endsWith('.wav')).sort()) {
  const y = loadAudio(join(a.data, f), mcfg.sampleRate).samples;
  const mel = logMel(y, mcfg);
  const melCF = new Float32Array(M * mel.frames);
  for (let t = 0; t < mel.frames; t++) for (let m = 0; m < M; m++) melCF[m * mel.frames + t] = mel.data[t * M + m]!;
  const seconds = y.length / mcfg.sampleRate;
  await session.run({ mel: ortTensor('float32', melCF, [1, M, mel.frames]) }); // warm-up
  let t0 = performance.now();
  const voc = (await session.run({ mel: ortTensor('float32', melCF, [1, M, mel.frames]) })).wav!.data as Float32Array;
  const vocSec = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const gl = melToWaveGriffinLim(mel, mcfg);
  const glSec = (performance.now() - t0) / 1000;
  rows.push({
    file: f, seconds: +seconds.toFixed(2),
    vocoder_mel_l1: +melL1(mel, voc).toFixed(4), griffin_lim_mel_l1: +melL1(mel, gl).toFixed(4),
    vocoder_mcd: +mcd(mel, voc).toFixed(3), griffin_lim_mcd: +mcd(mel, gl).toFixed(3),
    vocoder_rtf: +(vocSec / seconds).toFixed(5), griffin_lim_rtf: +(glSec / seconds).toFixed(5),
  });
  if (a.out) {
    const stem = basename(f, '.wav');
    writeWav(join(a.out, `${stem}.vocoder.wav`), [voc], mcfg.sampleRate);
    writeWav(join(a.out, `${stem}.griffinlim.wav`), [Float32Array.from(gl)], mcfg.sampleRate);
  }
}
const mean = (k: string) => +(rows.reduce((s, r) => s + (r[k] as number), 0) / rows.length).toFixed(4);
const summary = {
  bench: 'vocoder-eval', run: a.run, files: rows.length, step: JSON.parse(readFileSync(join(a.run, 'checkpoint.json'), 'utf-8')).step as number,
  vocoder_mel_l1: mean('vocoder_mel_l1'), griffin_lim_mel_l1: mean('griffin_lim_mel_l1'),
  vocoder_mcd: mean('vocoder_mcd'), griffin_lim_mcd: mean('griffin_lim_mcd'),
  vocoder_rtf: mean('vocoder_rtf'), griffin_lim_rtf: mean('griffin_lim_rtf'),
};
for (const r of rows) process.stdout.write(`${Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
process.stdout.write(`${a.json ? JSON.stringify(summary) : Object.entries(summary).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
