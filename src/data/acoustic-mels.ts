// Mels of a trained acoustic model for the utterances of a preprocessed cache, with the cache's
// durations forced (mel2ph), so every frame lines up with the recording: the vocoder's fine-tuning
// input. The model runs its own sampler with a fixed seed per utterance. Generating them is slow
// (a full synthesis per utterance), so they are written once, one safetensors file per utterance,
// and a rerun skips the finished ones.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { readSafetensors, requireTensor, writeSafetensors } from '../engine/safetensors.js';
import { loadProDiffWeights } from '../model/checkpoint.js';
import type { AcousticModel } from '../model/inference.js';
import { acousticWeightsPath, loadAcousticModel } from '../model/load-acoustic.js';
import { readCacheIndex, type CacheEntry } from './preprocess.js';

/** `info.json` of a mel folder: which model made the mels, so that a changed model is not mixed in. */
export interface AcousticMelInfo {
  model: string;
  sha256: string;
  seed: number;
  /** Denoiser calls per utterance (the model's own count). */
  steps: number;
  cache: string;
}

const INFO = 'info.json';

/** The sampler seed of one utterance: `base` mixed with an FNV-1a hash of the id. */
function utteranceSeed(base: number, id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  return (h ^ Math.imul(base, 0x9e3779b1)) >>> 0;
}

export interface CacheUtteranceInputs {
  tokens: number[];
  mel2ph: BigInt64Array;
  /** The recording's log10 mel [frames, mels]. */
  mel: Float32Array;
  frames: number;
  mels: number;
}

export function readCacheUtterance(cache: string, id: string): CacheUtteranceInputs {
  const path = join(cache, 'utts', `${id}.safetensors`);
  const f = readSafetensors(path);
  const mel = requireTensor(f, 'mel', path);
  return {
    tokens: Array.from(requireTensor(f, 'tokens', path).data as BigInt64Array, Number),
    mel2ph: requireTensor(f, 'mel2ph', path, [mel.shape[0]!]).data as BigInt64Array,
    mel: mel.data as Float32Array,
    frames: mel.shape[0]!,
    mels: mel.shape[1]!,
  };
}

/** The model's mel for a cache utterance with its durations forced: [frames, mels], the recording's framing. */
export async function forcedMel(model: AcousticModel, u: CacheUtteranceInputs, entry: Pick<CacheEntry, 'id' | 'speakerId'>, baseSeed: number): Promise<Float32Array> {
  const r = await model.synthesize(u.tokens, { mel2ph: u.mel2ph, seed: utteranceSeed(baseSeed, entry.id), speaker: entry.speakerId });
  if (r.frames !== u.frames || r.mels !== u.mels) throw new Error(`${entry.id}: the model made ${r.frames} x ${r.mels} mel frames for ${u.frames} x ${u.mels}`);
  return r.mel;
}

/** Where mels of `model` (a run folder or weights file) go by default: CACHE/acoustic-mels/<run>-seed<seed>. */
export function defaultAcousticMelDir(cache: string, model: string, seed: number): string {
  const file = acousticWeightsPath(model);
  const name = basename(file) === 'model.safetensors' ? basename(dirname(resolve(file))) : basename(file, '.safetensors');
  return join(cache, 'acoustic-mels', `${name}-seed${seed}`);
}

function readAcousticMelInfo(dir: string): AcousticMelInfo | undefined {
  const p = join(dir, INFO);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf-8')) as AcousticMelInfo) : undefined;
}

/** One utterance's stored mel, or undefined when it is absent, unreadable or not `frames` long. */
export function readAcousticMel(dir: string, id: string, frames: number): Float32Array | undefined {
  const p = join(dir, `${id}.safetensors`);
  if (!existsSync(p)) return undefined;
  try {
    const t = readSafetensors(p).tensors.get('mel');
    return t && t.shape[0] === frames && t.data instanceof Float32Array ? t.data : undefined;
  } catch {
    return undefined; // unreadable: made again
  }
}

export interface PrecomputeOptions {
  cache: string;
  /** Teacher or student: a run folder or its model.safetensors. */
  acoustic: string;
  /** Output folder (default `defaultAcousticMelDir`). */
  out?: string;
  splits?: CacheEntry['split'][];
  seed?: number;
  threads?: number;
  /** Once with the utterances already done, then after each one computed. */
  onProgress?: (done: number, total: number) => void;
}

export interface PrecomputeResult {
  dir: string;
  total: number;
  computed: number;
  skipped: number;
}

export async function precomputeAcousticMels(o: PrecomputeOptions): Promise<PrecomputeResult> {
  const seed = o.seed ?? 0;
  const dir = o.out ?? defaultAcousticMelDir(o.cache, o.acoustic, seed);
  const index = readCacheIndex(o.cache);
  const splits = o.splits ?? ['train'];
  const entries = index.utterances.filter((u) => splits.includes(u.split));
  if (entries.length === 0) throw new Error(`${o.cache}: no ${splits.join('/')} utterances`);
  const modelFile = acousticWeightsPath(o.acoustic);
  if (!existsSync(modelFile)) throw new Error(`${modelFile}: no acoustic model weights (expected a teacher or student run folder, or its model.safetensors)`);
  const sha256 = createHash('sha256').update(readFileSync(modelFile)).digest('hex');

  mkdirSync(dir, { recursive: true });
  const stored = readAcousticMelInfo(dir);
  if (stored && (stored.sha256 !== sha256 || stored.seed !== seed)) {
    throw new Error(`${dir} holds mels of ${stored.model} (sha256 ${stored.sha256.slice(0, 12)}, seed ${stored.seed}), not of ${modelFile} (sha256 ${sha256.slice(0, 12)}, seed ${seed}): ` +
      'delete the folder or choose another (--mels DIR)');
  }

  if (!stored) {
    const info: AcousticMelInfo = { model: resolve(modelFile), sha256, seed, steps: loadProDiffWeights(modelFile).options.numSteps, cache: resolve(o.cache) };
    writeFileAtomic(join(dir, INFO), JSON.stringify(info, null, 1) + '\n');
  }

  const todo = entries.filter((e) => !readAcousticMel(dir, e.id, e.frames));
  let done = entries.length - todo.length;
  o.onProgress?.(done, entries.length);
  let model: AcousticModel | undefined;
  for (const e of todo) {
    model ??= (await loadAcousticModel(modelFile, o.threads)).model;
    const u = readCacheUtterance(o.cache, e.id);
    const mel = await forcedMel(model, u, e, seed);
    writeSafetensors(join(dir, `${e.id}.safetensors`), { mel: { shape: [u.frames, u.mels], data: mel } }, { id: e.id, seed: String(utteranceSeed(seed, e.id)) });
    o.onProgress?.(++done, entries.length);
  }
  return { dir, total: entries.length, computed: todo.length, skipped: entries.length - todo.length };
}
