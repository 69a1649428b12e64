// Official ProDiff checkpoints -> our safetensors weights, and back into a model; trained weights
// written in the same format (`saveModel`).
// The checkpoint reader (src/checkpoint) knows nothing of ProDiff; this module finds the model's
// state_dict inside the official layouts, keeps the official key names, infers the configuration
// from the tensor shapes (plus the hparams that shapes cannot tell), and writes both.
import { readSafetensors, SafetensorsError, writeSafetensors, type StData, type StDType } from '../engine/safetensors.js';
import { ParamStore } from '../engine/params.js';
import { loadTorchFile, TorchTensor, type TorchDType } from '../checkpoint/torch.js';
import { scheduleStateDict, vpsdeSchedule, type DiffusionSchedule } from './diffusion.js';
import { foldTiedParameters, SPK_EMBED_DIM, withTiedAliases } from './fastspeech2.js';
import { HPARAMS_SCHEMA, HparamsError, parseHparams, requireHparam, type Hparams } from './hparams.js';
import { prodiffConfigFromHparams, type ProDiffConfig } from './prodiff.js';
import type { AcousticModelOptions } from './inference.js';

export class ProDiffCheckpointError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ProDiffCheckpointError';
  }
}

/** Tag in the safetensors metadata of converted weights. */
export const WEIGHTS_FORMAT = 'prodiff-weights/1';

export interface FoundStateDicts {
  /** The ProDiff GaussianDiffusion state_dict (official key names). */
  model: Map<string, TorchTensor>;
  /** A student checkpoint's frozen teacher (`state_dict['teacher']`), if any. */
  teacher?: Map<string, TorchTensor>;
  /** `hparams` stored in the checkpoint, if any. */
  hparams?: Record<string, unknown>;
  /** Which layout was found, for messages. */
  layout: string;
}

const isTensorDict = (x: unknown): x is Map<string, unknown> =>
  x instanceof Map && x.size > 0 && [...x.values()].every((v) => v instanceof TorchTensor) && [...x.keys()].every((k) => typeof k === 'string');

function tensorsOf(m: Map<string, unknown>, prefix = ''): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of m) if (k.startsWith(prefix) && v instanceof TorchTensor) out.set(k.slice(prefix.length), v);
  return out;
}

/** Python data (Maps, arrays, scalars) -> JSON-able values; tensors and bytes are left out. */
function toJson(x: unknown): unknown {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
  if (typeof x === 'bigint') return Number(x);
  if (Array.isArray(x)) return x.map(toJson);
  if (x instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of x) if (String(k) !== '__proto__' && !(v instanceof TorchTensor) && !(v instanceof Uint8Array)) o[String(k)] = toJson(v);
    return o;
  }
  return undefined;
}

/**
 * Finds the model's state_dict in a loaded checkpoint: the official trainer's
 * `{'state_dict': {'model': ..., 'teacher'?: ...}}`, the Lightning-style flat
 * `{'state_dict': {'model.fs2...': ...}}`, or a bare state_dict.
 */
export function findProDiffStateDicts(root: unknown, source: string): FoundStateDicts {
  if (!(root instanceof Map)) throw new ProDiffCheckpointError(source, `not a ProDiff checkpoint: the file holds a ${Array.isArray(root) ? 'list' : typeof root}, not a dict`);
  const hp = root.get('hparams');
  const hparams = hp instanceof Map ? (toJson(hp) as Record<string, unknown>) : undefined;
  let found: FoundStateDicts | undefined;
  const sd = root.get('state_dict');
  if (sd instanceof Map) {
    const model = sd.get('model');
    if (model instanceof Map) {
      const teacher = sd.get('teacher');
      found = { model: tensorsOf(model), teacher: teacher instanceof Map ? tensorsOf(teacher) : undefined, layout: "state_dict['model']" };
    } else if ([...sd.keys()].some((k) => typeof k === 'string' && k.startsWith('model.'))) {
      const t = tensorsOf(sd, 'teacher.');
      found = { model: tensorsOf(sd, 'model.'), teacher: t.size > 0 ? t : undefined, layout: "state_dict with 'model.' keys" };
    } else if (isTensorDict(sd)) found = { model: tensorsOf(sd), layout: 'state_dict' };
  } else if (isTensorDict(root)) found = { model: tensorsOf(root), layout: 'bare state_dict' };
  if (!found) {
    const keys = [...root.keys()].slice(0, 8).map(String).join(', ');
    throw new ProDiffCheckpointError(source, `not a ProDiff checkpoint: no state_dict found (top-level keys: ${keys})`);
  }
  for (const need of ['denoise_fn.input_projection.weight', 'fs2.encoder_embed_tokens.weight']) {
    if (!found.model.has(need)) {
      const sample = [...found.model.keys()].slice(0, 5).join(', ');
      throw new ProDiffCheckpointError(source, `not a ProDiff checkpoint: ${found.layout} has no '${need}' (keys: ${sample}${found.model.size > 5 ? ', ...' : ''})`);
    }
  }
  return { ...found, hparams };
}

/** Keys of the official state_dict that carry nothing: the dummy positions buffer and empty tensors. */
function isDroppable(name: string, t: { shape: readonly number[] }): boolean {
  return name.endsWith('._float_tensor') || t.shape.some((d) => d === 0);
}

function countIndexed(keys: Iterable<string>, re: RegExp): number {
  let n = 0;
  for (const k of keys) {
    const m = re.exec(k);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * The official hparams the model needs, inferred from tensor shapes where they tell, else taken
 * from `given` (a checkpoint's hparams, a config.yaml, the command line). A given value that
 * contradicts a shape is an error; values no shape tells fall back to the official defaults
 * (num_heads 2, dilation_cycle_length 1), and f0_mean/f0_std must be given.
 */
function inferProDiffHparams(shapes: Map<string, readonly number[]>, given: Record<string, unknown>, source: string): { hparams: Record<string, unknown>; notes: string[] } {
  const notes: string[] = [];
  const shape = (k: string): readonly number[] => {
    const s = shapes.get(k);
    if (!s) throw new ProDiffCheckpointError(source, `missing tensor '${k}'`);
    return s;
  };
  const keys = [...shapes.keys()];
  parseHparams(given, source); // a known key of the wrong type fails here, named
  const hp: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) if (v !== undefined && k !== '__proto__') hp[k] = v;
  const inferred: Record<string, unknown> = {};
  const [V, H] = shape('fs2.encoder_embed_tokens.weight') as [number, number];
  inferred.vocab_size = V;
  inferred.hidden_size = H;
  inferred.enc_layers = countIndexed(keys, /^fs2\.encoder\.layers\.(\d+)\./);
  const ffn = shape('fs2.encoder.layers.0.op.ffn.ffn_1.weight');
  if (ffn[0] !== 4 * H || ffn[1] !== H) throw new ProDiffCheckpointError(source, `encoder FFN weight is [${ffn}], expected [${4 * H}, ${H}, k] (filter size 4 x hidden)`);
  inferred.enc_ffn_kernel_size = ffn[2];
  inferred.dur_predictor_layers = countIndexed(keys, /^fs2\.dur_predictor\.conv\.(\d+)\./);
  inferred.dur_predictor_kernel = shape('fs2.dur_predictor.conv.0.1.weight')[2];
  const predictor = shapes.has('fs2.pitch_predictor.conv.0.1.weight') ? 'pitch_predictor' : 'energy_predictor';
  if (shapes.has(`fs2.${predictor}.conv.0.1.weight`)) {
    inferred.predictor_layers = countIndexed(keys, new RegExp(`^fs2\\.${predictor}\\.conv\\.(\\d+)\\.`));
    inferred.predictor_kernel = shape(`fs2.${predictor}.conv.0.1.weight`)[2];
  }
  inferred.predictor_hidden = shape('fs2.dur_predictor.conv.0.1.weight')[0];
  inferred.use_pitch_embed = shapes.has('fs2.pitch_embed.weight');
  inferred.use_energy_embed = shapes.has('fs2.energy_embed.weight');
  // Speakers: use_spk_embed's projection is a Linear (weight [H, 256] and a bias), use_spk_id's an
  // Embedding of num_spk + 1 rows (no bias), plus two more tables with use_split_spk_id.
  const spkProj = shapes.get('fs2.spk_embed_proj.weight');
  inferred.use_spk_embed = spkProj !== undefined && shapes.has('fs2.spk_embed_proj.bias');
  inferred.use_spk_id = spkProj !== undefined && !inferred.use_spk_embed;
  if (inferred.use_spk_embed && (spkProj![0] !== H || spkProj![1] !== SPK_EMBED_DIM)) {
    throw new ProDiffCheckpointError(source, `speaker projection fs2.spk_embed_proj.weight is [${spkProj}], expected [${H}, ${SPK_EMBED_DIM}] (use_spk_embed)`);
  }
  if (inferred.use_spk_id) {
    if (spkProj!.length !== 2 || spkProj![1] !== H || spkProj![0]! < 2) throw new ProDiffCheckpointError(source, `speaker table fs2.spk_embed_proj.weight is [${spkProj}], expected [num_spk + 1, ${H}]`);
    inferred.num_spk = spkProj![0]! - 1;
    inferred.use_split_spk_id = shapes.has('fs2.spk_embed_f0.weight');
    if (inferred.use_split_spk_id) {
      for (const k of ['fs2.spk_embed_f0.weight', 'fs2.spk_embed_dur.weight']) {
        const sh = shape(k);
        if (sh[0] !== spkProj![0] || sh[1] !== H) throw new ProDiffCheckpointError(source, `${k} is [${sh}], expected [${spkProj![0]}, ${H}] like fs2.spk_embed_proj.weight`);
      }
    }
  }
  const inp = shape('denoise_fn.input_projection.weight');
  inferred.residual_channels = inp[0];
  inferred.audio_num_mel_bins = inp[1];
  inferred.residual_layers = countIndexed(keys, /^denoise_fn\.residual_layers\.(\d+)\./);
  const condIn = shape('denoise_fn.residual_layers.0.conditioner_projection.weight')[1];
  if (condIn !== H) throw new ProDiffCheckpointError(source, `the denoiser's condition has ${condIn} channels but the encoder's hidden size is ${H}`);
  for (const [k, v] of Object.entries(inferred)) {
    // predictor_hidden -1 (or absent) means "hidden_size" in the official hparams.
    const g = k === 'predictor_hidden' && hp[k] === -1 ? H : hp[k];
    if (g !== undefined && g !== v) throw new ProDiffCheckpointError(source, `hparams say ${k} = ${JSON.stringify(g)} but the weights have ${JSON.stringify(v)}`);
    hp[k] = v;
  }
  const names = hp.speakers;
  if (names !== undefined && Array.isArray(names)) {
    if (!inferred.use_spk_id) throw new ProDiffCheckpointError(source, `speaker names given (${names.join(', ')}) but the weights have no speaker-id table (use_spk_id)`);
    if (names.length > (inferred.num_spk as number)) throw new ProDiffCheckpointError(source, `${names.length} speaker names for a speaker table of ${String(inferred.num_spk)} speakers`);
  }
  if (hp.num_heads === undefined) {
    hp.num_heads = HPARAMS_SCHEMA.num_heads.default;
    notes.push(`num_heads is not in the weights; assumed ${hp.num_heads} (the official value)`);
  }
  if (typeof hp.num_heads !== 'number' || H % hp.num_heads !== 0) throw new ProDiffCheckpointError(source, `num_heads ${String(hp.num_heads)} does not divide hidden size ${H}`);
  if (hp.dilation_cycle_length === undefined) {
    hp.dilation_cycle_length = HPARAMS_SCHEMA.dilation_cycle_length.default;
    notes.push(`dilation_cycle_length is not in the weights; assumed ${hp.dilation_cycle_length} (the official value)`);
  }
  if (hp.use_pitch_embed && (typeof hp.f0_mean !== 'number' || typeof hp.f0_std !== 'number')) {
    throw new ProDiffCheckpointError(source, 'f0_mean and f0_std (the training set\'s f0 statistics, train_f0s_mean_std.npy) are not in the checkpoint: give them with --f0-mean/--f0-std or --config config.yaml');
  }
  // The diffusion: teacher steps from the schedule's length, this model's steps from its buffers.
  const betas = shapes.get('betas');
  if (!betas || betas.length !== 1) throw new ProDiffCheckpointError(source, "missing the schedule buffer 'betas'");
  hp.teacher_steps = betas[0]! - 1;
  return { hparams: hp, notes };
}

const DTYPES: Record<TorchDType, StDType> = {
  float64: 'F32', float32: 'F32', float16: 'F32', bfloat16: 'F32', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

export interface ConvertOptions {
  /** Hyper-parameters from outside the checkpoint (config.yaml, command line); override the checkpoint's own. */
  hparams?: Record<string, unknown>;
  /** Also write a student checkpoint's teacher denoiser as `teacher.denoise_fn.*` (default true). */
  teacher?: boolean;
}

export interface ConvertedWeights {
  tensors: Map<string, { dtype: StDType; shape: number[]; data: StData }>;
  metadata: Record<string, string>;
  hparams: Record<string, unknown>;
  /** Keys left out (dummy or empty tensors). */
  dropped: string[];
  notes: string[];
}

function scalarOf(t: TorchTensor | undefined): number | undefined {
  if (!t || t.numel !== 1) return undefined;
  const d = t.data();
  return Number(d[0]);
}

/** Converts a loaded official checkpoint (see `loadTorchFile`) into safetensors tensors + metadata. */
export function convertProDiffCheckpoint(root: unknown, source: string, o: ConvertOptions = {}): ConvertedWeights {
  const found = findProDiffStateDicts(root, source);
  const given = { ...(found.hparams ?? {}), ...(o.hparams ?? {}) };
  const shapes = new Map([...found.model].map(([k, t]) => [k, t.shape]));
  const { hparams, notes } = inferProDiffHparams(shapes, given, source);
  const tensors: ConvertedWeights['tensors'] = new Map();
  const dropped: string[] = [];
  const add = (name: string, t: TorchTensor) => {
    if (isDroppable(name, t)) { dropped.push(name); return; }
    const data = t.data();
    const dtype = DTYPES[t.dtype];
    const out: StData = data instanceof Float64Array ? Float32Array.from(data) : (data as StData);
    tensors.set(name, { dtype, shape: [...t.shape], data: out });
  };
  for (const [k, t] of found.model) add(k, t);
  if (found.teacher && (o.teacher ?? true)) {
    for (const [k, t] of found.teacher) if (k.startsWith('denoise_fn.')) add(`teacher.${k}`, t);
  }
  for (const [k, t] of found.model) if (t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16') notes.push(`'${k}' was ${t.dtype}, written as F32`);
  // This model's steps: the timesteps/timescale buffers (teachers; students once the task adds them).
  const N = hparams.teacher_steps as number;
  const steps = scalarOf(found.model.get('timesteps'));
  const scale = scalarOf(found.model.get('timescale'));
  const timesteps = steps ?? N;
  const timescale = scale ?? 1;
  if (steps === undefined || scale === undefined) notes.push(`no timesteps/timescale buffers: taken as a teacher of ${N} steps`);
  if (!Number.isInteger(timesteps) || !Number.isInteger(timescale) || timesteps * timescale !== N) {
    throw new ProDiffCheckpointError(source, `timesteps ${timesteps} x timescale ${timescale} does not cover the schedule's ${N} teacher steps`);
  }
  hparams.timesteps = timesteps;
  hparams.timescale = timescale;
  // The model recomputes the vpsde schedule: the stored one must be it.
  const ref = vpsdeSchedule(N).f32.betas;
  const betas = found.model.get('betas')!.data();
  for (let i = 0; i < ref.length; i++) {
    if (Math.abs(Number(betas[i]) - ref[i]!) > 1e-6 + 1e-5 * ref[i]!) {
      throw new ProDiffCheckpointError(source, `the stored betas are not the vpsde schedule of ${N} steps (betas[${i}] = ${Number(betas[i])}, vpsde ${ref[i]}): other schedules are not supported`);
    }
  }
  prodiffConfigFromHparams(hparams, source); // fails now, with its message, if the model cannot be built
  const metadata: Record<string, string> = {
    format: WEIGHTS_FORMAT,
    hparams: JSON.stringify(hparams),
    teacher_steps: String(N),
    timesteps: String(timesteps),
    timescale: String(timescale),
    source_layout: found.layout,
  };
  return { tensors, metadata, hparams, dropped, notes };
}

/** Reads an official checkpoint file and writes the safetensors weights (atomically). */
export function convertProDiffCheckpointFile(ckptPath: string, outPath: string, o: ConvertOptions = {}): ConvertedWeights {
  const converted = convertProDiffCheckpoint(loadTorchFile(ckptPath), ckptPath, o);
  writeSafetensors(outPath, converted.tensors, converted.metadata);
  return converted;
}

export interface LoadedWeights {
  cfg: ProDiffConfig;
  params: ParamStore;
  /** The file's hparams as stored. */
  hparams: Record<string, unknown>;
  /** The same, parsed. */
  hp: Hparams;
  options: AcousticModelOptions;
}

/** Loads converted weights (`prodiff convert` output) ready for `AcousticModel.create`. */
export function loadProDiffWeights(path: string): LoadedWeights {
  const file = readSafetensors(path);
  const hpText = file.metadata.hparams;
  if (!hpText) throw new SafetensorsError(path, "no 'hparams' metadata: not ProDiff weights written by 'prodiff convert'");
  let hparams: Record<string, unknown>;
  try {
    hparams = JSON.parse(hpText) as Record<string, unknown>;
  } catch (e) {
    throw new SafetensorsError(path, `metadata 'hparams' is not JSON (${(e as Error).message})`);
  }
  const hp = parseHparams(hparams, path);
  const cfg = prodiffConfigFromHparams(hp);
  const params = new ParamStore();
  for (const [name, t] of file.tensors) if (t.data instanceof Float32Array) params.set(name, t.shape, t.data);
  foldTiedParameters(params, path);
  if (hparams.timesteps === undefined) throw new HparamsError(path, 'timesteps', 'is required in a model file but missing');
  const options = { teacherSteps: requireHparam(hp, 'teacher_steps'), numSteps: hp.timesteps, timescale: requireHparam(hp, 'timescale') };
  return { cfg, params, hparams, hp, options };
}

/** Writes the trainable parameters (official names, tied alias, schedule buffers) and the hparams. */
export function saveModel(path: string, params: ParamStore, hp: Record<string, unknown>, schedule: DiffusionSchedule, timescale: number, meta: Record<string, string> = {}): void {
  const full = withTiedAliases(params.clone());
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of full.values) if (!k.startsWith('teacher.')) tensors.set(k, { shape: v.shape, data: v.data });
  const steps = schedule.steps / timescale;
  for (const [k, v] of scheduleStateDict(schedule, { timesteps: steps, timescale })) tensors.set(k, v);
  const modelHp = { ...hp, teacher_steps: schedule.steps, timesteps: steps, timescale };
  writeSafetensors(path, tensors, { format: 'prodiff', hparams: JSON.stringify(modelHp), teacher_steps: String(schedule.steps), timesteps: String(steps), timescale: String(timescale), ...meta });
}
