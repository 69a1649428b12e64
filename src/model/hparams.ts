// The hparams schema: every key this project reads from a ProDiff config (configs/*.json, a run's
// config.json, a checkpoint's or a model file's `hparams`), with its type, default and range, and
// the one function that parses and validates them. Keys are the official ProDiff names; defaults
// are the official implementation's (modules/ProDiff/config/*.yaml chain) unless noted. Keys the
// schema does not know are kept as they are (official configs carry many) and written back.

type FieldType = 'int' | 'number' | 'boolean' | 'string' | 'string[]' | 'number[]';

interface FieldSpec {
  type: FieldType;
  /** Absent: the key is optional here; code that needs it calls `requireHparam`. */
  default?: number | boolean | string;
  min?: number;
  /** Inclusive unless `maxExclusive`. */
  max?: number;
  maxExclusive?: boolean;
  /** Allowed string values (the ones this implementation supports). */
  oneOf?: readonly string[];
  /** Allowed boolean value (options of the official code this implementation does not have). */
  only?: boolean;
  doc: string;
}

export const HPARAMS_SCHEMA = {
  // Model sizes the weights' shapes tell (so no default: a config must say them).
  hidden_size: { type: 'int', min: 1, doc: 'encoder hidden size, also the denoiser condition channels' },
  enc_layers: { type: 'int', min: 1, doc: 'FFT encoder layers' },
  enc_ffn_kernel_size: { type: 'int', min: 1, doc: 'kernel of the encoder FFN convolution' },
  residual_channels: { type: 'int', min: 1, doc: 'denoiser WaveNet channels' },
  residual_layers: { type: 'int', min: 1, doc: 'denoiser WaveNet layers' },
  // Model options the shapes do not tell.
  num_heads: { type: 'int', min: 1, default: 2, doc: 'encoder attention heads' },
  dilation_cycle_length: { type: 'int', min: 1, default: 1, doc: 'denoiser dilation 2^(i mod cycle)' },
  dur_predictor_layers: { type: 'int', min: 1, default: 2, doc: 'duration predictor conv layers' },
  dur_predictor_kernel: { type: 'int', min: 1, default: 3, doc: 'duration predictor kernel' },
  predictor_layers: { type: 'int', min: 1, default: 2, doc: 'pitch/energy predictor conv layers' },
  predictor_kernel: { type: 'int', min: 1, default: 5, doc: 'pitch/energy predictor kernel' },
  predictor_hidden: { type: 'int', min: -1, default: -1, doc: 'predictor channels; -1 (or 0): hidden_size' },
  dropout: { type: 'number', min: 0, max: 1, maxExclusive: true, default: 0.1, doc: 'encoder dropout' },
  predictor_dropout: { type: 'number', min: 0, max: 1, maxExclusive: true, default: 0.5, doc: 'predictor dropout' },
  predictor_grad: { type: 'number', min: 0, default: 0.1, doc: 'gradient scale into the predictors' },
  audio_num_mel_bins: { type: 'int', min: 1, default: 80, doc: 'mel bins' },
  use_pitch_embed: { type: 'boolean', default: true, doc: 'pitch predictor and embedding' },
  use_energy_embed: { type: 'boolean', default: true, doc: 'energy predictor and embedding' },
  use_uv: { type: 'boolean', default: true, only: true, doc: 'voiced/unvoiced prediction' },
  use_spk_id: { type: 'boolean', default: false, doc: 'speaker-id embedding (fs2.spk_embed_proj, num_spk + 1 rows) added to the encoder output' },
  num_spk: { type: 'int', min: 1, default: 1, doc: 'speakers (with use_spk_id)' },
  use_spk_embed: { type: 'boolean', default: false, doc: 'external 256-value speaker embedding, projected by a Linear and added to the encoder output (exclusive with use_spk_id)' },
  use_split_spk_id: { type: 'boolean', default: false, doc: 'with use_spk_id: own speaker tables for the duration (spk_embed_dur) and pitch/energy (spk_embed_f0) predictors' },
  pitch_type: { type: 'string', default: 'frame', oneOf: ['frame'], doc: 'pitch representation' },
  pitch_norm: { type: 'string', default: 'standard', oneOf: ['standard'], doc: 'f0 normalisation' },
  ffn_padding: { type: 'string', default: 'SAME', oneOf: ['SAME'], doc: 'encoder FFN padding' },
  ffn_act: { type: 'string', default: 'gelu', oneOf: ['gelu'], doc: 'encoder FFN activation' },
  // What the training data decides (written by training, or given to `prodiff convert`).
  vocab: { type: 'string[]', doc: 'phone vocabulary (token ids 3..)' },
  vocab_size: { type: 'int', min: 1, doc: 'token embedding rows; default: vocab length + 3' },
  f0_mean: { type: 'number', doc: 'training set f0 mean (Hz)' },
  f0_std: { type: 'number', min: 0, doc: 'training set f0 standard deviation (Hz)' },
  cache: { type: 'string', doc: 'preprocessed cache the model was trained on' },
  // Not official (the official binarizer writes spk_map.json beside the data): speaker names by id.
  speakers: { type: 'string[]', doc: 'speaker names, position = speaker id (multi-speaker models)' },
  // Diffusion.
  timesteps: { type: 'int', min: 1, default: 4, doc: 'sampling steps (teacher: its diffusion steps)' },
  teacher_steps: { type: 'int', min: 1, doc: 'diffusion steps of the schedule (model files)' },
  // Not official: ProDiff predicts x0; 'epsilon' predicts the noise as DiffSpeech / Grad-TTS-style
  // models do (the paper's gradient-based baseline), samplers convert it to x0; 'regression' is the
  // paper's regression baseline with the same network: it sees neither x_t nor the step, so it maps
  // the condition to one mel (a FastSpeech 2-style decoder trained with the same mel losses).
  diffusion_target: { type: 'string', default: 'x0', oneOf: ['x0', 'epsilon', 'regression'], doc: "what the denoiser predicts: 'x0' (ProDiff), 'epsilon' (the noise; loss L1 on the noise) or 'regression' (x0 from the condition alone)" },
  timescale: { type: 'int', min: 1, doc: 'diffusion steps per sampling step (model files)' },
  // DiffSpeech's names: the per-bin range of the training mels (log10 here). An epsilon model's
  // x0 estimate (x_t - sqrt(1 - a) eps) / sqrt(a) divides by a tiny sqrt(a) at the noisy steps, so
  // its samplers clip it to this range as DiffSpeech's clip_denoised does; x0 models ignore it.
  spec_min: { type: 'number[]', doc: 'per-bin minimum of the training mels (epsilon models: x0 clip; set by prodiff train)' },
  spec_max: { type: 'number[]', doc: 'per-bin maximum of the training mels (epsilon models: x0 clip; set by prodiff train)' },
  // Losses.
  mel_loss: { type: 'string', default: 'ssim:0.5|l1:0.5', doc: "mel losses and weights, 'name:w|name:w' (ssim, l1)" },
  lambda_ph_dur: { type: 'number', min: 0, default: 0.1, doc: 'phone duration loss weight' },
  lambda_word_dur: { type: 'number', min: 0, default: 1, doc: 'word duration loss weight' },
  lambda_sent_dur: { type: 'number', min: 0, default: 1, doc: 'sentence duration loss weight' },
  lambda_uv: { type: 'number', min: 0, default: 1, doc: 'uv loss weight' },
  lambda_f0: { type: 'number', min: 0, default: 1, doc: 'f0 loss weight' },
  lambda_energy: { type: 'number', min: 0, default: 0.1, doc: 'energy loss weight' },
  // Optimisation (teacher).
  lr: { type: 'number', min: 0, default: 1, doc: 'rsqrt schedule scale: peak lr = lr * hidden_size^-0.5 * warmup_updates^-0.5' },
  warmup_updates: { type: 'int', min: 0, default: 2000, doc: 'warm-up steps' },
  optimizer_adam_beta1: { type: 'number', min: 0, max: 1, maxExclusive: true, default: 0.9, doc: 'Adam beta1' },
  optimizer_adam_beta2: { type: 'number', min: 0, max: 1, maxExclusive: true, default: 0.98, doc: 'Adam beta2' },
  weight_decay: { type: 'number', min: 0, default: 0, doc: 'AdamW weight decay' },
  clip_grad_norm: { type: 'number', min: 0, default: 1, doc: 'global gradient-norm clip (0: none)' },
  // Batching and the training loop. max_frames here caps the padded frames of a batch (the
  // official code calls that max_tokens, 32000 for ProDiff), so its default is that value.
  max_frames: { type: 'int', min: 1, default: 32000, doc: 'padded frames per batch' },
  max_sentences: { type: 'int', min: 1, default: 48, doc: 'utterances per batch' },
  max_updates: { type: 'int', min: 1, default: 200000, doc: 'training steps' },
  val_check_interval: { type: 'int', min: 1, default: 2000, doc: 'steps between validations' },
  // Not official (the official trainer saves at each validation): this project's default.
  checkpoint_interval: { type: 'int', min: 1, default: 250, doc: 'steps between checkpoints' },
  seed: { type: 'int', default: 1234, doc: 'initialisation, data order and noise seed' },
  // Not official: ONNX Runtime threads.
  threads: { type: 'int', min: 1, default: 2, doc: 'ONNX Runtime threads' },
} as const satisfies Record<string, FieldSpec>;

type Schema = typeof HPARAMS_SCHEMA;
export type HparamKey = keyof Schema;
type ValueOf<T extends FieldType> = T extends 'int' | 'number' ? number : T extends 'boolean' ? boolean : T extends 'string' ? string : T extends 'number[]' ? readonly number[] : readonly string[];

/** Parsed hparams: every schema key typed (defaults applied), plus the keys the schema does not know. */
export type Hparams = {
  readonly [K in HparamKey]: Schema[K] extends { default: unknown } ? ValueOf<Schema[K]['type']> : ValueOf<Schema[K]['type']> | undefined;
} & {
  /** Where the values came from (a file, a checkpoint), for error messages. */
  readonly source: string;
  /** Keys outside the schema, kept verbatim. */
  readonly other: Readonly<Record<string, unknown>>;
};

export class HparamsError extends Error {
  /** `key` '' : a problem with the hparams as a whole. */
  constructor(readonly source: string, readonly key: string, detail: string) {
    super(key ? `${source}: hparams '${key}' ${detail}` : `${source}: hparams ${detail}`);
    this.name = 'HparamsError';
  }
}

const parsed = new WeakSet<object>();

function typeName(spec: FieldSpec): string {
  return { int: 'an integer', number: 'a number', boolean: 'true or false', string: 'a string', 'string[]': 'a list of strings', 'number[]': 'a list of numbers' }[spec.type];
}

function checkValue(key: string, spec: FieldSpec, v: unknown, source: string): unknown {
  const fail = (detail: string): never => { throw new HparamsError(source, key, `${detail}, got ${JSON.stringify(v)}`); };
  switch (spec.type) {
    case 'int':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`must be ${typeName(spec)}`);
      if (spec.type === 'int' && !Number.isInteger(v)) fail('must be an integer');
      break;
    case 'boolean':
      if (typeof v !== 'boolean') fail('must be true or false');
      if (spec.only !== undefined && v !== spec.only) fail(`must be ${spec.only} (the other setting is not supported)`);
      break;
    case 'string':
      if (typeof v !== 'string') fail('must be a string');
      if (spec.oneOf && !spec.oneOf.includes(v as string)) fail(`is not supported (supported: ${spec.oneOf.join(', ')})`);
      break;
    case 'string[]':
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail('must be a list of strings');
      return Object.freeze([...(v as string[])]);
    case 'number[]':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) fail('must be a list of numbers');
      return Object.freeze([...(v as number[])]);
  }
  if (typeof v === 'number') {
    if (spec.min !== undefined && v < spec.min) fail(`must be >= ${spec.min}`);
    if (spec.max !== undefined && (spec.maxExclusive ? v >= spec.max : v > spec.max)) fail(`must be ${spec.maxExclusive ? '<' : '<='} ${spec.max}`);
  }
  return v;
}

/**
 * Validates `raw` against the schema: a schema key with a wrong type or out of range is an error
 * naming the key and `source`; a missing (or null, YAML's "unset") key takes its default; other
 * keys are kept in `other`. Already parsed hparams are returned as they are.
 */
export function parseHparams(raw: unknown, source: string): Hparams {
  if (typeof raw === 'object' && raw !== null && parsed.has(raw)) return raw as Hparams;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new HparamsError(source, '', 'must be a JSON object');
  const rec = raw as Record<string, unknown>;
  const out: Record<string, unknown> = { source };
  const other: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) if (!(k in HPARAMS_SCHEMA) && k !== '__proto__') other[k] = v;
  for (const [k, spec] of Object.entries(HPARAMS_SCHEMA) as [string, FieldSpec][]) {
    const v = Object.hasOwn(rec, k) ? rec[k] : undefined;
    out[k] = v === undefined || v === null ? spec.default : checkValue(k, spec, v, source);
  }
  out.other = Object.freeze(other);
  const hp = Object.freeze(out) as unknown as Hparams;
  parsed.add(hp);
  return hp;
}

/** The hparams with some keys changed (validated again). */
export function withHparams(hp: Hparams, changes: Record<string, unknown>, source = hp.source): Hparams {
  return parseHparams({ ...hparamsToJson(hp), ...changes }, source);
}

/** All values, schema keys with their effective values, as a plain JSON object (for files). */
export function hparamsToJson(hp: Hparams): Record<string, unknown> {
  const out: Record<string, unknown> = { ...hp.other };
  for (const k of Object.keys(HPARAMS_SCHEMA) as HparamKey[]) if (hp[k] !== undefined) out[k] = hp[k];
  return out;
}

type RequiredValue<K extends HparamKey> = Exclude<Hparams[K], undefined>;

/** A schema key with no default that this use needs. */
export function requireHparam<K extends HparamKey>(hp: Hparams, key: K, why = ''): RequiredValue<K> {
  const v = hp[key];
  if (v === undefined) throw new HparamsError(hp.source, key, `is required${why ? ` (${why})` : ''} but missing`);
  return v as RequiredValue<K>;
}
