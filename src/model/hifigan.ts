// HiFi-GAN generator (jik876/hifi-gan, V1/V2/V3 configurations) on the engine: the graph, the
// conversion of official generator checkpoints (`{'generator': state_dict}` with weight norm,
// folded here to plain weights), and the 'hifigan' vocoder.
// Parameter names are the official state_dict's after folding: conv_pre.weight/bias,
// ups.{i}.weight/bias, resblocks.{j}.convs1.{k} / convs2.{k} (type 1) or convs.{k} (type 2),
// conv_post.weight/bias.
import { loadTorchFile, collectTensors, CheckpointError, type TorchTensor } from '../checkpoint/torch.js';
import { createSession, exportOnnx, Graph, op, ParamStore, readSafetensors, writeSafetensors, type ort, type Tensor } from '../engine/index.js';
import { conv1d, Scope } from '../nn/index.js';
import { registerVocoder, SessionVocoder, type VocoderContext } from './vocoder.js';

export interface HifiganConfig {
  /** Mel bins of the input. */
  mels: number;
  upsampleRates: number[];
  upsampleKernelSizes: number[];
  upsampleInitialChannel: number;
  /** '1': ResBlock1 (convs1 dilated + convs2), '2': ResBlock2 (convs). */
  resblock: 1 | 2;
  resblockKernelSizes: number[];
  resblockDilationSizes: number[][];
  /**
   * The log base of the mel the generator was trained on: official jik876 models take natural-log
   * mels ('ln'); ProDiff's acoustic model makes log10 mels, converted before the generator runs.
   */
  melLog?: 'ln' | 'log10';
}

const BASE = { mels: 80, upsampleRates: [8, 8, 2, 2], upsampleKernelSizes: [16, 16, 4, 4], melLog: 'ln' as const };
export const HIFIGAN_V1: HifiganConfig = { ...BASE, upsampleInitialChannel: 512, resblock: 1, resblockKernelSizes: [3, 7, 11], resblockDilationSizes: [[1, 3, 5], [1, 3, 5], [1, 3, 5]] };
export const HIFIGAN_V2: HifiganConfig = { ...BASE, upsampleInitialChannel: 128, resblock: 1, resblockKernelSizes: [3, 7, 11], resblockDilationSizes: [[1, 3, 5], [1, 3, 5], [1, 3, 5]] };
export const HIFIGAN_V3: HifiganConfig = {
  mels: 80, upsampleRates: [8, 8, 4], upsampleKernelSizes: [16, 16, 8], upsampleInitialChannel: 256, resblock: 2,
  resblockKernelSizes: [3, 5, 7], resblockDilationSizes: [[1, 2], [2, 6], [3, 12]], melLog: 'ln',
};

const LRELU_SLOPE = 0.1;
const getPadding = (k: number, d: number) => Math.floor((k * d - d) / 2);

/** Samples per mel frame (product of the upsample rates). */
export const hifiganHop = (cfg: HifiganConfig): number => cfg.upsampleRates.reduce((a, b) => a * b, 1);

function validateHifiganConfig(cfg: HifiganConfig, source = 'hifigan config'): void {
  const bad = (m: string) => { throw new Error(`${source}: ${m}`); };
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!posInt(cfg.mels)) bad('mels must be a positive integer');
  if (!posInt(cfg.upsampleInitialChannel)) bad('upsample_initial_channel must be a positive integer');
  if (cfg.resblock !== 1 && cfg.resblock !== 2) bad(`resblock must be 1 or 2, not ${String(cfg.resblock)}`);
  if (!Array.isArray(cfg.upsampleRates) || cfg.upsampleRates.length === 0 || !cfg.upsampleRates.every(posInt)) bad('upsample_rates must be positive integers');
  if (!Array.isArray(cfg.upsampleKernelSizes) || cfg.upsampleKernelSizes.length !== cfg.upsampleRates.length || !cfg.upsampleKernelSizes.every(posInt)) bad('upsample_kernel_sizes must match upsample_rates');
  cfg.upsampleRates.forEach((u, i) => {
    const k = cfg.upsampleKernelSizes[i]!;
    if (k < u || (k - u) % 2 !== 0) bad(`stage ${i}: kernel ${k} and rate ${u} do not give a length of exactly T * rate`);
  });
  if (cfg.upsampleInitialChannel % 2 ** cfg.upsampleRates.length !== 0) bad('upsample_initial_channel must be divisible by 2^stages');
  if (!Array.isArray(cfg.resblockKernelSizes) || cfg.resblockKernelSizes.length === 0 || !cfg.resblockKernelSizes.every(posInt)) bad('resblock_kernel_sizes must be positive integers');
  if (!Array.isArray(cfg.resblockDilationSizes) || cfg.resblockDilationSizes.length !== cfg.resblockKernelSizes.length) bad('resblock_dilation_sizes must match resblock_kernel_sizes');
  cfg.resblockDilationSizes.forEach((d, j) => {
    if (!Array.isArray(d) || d.length === 0 || !d.every(posInt)) bad(`resblock_dilation_sizes[${j}] must be positive integers`);
    if (cfg.resblockKernelSizes[j]! % 2 === 0) bad('resblock kernel sizes must be odd');
  });
}

/**
 * Mel frames of context each side that make a frame range's samples exact (`Vocoder.contextFrames`),
 * by following the dependency interval of one frame's samples back through the generator: a
 * same-length conv of kernel k, dilation d widens it by d (k - 1) / 2 each side; a residual block
 * by the sum over its convs, the multi-receptive-field sum by its widest block; a transposed conv
 * (stride u, kernel k, padding p) maps output samples [s, e] to inputs
 * [ceil((s + p - k + 1) / u), floor((e + p) / u)]. Every stage is shift-equivariant for whole
 * frames (the strides multiply to the hop), so frame 0's interval holds for every frame.
 */
export function hifiganContextFrames(cfg: HifiganConfig): number {
  const hop = hifiganHop(cfg);
  const postPad = 3;
  let s = -postPad, e = hop - 1 + postPad;
  for (let i = cfg.upsampleRates.length - 1; i >= 0; i--) {
    const mrf = Math.max(...cfg.resblockKernelSizes.map((k, j) => cfg.resblockDilationSizes[j]!.reduce(
      (r, d) => r + getPadding(k, d) + (cfg.resblock === 1 ? getPadding(k, 1) : 0), 0)));
    s -= mrf;
    e += mrf;
    const u = cfg.upsampleRates[i]!, k = cfg.upsampleKernelSizes[i]!, p = (k - u) / 2;
    s = Math.ceil((s + p - k + 1) / u);
    e = Math.floor((e + p) / u);
  }
  const prePad = 3;
  return Math.max(-(s - prePad), e + prePad);
}

/** [B, mels, T] -> [B, 1, T * hop]; the official Generator.forward. */
function hifiganGenerator(s: Scope, cfg: HifiganConfig, mel: Tensor): Tensor {
  const c0 = cfg.upsampleInitialChannel;
  const nk = cfg.resblockKernelSizes.length;
  let x = conv1d(s.child('conv_pre'), mel, cfg.mels, c0, 7, { padding: 3 });
  let ch = c0;
  cfg.upsampleRates.forEach((u, i) => {
    const k = cfg.upsampleKernelSizes[i]!;
    const inC = c0 / 2 ** i;
    ch = c0 / 2 ** (i + 1);
    const up = s.child('ups').child(i);
    const w = up.param('weight', [inC, ch, k], { kind: 'uniform', bound: 1 / Math.sqrt(ch * k) });
    const b = up.param('bias', [ch], { kind: 'uniform', bound: 1 / Math.sqrt(ch * k) });
    const p = (k - u) / 2;
    x = op.convTranspose(op.leakyRelu(x, LRELU_SLOPE), w, b, { strides: [u], pads: [p, p] });
    const outs: Tensor[] = [];
    for (let j = 0; j < nk; j++) {
      const rb = s.child('resblocks').child(i * nk + j);
      const rk = cfg.resblockKernelSizes[j]!;
      let y = x;
      cfg.resblockDilationSizes[j]!.forEach((d, n) => {
        if (cfg.resblock === 1) {
          let t = conv1d(rb.child('convs1').child(n), op.leakyRelu(y, LRELU_SLOPE), ch, ch, rk, { dilation: d, padding: getPadding(rk, d) });
          t = conv1d(rb.child('convs2').child(n), op.leakyRelu(t, LRELU_SLOPE), ch, ch, rk, { padding: getPadding(rk, 1) });
          y = op.add(t, y);
        } else {
          y = op.add(conv1d(rb.child('convs').child(n), op.leakyRelu(y, LRELU_SLOPE), ch, ch, rk, { dilation: d, padding: getPadding(rk, d) }), y);
        }
      });
      outs.push(y);
    }
    x = outs.length === 1 ? outs[0]! : op.mul(op.sum(outs), 1 / nk);
  });
  x = conv1d(s.child('conv_post'), op.leakyRelu(x, 0.01), ch, 1, 7, { padding: 3 });
  return op.tanh(x);
}

/** Graph with input 'mel' [B, mels, T] and output 'wav' [B, 1, T * hop]. */
export function hifiganGraph(cfg: HifiganConfig): Graph {
  validateHifiganConfig(cfg);
  const g = new Graph('hifigan');
  const mel = g.input('mel', 'float32', ['B', cfg.mels, 'T']);
  g.output('wav', hifiganGenerator(new Scope(g), cfg, mel));
  return g;
}

// ---------------------------------------------------------------- conversion

/** An official config.json (jik876/hifi-gan) -> HifiganConfig. */
export function hifiganConfigFromJson(j: Record<string, unknown>, source = 'config.json'): HifiganConfig {
  const cfg: HifiganConfig = {
    mels: (j.num_mels as number | undefined) ?? 80,
    upsampleRates: j.upsample_rates as number[],
    upsampleKernelSizes: j.upsample_kernel_sizes as number[],
    upsampleInitialChannel: j.upsample_initial_channel as number,
    resblock: Number(j.resblock) as 1 | 2,
    resblockKernelSizes: j.resblock_kernel_sizes as number[],
    resblockDilationSizes: j.resblock_dilation_sizes as number[][],
    melLog: 'ln',
  };
  validateHifiganConfig(cfg, source);
  return cfg;
}

function toF32(t: TorchTensor): Float32Array {
  const d = t.data();
  if (d instanceof Float32Array) return d;
  if (d instanceof Float64Array) return Float32Array.from(d);
  throw new Error(`expected a floating-point tensor, got ${t.dtype}`);
}

/** w = g * v / ||v||, the norm over every dim but 0 (torch weight_norm, dim=0). */
export function foldWeightNorm(g: Float32Array, v: Float32Array, shape: readonly number[]): Float32Array {
  const n0 = shape[0]!;
  const per = v.length / n0;
  if (g.length !== n0) throw new Error(`weight_g has ${g.length} values, expected ${n0} (weight_norm over dim 0)`);
  const w = new Float32Array(v.length);
  for (let i = 0; i < n0; i++) {
    let ss = 0;
    for (let j = 0; j < per; j++) ss += v[i * per + j]! ** 2;
    const scale = g[i]! / Math.sqrt(ss);
    for (let j = 0; j < per; j++) w[i * per + j] = v[i * per + j]! * scale;
  }
  return w;
}

/** Plain weights (weight_g/weight_v folded) under the official names, from a generator state_dict. */
function foldGeneratorState(tensors: Map<string, TorchTensor>, source: string): ParamStore {
  const store = new ParamStore();
  for (const [name, t] of tensors) {
    if (name.endsWith('.weight_g')) continue;
    if (name.endsWith('.weight_v')) {
      const base = name.slice(0, -'_v'.length);
      const g = tensors.get(`${base}_g`);
      if (!g) throw new CheckpointError(source, `'${name}' has no matching '${base}_g'`);
      store.set(base, [...t.shape], foldWeightNorm(toF32(g), toF32(t), t.shape));
    } else {
      store.set(name, [...t.shape], toF32(t));
    }
  }
  return store;
}

/** Infers the configuration from the weight shapes (dilations cannot be seen: matched to V1/V3 by resblock type). */
function inferHifiganConfig(p: ParamStore, source: string): HifiganConfig {
  const shape = (n: string) => {
    if (!p.has(n)) throw new CheckpointError(source, `missing '${n}' (not a HiFi-GAN generator?)`);
    return p.get(n).shape;
  };
  const pre = shape('conv_pre.weight');
  const ups: number[] = [];
  while (p.has(`ups.${ups.length}.weight`)) ups.push(shape(`ups.${ups.length}.weight`)[2]!);
  if (ups.length === 0) throw new CheckpointError(source, "no 'ups.0.weight' (not a HiFi-GAN generator?)");
  const resblock = p.has('resblocks.0.convs1.0.weight') ? 1 : 2;
  const convs = resblock === 1 ? 'convs1' : 'convs';
  let total = 0;
  while (p.has(`resblocks.${total}.${convs}.0.weight`)) total++;
  if (total === 0 || total % ups.length !== 0) throw new CheckpointError(source, `${total} resblocks for ${ups.length} upsampling stages`);
  const kernels: number[] = [];
  const dil: number[][] = [];
  for (let j = 0; j < total / ups.length; j++) {
    const k = shape(`resblocks.${j}.${convs}.0.weight`)[2]!;
    let n = 0;
    while (p.has(`resblocks.${j}.${convs}.${n}.weight`)) n++;
    // Official dilations: type 1 always [1, 3, 5]; type 2 (V3) by kernel size 3/5/7 -> [1,2]/[2,6]/[3,12].
    const d = resblock === 1 ? [1, 3, 5] : HIFIGAN_V3.resblockDilationSizes[HIFIGAN_V3.resblockKernelSizes.indexOf(k)] ?? [];
    if (d.length !== n) throw new CheckpointError(source, `resblock ${j}: the dilations cannot be inferred from the shapes; pass --config config.json`);
    kernels.push(k);
    dil.push([...d]);
  }
  // The official rates: kernel = 2 * rate for every official config.
  const rates = ups.map((k) => (k % 2 === 0 ? k / 2 : NaN));
  if (rates.some((r) => !Number.isFinite(r))) throw new CheckpointError(source, 'upsample rates cannot be inferred from the kernel sizes; pass --config config.json');
  const cfg: HifiganConfig = {
    mels: pre[1]!, upsampleRates: rates, upsampleKernelSizes: ups, upsampleInitialChannel: pre[0]!, resblock,
    resblockKernelSizes: kernels, resblockDilationSizes: dil, melLog: 'ln',
  };
  validateHifiganConfig(cfg, source);
  return cfg;
}

export interface HifiganConversion {
  config: HifiganConfig;
  params: ParamStore;
}

/** Reads an official generator checkpoint ({'generator': state_dict}, or a bare state_dict). */
export function convertHifiganCheckpoint(path: string, config?: HifiganConfig): HifiganConversion {
  const root = loadTorchFile(path);
  let sd: unknown = root;
  if (root instanceof Map && root.has('generator')) sd = root.get('generator');
  const tensors = collectTensors(sd);
  if (tensors.size === 0) throw new CheckpointError(path, 'no tensors found');
  if (!tensors.has('conv_pre.weight_v') && !tensors.has('conv_pre.weight')) {
    throw new CheckpointError(path, "no 'conv_pre.weight_v' or 'conv_pre.weight': not a HiFi-GAN generator checkpoint (expected {'generator': state_dict})");
  }
  const params = foldGeneratorState(tensors, path);
  const cfg = config ?? inferHifiganConfig(params, path);
  validateHifiganConfig(cfg, path);
  const g = hifiganGraph(cfg);
  params.checkAgainst(g, path);
  for (const n of [...params.values.keys()]) if (!g.params.has(n)) throw new CheckpointError(path, `unexpected tensor '${n}' for this configuration`);
  return { config: cfg, params };
}

export function convertHifiganCheckpointFile(input: string, output: string, config?: HifiganConfig): HifiganConversion {
  const r = convertHifiganCheckpoint(input, config);
  writeSafetensors(output, new Map([...r.params.values].map(([k, v]) => [k, { shape: v.shape, data: v.data }])), {
    format: 'hifigan-generator', config: JSON.stringify(r.config),
  });
  return r;
}

// ---------------------------------------------------------------- vocoder

export class HifiganVocoder extends SessionVocoder {
  readonly name = 'hifigan';
  private constructor(session: ort.InferenceSession, readonly cfg: HifiganConfig, sampleRate: number, hop: number, melScale: number) {
    super(session, cfg.mels, sampleRate, hop, hifiganContextFrames(cfg), melScale);
  }

  static async fromParams(params: ParamStore, cfg: HifiganConfig, ctx: VocoderContext, source = 'hifigan'): Promise<HifiganVocoder> {
    if (cfg.mels !== ctx.mel.nMels) throw new Error(`${source}: the vocoder takes ${cfg.mels} mel bins, the voice makes ${ctx.mel.nMels}`);
    const hop = hifiganHop(cfg);
    if (hop !== ctx.mel.hop) throw new Error(`${source}: the vocoder makes ${hop} samples per frame, the voice's hop is ${ctx.mel.hop}`);
    const g = hifiganGraph(cfg);
    params.checkAgainst(g, source);
    const session = await createSession(exportOnnx(g, { values: (n) => params.get(n).data }), { threads: ctx.threads ?? 2, ...(ctx.device ? { device: ctx.device } : {}) });
    return new HifiganVocoder(session, cfg, ctx.mel.sampleRate, hop, cfg.melLog === 'log10' ? 1 : Math.LN10);
  }

  static async load(ctx: VocoderContext): Promise<HifiganVocoder> {
    if (!ctx.file) throw new Error("vocoder 'hifigan' needs a weights file (converted with prodiff convert --hifigan)");
    const meta = readSafetensors(ctx.file).metadata;
    let cfg: HifiganConfig;
    if (ctx.options?.config) cfg = { ...(meta.config ? (JSON.parse(meta.config) as HifiganConfig) : HIFIGAN_V1), ...(ctx.options.config as Partial<HifiganConfig>) };
    else if (meta.config) cfg = JSON.parse(meta.config) as HifiganConfig;
    else throw new Error(`${ctx.file}: no 'config' metadata (convert with prodiff convert --hifigan)`);
    validateHifiganConfig(cfg, ctx.file);
    return HifiganVocoder.fromParams(ParamStore.fromSafetensors(ctx.file), cfg, ctx, ctx.file);
  }
}

registerVocoder('hifigan', (ctx) => HifiganVocoder.load(ctx));
