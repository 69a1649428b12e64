// Vocoder benchmark: median and minimum real-time factor (seconds of compute per second of audio)
// of the Vocos-style generator's forward pass in onnxruntime-node on a fixed 10 s mel (--runs runs
// after 1 warm-up), of Griffin-Lim on the same mel (3 runs after 1 warm-up), and - in the same
// command - of bench/torch_vocoders.py (PyTorch, same generator shape, torch.istft) when PyTorch is
// importable. A 'pghi' generator (magnitudes only) is timed as the whole vocoder: network, phase
// integration on the host and the inverse STFT (`synthesize`).
// Usage: npm run bench:vocoder -- [--dim 256] [--intermediate 768] [--layers 6] [--phase pghi] [--threads 2]
//   [--seconds 10] [--runs 7] [--weights generator.safetensors | --random] [--no-torch] [--no-griffin-lim]
//   [--pghi-refine N] [--profile PREFIX] [--json]
// --pghi-refine sets a 'pghi' generator's Griffin-Lim iterations (default: the vocoder's own).
// With --json the last line is one JSON object (`rtf` = this generator's median, `rtf_min`,
// `griffin_lim_rtf`, `torch_vocos_rtf`, `torch_hifigan_rtf`, each with its runs and warm-up).
import { describeTiming, glideSignal, runTorchBench, timeRuns, timingJson } from './common.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSession, exportOnnx, Graph, ortTensor, ParamStore, readSafetensors, Rng } from '../src/engine/index.js';
import { logMel, PRODIFF_MEL } from '../src/audio/mel.js';
import { melToWaveGriffinLim } from '../src/audio/griffinlim.js';
import { isPghiGenerator, vocosGenerator, VOCOS_SMALL, type VocosConfig } from '../src/model/vocos.js';
import { createVocoder } from '../src/model/vocoder.js';
import '../src/model/vocos-vocoder.js';
import { writeRandomVocos } from '../src/voice/random.js';
import { Scope } from '../src/nn/index.js';
import { melChannelsFirst } from '../src/model/vocoder.js';

const { values: a } = parseArgs({
  options: {
    dim: { type: 'string' },
    intermediate: { type: 'string' },
    layers: { type: 'string' },
    phase: { type: 'string' },
    threads: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '7' },
    weights: { type: 'string' },
    random: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'pghi-refine': { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    'no-griffin-lim': { type: 'boolean', default: false },
  },
});
// Default: the bundled voice's trained vocoder (its size from the file's metadata); --random or
// --dim/--intermediate/--layers time random weights of a chosen size.
const BUNDLED = new URL('../../voices/en_US-slt-prodiff-small/vocoder.safetensors', import.meta.url).pathname;
const sized = a.dim !== undefined || a.intermediate !== undefined || a.layers !== undefined || a.phase !== undefined;
const weights = a.weights ?? (a.random || sized || !existsSync(BUNDLED) ? undefined : BUNDLED);
const stored = weights ? (JSON.parse(readSafetensors(weights).metadata.config ?? 'null') as VocosConfig | null) : null;
if (a.phase !== undefined && a.phase !== 'pghi' && a.phase !== 'learned') throw new Error(`--phase must be learned or pghi, got '${a.phase}'`);
const cfg: VocosConfig = stored ?? {
  ...VOCOS_SMALL, dim: Number(a.dim ?? VOCOS_SMALL.dim), intermediate: Number(a.intermediate ?? VOCOS_SMALL.intermediate), layers: Number(a.layers ?? VOCOS_SMALL.layers),
  ...(a.phase === 'pghi' ? { phase: 'pghi' as const } : {}),
};
const pghi = isPghiGenerator(cfg);
const threads = Number(a.threads);
const seconds = Number(a.seconds);
const runs = Number(a.runs);
const sr = PRODIFF_MEL.sampleRate;

// A fixed voiced test signal (glide with harmonics), and its ProDiff log-mel.
const y = glideSignal(seconds, sr);
const mel = logMel(y);
const T = mel.frames;


const audioSeconds = ((T - 1) * cfg.stft.hop) / sr;
let gen: Awaited<ReturnType<typeof timeRuns>>;
let nParams: number;
let onnxBytes: number | undefined;
if (pghi) {
  // The whole vocoder through the registry (random weights go through a temporary file).
  const tmp = mkdtempSync(join(tmpdir(), 'prodiff-bench-vocoder-'));
  try {
    const file = weights ?? join(tmp, 'random.safetensors');
    if (!weights) writeRandomVocos(file, cfg, 0);
    nParams = [...readSafetensors(file).tensors.values()].reduce((s, t) => s + t.data.length, 0);
    const v = await createVocoder('vocos', { mel: PRODIFF_MEL, file, threads, ...(a['pghi-refine'] !== undefined ? { options: { iterations: Number(a['pghi-refine']) } } : {}) });
    gen = await timeRuns(() => v.synthesize(mel.data, T), runs, 1);
    await v.dispose?.();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  // The generator as an inference graph (weights as initializers, B and T symbolic).
  const g = new Graph('vocos');
  const melIn = g.input('mel', 'float32', ['B', cfg.mels, 'T']);
  g.output('wav', vocosGenerator(new Scope(g, 'generator.'), cfg, melIn).wav);
  const params = weights ? ParamStore.fromSafetensors(weights) : new ParamStore().initialize(g, new Rng(0));
  params.checkAgainst(g, weights ?? 'random init');
  nParams = [...g.params.keys()].reduce((s, k) => s + params.get(k).data.length, 0);
  const model = exportOnnx(g, { values: (k) => params.get(k).data });
  onnxBytes = model.byteLength;
  const session = await createSession(model, { threads, ...(a.profile ? { profilePrefix: a.profile } : {}) });
  const feeds = { mel: ortTensor('float32', melChannelsFirst(mel.data, T, cfg.mels), [1, cfg.mels, T]) };
  gen = await timeRuns(() => session.run(feeds), runs, 1);
  if (a.profile) session.endProfiling();
}

const result: Record<string, unknown> = {
  bench: 'vocoder',
  weights: weights ?? 'random',
  engine: 'prodiff engine on onnxruntime-node 1.30',
  model: pghi ? 'vocos-pghi (network + phase integration + inverse STFT)' : 'vocos',
  ...(pghi ? { pghi_refine: a['pghi-refine'] !== undefined ? Number(a['pghi-refine']) : 'default' } : {}),
  dim: cfg.dim, intermediate: cfg.intermediate, layers: cfg.layers, n_fft: cfg.stft.nFft, hop: cfg.stft.hop,
  params: nParams,
  threads,
  audio_seconds: +audioSeconds.toFixed(3),
  frames: T,
  ...(onnxBytes !== undefined ? { onnx_bytes: onnxBytes } : {}),
  ...timingJson('', gen),
  rtf: +(gen.median / 1000 / audioSeconds).toFixed(5),
  rtf_min: +(gen.min / 1000 / audioSeconds).toFixed(5),
  // The machine is shared: the 1-minute load average says how busy it was.
  load_avg_1m: +loadavg()[0]!.toFixed(2),
};

if (!a['no-griffin-lim']) {
  const gl = await timeRuns(() => melToWaveGriffinLim(mel, PRODIFF_MEL), 3, 1);
  Object.assign(result, timingJson('griffin_lim', gl));
  result.griffin_lim_rtf = +(gl.median / 1000 / seconds).toFixed(5);
  result.griffin_lim_rtf_min = +(gl.min / 1000 / seconds).toFixed(5);
}

if (!a['no-torch']) {
  const lines = runTorchBench('torch_vocoders.py', ['--threads', String(threads), '--seconds', String(seconds),
    '--vocos-dim', String(cfg.dim), '--vocos-inter', String(cfg.intermediate), '--vocos-layers', String(cfg.layers)]);
  for (const r of lines ?? []) {
    result.torch_engine = r.engine;
    result.torch_runs = r.runs;
    result.torch_warmup = r.warmup;
    if (r.model === 'vocos') {
      result.torch_vocos_rtf = r.rtf;
      result.torch_vocos_rtf_min = r.rtf_min;
      result.torch_vocos_params = r.params;
    } else if (r.model === 'hifigan-v1') {
      result.torch_hifigan_rtf = r.rtf;
      result.torch_hifigan_rtf_min = r.rtf_min;
    }
  }
  if (result.torch_vocos_rtf) result.rtf_ratio_vs_torch = +((result.rtf as number) / (result.torch_vocos_rtf as number)).toFixed(3);
  else result.torch = 'not available (install python3-torch)';
}

const out = [
  `${pghi ? 'vocos-pghi' : 'vocos'} generator: dim ${cfg.dim}, intermediate ${cfg.intermediate}, ${cfg.layers} blocks, ${nParams} parameters, ${threads} threads, ${audioSeconds.toFixed(2)} s of audio`,
  `prodiff engine (onnxruntime-node): ${describeTiming(gen, 'ms', 1)}, RTF ${result.rtf} (min ${result.rtf_min}) (load average ${result.load_avg_1m})`,
];
if (result.griffin_lim_rtf !== undefined) out.push(`griffin-lim (32 iterations): RTF ${result.griffin_lim_rtf} (min ${result.griffin_lim_rtf_min}; 3 runs after 1 warm-up)`);
if (result.torch_vocos_rtf !== undefined) out.push(`pytorch vocos (same shape, torch.istft): RTF ${result.torch_vocos_rtf} (min ${result.torch_vocos_rtf_min}); hifigan-v1: RTF ${result.torch_hifigan_rtf} (min ${result.torch_hifigan_rtf_min}); ${result.torch_runs} runs after ${result.torch_warmup} warm-up`);
process.stdout.write(`${out.join('\n')}\n`);
if (a.json) process.stdout.write(`${JSON.stringify(result)}\n`);
