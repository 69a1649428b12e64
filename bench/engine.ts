// Engine benchmark: a training step (forward, backward, AdamW) and a forward pass of the ProDiff
// denoiser, beside bench/torch_diffnet.py (same network, defaults and flags) when
// PyTorch is importable. Usage: npm run bench:engine -- [--batch 8] [--frames 200] [--channels 128]
//   [--layers 8] [--cond 128] [--mels 80] [--dilation-cycle 4] [--threads 2] [--steps 8]
//   [--profile PREFIX] [--json] [--no-torch] [--malloc-defaults]
// Each side times `--steps` runs after 2 warm-up runs and reports min and median; the JSON also
// carries the 1-minute load average (ratios only mean something on a quiet machine). With
// --profile, ORT's per-node profiler traces the runs and a table of kernel time per phase and op
// type is printed (per-node minima).
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { runTorchBench, timeRuns } from './common.js';
import { needsAllocatorSettings, rerunWithAllocatorSettings } from '../src/cli/allocator.js';
import { phaseTotals, summarizeProfile, type Phase } from './profile.js';
import { createSession, exportOnnx, Graph, op, ortTensor, ParamStore, Rng, schedules, Trainer, type TrainerSpec } from '../src/engine/index.js';
import { denoiser, type DenoiserConfig } from '../src/model/denoiser.js';
import { Scope } from '../src/nn/index.js';

const { values: a } = parseArgs({
  options: {
    batch: { type: 'string', default: '8' },
    frames: { type: 'string', default: '200' },
    channels: { type: 'string', default: '128' },
    layers: { type: 'string', default: '8' },
    cond: { type: 'string', default: '128' },
    mels: { type: 'string', default: '80' },
    'dilation-cycle': { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '8' },
    profile: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    'malloc-defaults': { type: 'boolean', default: false },
  },
});
// Timed as `prodiff train` runs: with the allocator settings of src/cli/allocator.ts (unless
// --malloc-defaults), so the benchmark re-runs itself once with them.
if (!a['malloc-defaults'] && needsAllocatorSettings()) process.exit(await rerunWithAllocatorSettings());
const n = (k: keyof typeof a) => Number(a[k]);
const B = n('batch');
const T = n('frames');
const cfg: DenoiserConfig = { mels: n('mels'), condChannels: n('cond'), residualChannels: n('channels'), residualLayers: n('layers'), dilationCycle: n('dilation-cycle') };
const threads = n('threads');
const steps = n('steps');

function build(g: Graph) {
  const x = g.input('x', 'float32', ['B', 1, cfg.mels, 'T']);
  const t = g.input('t', 'int64', ['B']);
  const cond = g.input('cond', 'float32', ['B', cfg.condChannels, 'T']);
  return denoiser(new Scope(g, 'denoise_fn.'), cfg, x, t, cond).x0;
}

const spec: TrainerSpec = {
  build(g) {
    const out = build(g);
    const target = g.input('target', 'float32', ['B', 1, cfg.mels, 'T']);
    return { loss: op.reduceMean(op.abs(op.sub(out, target))) };
  },
  optimizer: { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 },
  schedule: schedules.constant(1e-4),
  session: { threads, ...(a.profile ? { profilePrefix: a.profile } : {}) },
};

/** The training session's trace for a profile prefix (the largest: the evaluation session's is nearly empty). */
function newestTrace(prefix: string): string {
  const dir = dirname(prefix) || '.';
  const stem = basename(prefix);
  const files = readdirSync(dir).filter((f) => f.startsWith(`${stem}_2`) && f.endsWith('.json'));
  if (files.length === 0) throw new Error(`no ORT profile written for prefix ${prefix}`);
  return files.map((f) => join(dir, f)).sort((x, y) => statSync(y).size - statSync(x).size)[0]!;
}
const loadBefore = loadavg()[0]!;

const rng = new Rng(0);
const pg = new Graph();
build(pg);
const params = new ParamStore().initialize(pg, rng);
// Random (not zero) output weights, so the loss and gradients are not degenerate.
params.set('denoise_fn.output_projection.weight', [cfg.mels, cfg.residualChannels, 1], rng.normalArray(cfg.mels * cfg.residualChannels, 0.05));
const nParams = [...params.values.values()].reduce((s, v) => s + v.data.length, 0);

const feeds = {
  x: ortTensor('float32', rng.normalArray(B * cfg.mels * T), [B, 1, cfg.mels, T]),
  t: ortTensor('int64', BigInt64Array.from({ length: B }, () => BigInt(rng.int(5))), [B]),
  cond: ortTensor('float32', rng.normalArray(B * cfg.condChannels * T), [B, cfg.condChannels, T]),
  target: ortTensor('float32', rng.normalArray(B * cfg.mels * T), [B, 1, cfg.mels, T]),
};

const trainer = await Trainer.create(spec, params);
const train = await timeRuns(() => trainer.trainStep(feeds), steps);
await trainer.close();
const trainProfile = a.profile ? newestTrace(a.profile) : undefined;
const phaseOf = (id: number): Phase => (id < trainer.phaseStarts.backward ? 'forward' : id < trainer.phaseStarts.optimizer ? 'backward' : 'optimizer');

const fg = new Graph('denoiser');
fg.output('x0', build(fg));
const fwd = await createSession(exportOnnx(fg, { values: (k) => params.get(k).data }), { threads, ...(a.profile ? { profilePrefix: `${a.profile}_forward` } : {}) });
const fwdFeeds = { x: feeds.x, t: feeds.t, cond: feeds.cond };
const forward = await timeRuns(() => fwd.run(fwdFeeds), steps);
if (a.profile) fwd.endProfiling();
const trainMs = train.median;
const fwdMs = forward.median;

const result: Record<string, unknown> = {
  engine: 'prodiff engine on onnxruntime-node 1.30',
  threads, batch: B, frames: T, channels: cfg.residualChannels, layers: cfg.residualLayers, cond: cfg.condChannels, dilation_cycle: cfg.dilationCycle,
  params: nParams,
  malloc_settings: !needsAllocatorSettings(),
  repetitions: steps,
  warmup: 2,
  train_step_ms: +trainMs.toFixed(2),
  train_step_min_ms: +train.min.toFixed(2),
  forward_ms: +fwdMs.toFixed(2),
  forward_min_ms: +forward.min.toFixed(2),
};

if (!a['no-torch']) {
  const torchLines = runTorchBench('torch_diffnet.py', ['--batch', String(B), '--frames', String(T), '--channels', String(cfg.residualChannels), '--layers', String(cfg.residualLayers),
    '--cond', String(cfg.condChannels), '--mels', String(cfg.mels), '--dilation-cycle', String(cfg.dilationCycle), '--threads', String(threads), '--steps', String(steps), ...(a.profile ? ['--profile'] : [])]);
  const torch = torchLines?.find((l) => 'train_step_ms' in l) as
    | { train_step_ms: number; forward_ms: number; train_step_min_ms: number; forward_min_ms: number; engine: string; params: number }
    | undefined;
  const torchOps = torchLines?.find((l) => 'profile' in l)?.profile as { phase: string; op: string; ms: number }[] | undefined;
  if (torchOps) result.torch_profile = { phases_ms: phaseTotals(torchOps.map((r) => ({ ...r, phase: r.phase as Phase, nodes: 0 }))), ops: torchOps };
  if (torch) {
    result.torch_engine = torch.engine;
    result.torch_params = torch.params;
    result.torch_train_step_ms = torch.train_step_ms;
    result.torch_train_step_min_ms = torch.train_step_min_ms;
    result.torch_forward_ms = torch.forward_ms;
    result.torch_forward_min_ms = torch.forward_min_ms;
    result.train_step_ratio = +(trainMs / torch.train_step_ms).toFixed(3);
    result.forward_ratio = +(fwdMs / torch.forward_ms).toFixed(3);
    result.train_step_min_ratio = +(train.min / torch.train_step_min_ms).toFixed(3);
    result.forward_min_ratio = +(forward.min / torch.forward_min_ms).toFixed(3);
  }
}
result.load_avg = +Math.max(loadBefore, loadavg()[0]!).toFixed(2);
if (trainProfile) {
  const rows = summarizeProfile(trainProfile, phaseOf);
  result.profile = { trace: trainProfile, phases_ms: phaseTotals(rows), ops: rows.map((r) => ({ ...r, ms: +r.ms.toFixed(3) })) };
}
if (result.torch_train_step_ms === undefined) result.torch = 'not available (install python3-torch)';

const lines = [
  `denoiser: batch ${B}, frames ${T}, channels ${cfg.residualChannels}, layers ${cfg.residualLayers}, cond ${cfg.condChannels}, dilation cycle ${cfg.dilationCycle}, ${threads} threads, ${nParams} parameters`,
  `prodiff engine: train step ${trainMs.toFixed(2)} ms (min ${train.min.toFixed(2)}), forward ${fwdMs.toFixed(2)} ms (min ${forward.min.toFixed(2)}); median of ${steps} after 2 warm-up runs; load ${result.load_avg}`,
];
if (result.torch_train_step_ms !== undefined) {
  lines.push(`pytorch:        train step ${result.torch_train_step_ms} ms (min ${result.torch_train_step_min_ms}), forward ${result.torch_forward_ms} ms (min ${result.torch_forward_min_ms})`);
  lines.push(`ratio (engine / pytorch), medians: train step ${result.train_step_ratio}x, forward ${result.forward_ratio}x; minima: ${result.train_step_min_ratio}x, ${result.forward_min_ratio}x`);
}
if (trainProfile) {
  const p = result.profile as { phases_ms: Record<string, number>; ops: { phase: string; op: string; ms: number; nodes: number }[] };
  lines.push(`train-step kernel ms by phase (per-node minima): ${Object.entries(p.phases_ms).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  for (const r of p.ops.slice(0, 20)) lines.push(`  ${r.phase.padEnd(16)} ${r.op.padEnd(22)} ${r.ms.toFixed(2).padStart(8)} ms  ${String(r.nodes).padStart(4)} nodes`);
}
if (result.torch_profile) {
  const p = result.torch_profile as { phases_ms: Record<string, number>; ops: { phase: string; op: string; ms: number }[] };
  lines.push(`pytorch train-step self CPU ms by phase (torch.autograd.profiler, per-op minima): ${Object.entries(p.phases_ms).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  for (const r of p.ops.slice(0, 12)) lines.push(`  ${r.phase.padEnd(16)} ${r.op.padEnd(34)} ${r.ms.toFixed(2).padStart(8)} ms`);
}
process.stdout.write(`${lines.join('\n')}\n`);
if (a.json) process.stdout.write(`${JSON.stringify(result)}\n`);
