// Acoustic-model benchmark: paper-size ProDiff (hidden 256, 4 encoder layers, 20 x 256 denoiser),
// random weights, one utterance of `frames` frames: encoder + duration predictor, frame adaptor,
// one denoiser call, and the 2-step acoustic model timed end to end (encoder, adaptor and the
// sampler's two denoiser calls in one timed call) with its real-time factor; median and minimum
// of --reps runs after --warmup untimed ones. With PyTorch available, the same denoiser through
// bench/torch_diffnet.py for the ratio.
// Usage: npm run bench:acoustic -- [--frames 200] [--phones 60] [--threads 2] [--reps 10] [--warmup 2] [--json] [--no-torch]
import { parseArgs } from 'node:util';
import { describeTiming, runTorchBench, timeRuns, timingJson } from './common.js';
import { ortTensor, ParamStore, Rng, type ort } from '../src/engine/index.js';
import { buildAdaptorGraph, buildDenoiseStepGraph, buildEncoderGraph, PAPER_DENOISER, sample, samplerSteps, sessionFor, vpsdeSchedule, type ProDiffConfig } from '../src/model/index.js';

const { values: a } = parseArgs({
  options: {
    frames: { type: 'string', default: '200' },
    phones: { type: 'string', default: '60' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
  },
});
const T = Number(a.frames);
const L = Number(a.phones);
const threads = Number(a.threads);
const reps = Number(a.reps);
const warmup = Number(a.warmup);
const HOP_SECONDS = 256 / 22050;

const cfg: ProDiffConfig = {
  mels: 80,
  denoiser: PAPER_DENOISER,
  fs2: {
    vocabSize: 80, hidden: 256, encLayers: 4, heads: 2, encFfnKernel: 9, durPredictorLayers: 2, durPredictorKernel: 3,
    predictorLayers: 2, predictorKernel: 5, predictorHidden: 256, dropout: 0.1, predictorDropout: 0.5, predictorGrad: 0.1,
    f0Mean: 206.5, f0Std: 47.25, usePitch: true, useEnergy: true, numSpk: 0,
  },
};

const schedule = vpsdeSchedule(4);
const graphs = { encoder: buildEncoderGraph(cfg), adaptor: buildAdaptorGraph(cfg), denoiser: buildDenoiseStepGraph(cfg, schedule) };
const rng = new Rng(1);
const params = new ParamStore();
for (const g of Object.values(graphs)) params.initialize(g, rng);
// Output projections start at zero in the reference; give them small values so the timing is realistic.
params.set('denoise_fn.output_projection.weight', [80, 256, 1], rng.normalArray(80 * 256, 0.02));
const sessions = {
  encoder: await sessionFor(graphs.encoder, params, { threads }),
  adaptor: await sessionFor(graphs.adaptor, params, { threads }),
  denoiser: await sessionFor(graphs.denoiser, params, { threads }),
};

const tokens = ortTensor('int64', Array.from({ length: L }, (_, i) => 3 + (i % 70)), [1, L]);
const mel2ph = ortTensor('int64', Array.from({ length: T }, (_, t) => 1 + Math.floor((t * L) / T)), [1, T]);
const M = cfg.mels;
const init = rng.normalArray(M * T);
const stepNoise = [rng.normalArray(M * T), rng.normalArray(M * T)];
// A 2-step student of the 4-step schedule: step indices 2, 0 (DDPM).
const steps = samplerSteps(2, 2);

const encode = async () => (await sessions.encoder.run({ txt_tokens: tokens })).encoder_out!;
const adapt = async (encoderOut: ort.Tensor) => (await sessions.adaptor.run({ encoder_out: encoderOut, txt_tokens: tokens, mel2ph })).cond!.data as Float32Array;
const denoise = (cond: Float32Array) => sample(sessions.denoiser, schedule, { cond, condChannels: cfg.fs2.hidden, mels: M, frames: T, steps, sampler: 'ddpm', init, stepNoise });

const encoderOut = await encode();
const cond = await adapt(encoderOut);
const enc = await timeRuns(encode, reps, warmup);
const ad = await timeRuns(() => adapt(encoderOut), reps, warmup);
const x = ortTensor('float32', init, [1, 1, M, T]);
const noise = ortTensor('float32', stepNoise[0]!, [1, 1, M, T]);
const step = ortTensor('int64', [2], [1]);
const call = await timeRuns(() => sessions.denoiser.run({ x_t: x, step, cond: ortTensor('float32', cond, [1, cfg.fs2.hidden, T]), noise }), reps, warmup);
const total = await timeRuns(async () => denoise(await adapt(await encode())), reps, warmup);

const audioS = T * HOP_SECONDS;
const result: Record<string, unknown> = {
  bench: 'acoustic', frames: T, phones: L, threads, audio_s: +audioS.toFixed(4), runs: reps, warmup,
  ...timingJson('encoder', enc), ...timingJson('adaptor', ad), ...timingJson('denoiser_call', call), ...timingJson('two_step', total),
  rtf: +(total.median / 1000 / audioS).toFixed(5), rtf_min: +(total.min / 1000 / audioS).toFixed(5),
};

if (!a['no-torch']) {
  const d = cfg.denoiser;
  const torch = runTorchBench('torch_diffnet.py', ['--batch', '1', '--frames', String(T), '--channels', String(d.residualChannels), '--layers', String(d.residualLayers),
    '--cond', String(d.condChannels), '--mels', '80', '--dilation-cycle', String(d.dilationCycle), '--threads', String(threads), '--steps', String(reps)])?.pop();
  if (torch) {
    result.torch_denoiser_call_median_ms = torch.forward_ms;
    result.torch_denoiser_call_min_ms = torch.forward_min_ms;
    result.torch_runs = torch.reps;
    result.torch_warmup = torch.warmup;
    result.denoiser_ratio = +(call.median / (torch.forward_ms as number)).toFixed(3);
  } else result.torch = 'not available (install python3-torch)';
}

const lines = [
  `acoustic model: hidden 256, 4 encoder layers, denoiser 20 x 256; ${L} phones, ${T} frames (${audioS.toFixed(2)} s), ${threads} threads; ${reps} timed runs after ${warmup} warm-up each`,
  `encoder + durations: ${describeTiming(enc)}`,
  `frame adaptor: ${describeTiming(ad)}`,
  `denoiser call: ${describeTiming(call)}`,
  `2-step acoustic model end to end (encoder, adaptor, 2 denoiser calls): ${describeTiming(total)}, RTF ${String(result.rtf)} (min ${String(result.rtf_min)})`,
];
if (result.torch_denoiser_call_median_ms !== undefined) lines.push(`pytorch denoiser call: median ${String(result.torch_denoiser_call_median_ms)} ms, min ${String(result.torch_denoiser_call_min_ms)} ms (engine / pytorch ${String(result.denoiser_ratio)}x on the medians)`);
process.stdout.write(`${lines.join('\n')}\n`);
if (a.json) process.stdout.write(`${JSON.stringify(result)}\n`);
