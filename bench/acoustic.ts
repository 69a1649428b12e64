import { runTorchBench } from './common.js';
// Acoustic-model benchmark: paper-size ProDiff (hidden 256, 4 encoder layers, 20 x 256 denoiser),
// random weights, one utterance of `frames` frames: encoder + duration predictor, frame adaptor,
// one denoiser step (median), the 2-step total and its real-time factor. With PyTorch available,
// the same denoiser through ../shared/bench/torch_diffnet.py for the ratio.
// Usage: npm run bench:acoustic -- [--frames 200] [--phones 60] [--threads 2] [--reps 10] [--json] [--no-torch]
import { parseArgs } from 'node:util';
import { ortTensor, ParamStore, Rng } from '../src/engine/index.js';
import { buildAdaptorGraph, buildDenoiseStepGraph, buildEncoderGraph, PAPER_DENOISER, sessionFor, vpsdeSchedule, type ProDiffConfig } from '../src/model/index.js';

const { values: a } = parseArgs({
  options: {
    frames: { type: 'string', default: '200' },
    phones: { type: 'string', default: '60' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
  },
});
const T = Number(a.frames);
const L = Number(a.phones);
const threads = Number(a.threads);
const reps = Number(a.reps);
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

const graphs = { encoder: buildEncoderGraph(cfg), adaptor: buildAdaptorGraph(cfg), denoiser: buildDenoiseStepGraph(cfg, vpsdeSchedule(4)) };
const rng = new Rng(1);
const params = new ParamStore();
for (const g of Object.values(graphs)) params.initialize(g, rng);
// Output projections start at zero in the reference; give them small values so the timing is realistic.
params.set('denoise_fn.output_projection.weight', [80, 256, 1], rng.normalArray(80 * 256, 0.02));
const sessions = {
  encoder: await sessionFor(graphs.encoder, params, threads),
  adaptor: await sessionFor(graphs.adaptor, params, threads),
  denoiser: await sessionFor(graphs.denoiser, params, threads),
};

const tokens = ortTensor('int64', Array.from({ length: L }, (_, i) => 3 + (i % 70)), [1, L]);
const mel2ph = ortTensor('int64', Array.from({ length: T }, (_, t) => 1 + Math.floor((t * L) / T)), [1, T]);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
async function time(f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

let encoderOut = (await sessions.encoder.run({ txt_tokens: tokens })).encoder_out!;
const encMs = await time(async () => {
  encoderOut = (await sessions.encoder.run({ txt_tokens: tokens })).encoder_out!;
});
let cond = (await sessions.adaptor.run({ encoder_out: encoderOut, txt_tokens: tokens, mel2ph })).cond!;
const adMs = await time(async () => {
  cond = (await sessions.adaptor.run({ encoder_out: encoderOut, txt_tokens: tokens, mel2ph })).cond!;
});
const x = ortTensor('float32', rng.normalArray(80 * T), [1, 1, 80, T]);
const noise = ortTensor('float32', rng.normalArray(80 * T), [1, 1, 80, T]);
const step = ortTensor('int64', [2], [1]);
const callMs = await time(() => sessions.denoiser.run({ x_t: x, step, cond, noise }));

const audioS = T * HOP_SECONDS;
const totalMs = encMs + adMs + 2 * callMs;
const result: Record<string, unknown> = {
  frames: T, phones: L, threads, audio_s: +audioS.toFixed(4),
  encoder_ms: +(encMs + adMs).toFixed(3), encoder_only_ms: +encMs.toFixed(3), adaptor_ms: +adMs.toFixed(3),
  denoiser_call_ms: +callMs.toFixed(3), two_step_ms: +totalMs.toFixed(3), rtf: +(totalMs / 1000 / audioS).toFixed(5),
};

if (!a['no-torch']) {
  const d = cfg.denoiser;
  const torch = runTorchBench('torch_diffnet.py', ['--batch', '1', '--frames', String(T), '--channels', String(d.residualChannels), '--layers', String(d.residualLayers),
    '--cond', String(d.condChannels), '--mels', '80', '--dilation-cycle', String(d.dilationCycle), '--threads', String(threads), '--steps', String(reps)])?.pop();
  if (torch) {
    result.torch_denoiser_call_ms = torch.forward_ms;
    result.denoiser_ratio = +(callMs / (torch.forward_ms as number)).toFixed(3);
  }
}

const lines = [
  `acoustic model: hidden 256, 4 encoder layers, denoiser 20 x 256; ${L} phones, ${T} frames (${audioS.toFixed(2)} s), ${threads} threads, median of ${reps}`,
  `encoder + durations ${encMs.toFixed(2)} ms, frame adaptor ${adMs.toFixed(2)} ms, denoiser call ${callMs.toFixed(2)} ms`,
  `2-step acoustic total ${totalMs.toFixed(2)} ms, RTF ${(totalMs / 1000 / audioS).toFixed(4)}`,
];
if (result.torch_denoiser_call_ms !== undefined) lines.push(`pytorch denoiser call ${String(result.torch_denoiser_call_ms)} ms (engine / pytorch ${String(result.denoiser_ratio)}x)`);
process.stdout.write(`${lines.join('\n')}\n`);
if (a.json) process.stdout.write(`${JSON.stringify(result)}\n`);
