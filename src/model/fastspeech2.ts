// FastSpeech 2 as ProDiff uses it (skip_decoder): the phoneme encoder and the variance adaptor
// (duration, pitch and energy predictors, length-regulated conditioning for the denoiser).
// Parameter names are the official state_dict keys under `fs2.`.
import { op, type ParamStore, type Tensor } from '../engine/index.js';
import { HparamsError, requireHparam, type Hparams } from './hparams.js';
import { conv1d, embedding, fairseqPositions, layerNorm, linear, selfAttention, type Scope } from '../nn/index.js';

export interface FastSpeech2Config {
  vocabSize: number;
  hidden: number;
  encLayers: number;
  heads: number;
  encFfnKernel: number;
  durPredictorLayers: number;
  durPredictorKernel: number;
  predictorLayers: number;
  predictorKernel: number;
  /** Channels of the predictors' convolutions. */
  predictorHidden: number;
  dropout: number;
  predictorDropout: number;
  /** Gradient scale into the predictors (official 0.1). */
  predictorGrad: number;
  f0Mean: number;
  f0Std: number;
  usePitch: boolean;
  useEnergy: boolean;
  /** Speakers (use_spk_id); 0 for a single-speaker model. */
  numSpk: number;
  /** use_split_spk_id: separate speaker tables for the duration and pitch/energy predictors. */
  splitSpk?: boolean;
  /** use_spk_embed: width of the external speaker embedding (256 officially); 0 or absent: none. */
  spkEmbedDim?: number;
}

/** Width of the external speaker embedding the official use_spk_embed projects (a voice encoder's d-vector). */
export const SPK_EMBED_DIM = 256;

/** The official state_dict stores the token embedding under two names; the graph declares the first. */
export const TIED_PARAMETERS: Record<string, string> = { 'fs2.encoder.embed_tokens.weight': 'fs2.encoder_embed_tokens.weight' };

/** The encoder and variance adaptor of parsed hparams (see `parseHparams`). */
export function fs2ConfigFromHparams(hp: Hparams): FastSpeech2Config {
  const hidden = requireHparam(hp, 'hidden_size');
  // The official FastSpeech2 builds an Embedding for use_spk_id but calls it as the use_spk_embed
  // Linear when both are set, so that pair never ran there.
  if (hp.use_spk_id && hp.use_spk_embed) throw new HparamsError(hp.source, 'use_spk_embed', 'and use_spk_id cannot both be true (one speaker input: an id or an external embedding)');
  if (hp.use_split_spk_id && !hp.use_spk_id) throw new HparamsError(hp.source, 'use_split_spk_id', 'needs use_spk_id');
  const vocabSize = hp.vocab_size ?? (hp.vocab ? hp.vocab.filter((p) => p !== '<EOS>').length + 3 : undefined);
  if (vocabSize === undefined) throw new HparamsError(hp.source, 'vocab_size', 'is required (or a vocab) but missing');
  return {
    vocabSize,
    hidden,
    encLayers: requireHparam(hp, 'enc_layers'),
    heads: hp.num_heads,
    encFfnKernel: requireHparam(hp, 'enc_ffn_kernel_size'),
    durPredictorLayers: hp.dur_predictor_layers,
    durPredictorKernel: hp.dur_predictor_kernel,
    predictorLayers: hp.predictor_layers,
    predictorKernel: hp.predictor_kernel,
    predictorHidden: hp.predictor_hidden > 0 ? hp.predictor_hidden : hidden,
    dropout: hp.dropout,
    predictorDropout: hp.predictor_dropout,
    predictorGrad: hp.predictor_grad,
    f0Mean: requireHparam(hp, 'f0_mean', "the training set's f0 statistics"),
    f0Std: requireHparam(hp, 'f0_std', "the training set's f0 statistics"),
    usePitch: hp.use_pitch_embed,
    useEnergy: hp.use_energy_embed,
    numSpk: hp.use_spk_id ? hp.num_spk : 0,
    splitSpk: hp.use_spk_id && hp.use_split_spk_id,
    spkEmbedDim: hp.use_spk_embed ? SPK_EMBED_DIM : 0,
  };
}

export interface ForwardOptions {
  /** Dropout on (training); off by default (eval mode). */
  training?: boolean;
}

const f32 = (t: Tensor) => op.cast(t, 'float32');

/** FastspeechEncoder: tokens int64 [B, L] (0 = pad) -> [B, L, H], zero at padding. */
export function fastspeechEncoder(fs2: Scope, cfg: FastSpeech2Config, tokens: Tensor, o: ForwardOptions = {}): Tensor {
  const H = cfg.hidden;
  const training = o.training ?? false;
  const s = fs2.child('encoder');
  const padMask = op.equal(tokens, 0);
  const nonPad = f32(op.not(padMask));
  const mask3 = op.unsqueeze(nonPad, [2]);
  const emb = embedding(fs2.child('encoder_embed_tokens'), tokens, cfg.vocabSize, H);
  let x = op.add(op.mul(emb, Math.sqrt(H)), fairseqPositions(nonPad, H));
  x = op.dropout(x, cfg.dropout, { training });
  x = op.mul(x, mask3);
  for (let i = 0; i < cfg.encLayers; i++) {
    const l = s.child('layers').child(i).child('op');
    let h = layerNorm(l.child('layer_norm1'), x, H);
    h = selfAttention(l.child('self_attn'), h, H, cfg.heads, padMask);
    x = op.mul(op.add(x, op.dropout(h, cfg.dropout, { training })), mask3);
    h = layerNorm(l.child('layer_norm2'), x, H);
    const k = cfg.encFfnKernel;
    h = op.transpose(conv1d(l.child('ffn').child('ffn_1'), op.transpose(h, [0, 2, 1]), H, 4 * H, k, { padding: Math.floor(k / 2) }), [0, 2, 1]);
    h = op.gelu(op.mul(h, k ** -0.5));
    h = op.dropout(h, cfg.dropout, { training });
    h = linear(l.child('ffn').child('ffn_2'), h, 4 * H, H, { weightInit: { kind: 'uniform', bound: Math.sqrt(6 / (5 * H)) }, biasInit: { kind: 'zeros' } });
    x = op.mul(op.add(x, op.dropout(h, cfg.dropout, { training })), mask3);
  }
  return op.mul(layerNorm(s.child('layer_norm'), x, H), mask3);
}

/** Conv -> ReLU -> LayerNorm(channels, eps 1e-12) -> dropout blocks, then Linear; x [B, T, C]. */
function convStack(s: Scope, x: Tensor, inC: number, chans: number, layers: number, kernel: number, odim: number, dropout: number, training: boolean, mask?: Tensor): Tensor {
  let h = x;
  for (let i = 0; i < layers; i++) {
    const blk = s.child('conv').child(i);
    const c = conv1d(blk.child(1), op.transpose(h, [0, 2, 1]), i === 0 ? inC : chans, chans, kernel, { padding: [(kernel - 1) >> 1, (kernel - 1) >> 1] });
    h = layerNorm(blk.child(3), op.transpose(op.relu(c), [0, 2, 1]), chans, 1e-12);
    h = op.dropout(h, dropout, { training });
    if (mask) h = op.mul(h, mask);
  }
  let y = linear(s.child('linear'), h, chans, odim);
  if (mask) y = op.mul(y, mask);
  return y;
}

/** DurationPredictor: log-domain durations [B, L] (zero at padding). `x` is the (masked) encoder output. */
export function durationPredictor(fs2: Scope, cfg: FastSpeech2Config, x: Tensor, nonPad: Tensor, o: ForwardOptions = {}): Tensor {
  const inp = op.scaleGradient(x, cfg.predictorGrad);
  const y = convStack(fs2.child('dur_predictor'), inp, cfg.hidden, cfg.predictorHidden, cfg.durPredictorLayers, cfg.durPredictorKernel, 1, cfg.predictorDropout, o.training ?? false, op.unsqueeze(nonPad, [2]));
  return op.squeeze(y, [2]);
}

/** Inference durations: clamp(round_half_even(exp(x) - 1), 0) as int64. */
export function durationsFromLog(logDur: Tensor): Tensor {
  return op.cast(op.clip(op.round(op.sub(op.exp(logDur), 1)), 0), 'int64');
}

/**
 * PitchPredictor / EnergyPredictor: adds pos_embed_alpha * positions (taken from channel 0 being
 * non-zero, as the reference does), then the conv stack without masking. x [B, T, H] -> [B, T, odim].
 */
export function variancePredictor(s: Scope, cfg: FastSpeech2Config, x: Tensor, odim: number, o: ForwardOptions = {}): Tensor {
  const alpha = s.param('pos_embed_alpha', [1], { kind: 'ones' });
  const nonPad = f32(op.not(op.equal(op.squeeze(op.sliceAxis(x, 2, 0, 1), [2]), 0)));
  const h = op.add(x, op.mul(alpha, op.stopGradient(fairseqPositions(nonPad, cfg.hidden))));
  return convStack(s, h, cfg.hidden, cfg.predictorHidden, cfg.predictorLayers, cfg.predictorKernel, odim, cfg.predictorDropout, o.training ?? false);
}

const F0_MEL_MIN = 1127 * Math.log(1 + 50 / 700);
const F0_MEL_MAX = 1127 * Math.log(1 + 1100 / 700);

/** f0 in Hz -> coarse pitch bin in [1, 255] (int64), as utils.pitch_utils.f0_to_coarse. */
export function f0ToCoarse(f0Hz: Tensor): Tensor {
  const m = op.mul(op.log(op.add(op.div(f0Hz, 700), 1)), 1127);
  const scaled = op.add(op.div(op.mul(op.sub(m, F0_MEL_MIN), 254), F0_MEL_MAX - F0_MEL_MIN), 1);
  const mm = op.clip(op.where(op.greater(m, 0), scaled, m), 1, 255);
  return op.cast(op.floor(op.add(mm, 0.5)), 'int64');
}

/** Energy -> embedding index: min(floor(e * 64), 255); clamped at 0 below (the reference crashes there). */
export function energyToIndex(e: Tensor): Tensor {
  return op.cast(op.clip(op.floor(op.mul(e, 64)), 0, 255), 'int64');
}

/** mel2ph-based gather of the left-padded encoder output: [B, L, H] x [B, T] -> [B, T, H]. */
export function lengthRegulate(encoderOut: Tensor, mel2ph: Tensor, hidden: number): Tensor {
  const padded = op.padAxis(encoderOut, 1, 1, 0);
  const idx = op.expand(op.unsqueeze(mel2ph, [2]), [mel2ph.shape[0]!, mel2ph.shape[1]!, hidden]);
  return op.gatherElements(padded, idx, 1);
}

export interface VarianceInputs {
  tokens: Tensor;
  encoderOut: Tensor;
  mel2ph: Tensor;
  /** Teacher forcing (normalised f0, uv 0/1, energy); predicted when absent. */
  f0?: Tensor;
  uv?: Tensor;
  energy?: Tensor;
  /** Speaker ids [B] (use_spk_id models). */
  spk?: Tensor;
  /** External speaker embeddings [B, spkEmbedDim] (use_spk_embed models). */
  spkEmbed?: Tensor;
  /** Inference controls: pitch shift in semitones, energy scale (graph scalars or numbers). */
  pitchShift?: Tensor | number;
  energyScale?: Tensor | number;
}

export interface VarianceOutputs {
  /** Length-regulated encoder output x frame mask (input of the pitch and energy predictors). */
  pitchPredictorInput: Tensor;
  /** [B, T, 2]: normalised f0 and uv logit (unmasked). */
  pitchPred?: Tensor;
  /** pitchPred with channel 0 zeroed at padded frames when f0 was predicted (the reference's in-place write). */
  pitchPredOut?: Tensor;
  f0Denorm?: Tensor;
  pitchCoarse?: Tensor;
  energyPred?: Tensor;
  energyIdx?: Tensor;
  /** (regulated + pitch emb + energy emb + speaker) x mask, [B, T, H]. */
  decoderInp: Tensor;
  /** decoderInp transposed: [B, H, T], the denoiser's condition. */
  cond: Tensor;
  frameMask: Tensor;
}

/** Which input a speaker vector is added to: the duration predictor's, the pitch/energy predictors', the denoiser condition. */
export type SpeakerRole = 'dur' | 'f0' | 'cond';

export interface SpeakerInput {
  /** int64 [B] (use_spk_id). */
  id?: Tensor;
  /** float32 [B, spkEmbedDim] (use_spk_embed). */
  embed?: Tensor;
}

/** The model has a speaker input (an id table or an external embedding). */

/**
 * The speaker vector [B, 1, H] added to one of the three inputs, as the official FastSpeech2 does:
 * use_spk_embed projects the external embedding (Linear spkEmbedDim -> H, with bias) for all
 * three; use_spk_id looks the id up in `spk_embed_proj` (num_spk + 1 rows), or, with
 * use_split_spk_id, in `spk_embed_dur` / `spk_embed_f0` for the predictors. Undefined for a
 * single-speaker model.
 */
export function speakerEmbedding(fs2: Scope, cfg: FastSpeech2Config, spk: SpeakerInput | undefined, role: SpeakerRole = 'cond'): Tensor | undefined {
  const H = cfg.hidden;
  const embedDim = cfg.spkEmbedDim ?? 0;
  if (embedDim > 0) {
    if (!spk?.embed) throw new Error(`this model takes an external speaker embedding (use_spk_embed): input spk_embed [B, ${embedDim}] is required`);
    return op.unsqueeze(linear(fs2.child('spk_embed_proj'), spk.embed, embedDim, H, { weightInit: { kind: 'uniform', bound: Math.sqrt(6 / (embedDim + H)) }, biasInit: { kind: 'zeros' } }), [1]);
  }
  if (cfg.numSpk <= 0) return undefined;
  if (!spk?.id) throw new Error('this model is multi-speaker: a speaker id input is required');
  const table = cfg.splitSpk && role === 'dur' ? 'spk_embed_dur' : cfg.splitSpk && role === 'f0' ? 'spk_embed_f0' : 'spk_embed_proj';
  return op.unsqueeze(embedding(fs2.child(table), spk.id, cfg.numSpk + 1, H), [1]);
}

/** The frame-level part of the variance adaptor (after mel2ph is known). */
export function varianceAdaptor(fs2: Scope, cfg: FastSpeech2Config, v: VarianceInputs, o: ForwardOptions = {}): VarianceOutputs {
  const H = cfg.hidden;
  const framePad = op.equal(v.mel2ph, 0);
  const frameMask = f32(op.not(framePad));
  const mask3 = op.unsqueeze(frameMask, [2]);
  const who = { id: v.spk, embed: v.spkEmbed };
  const spk = speakerEmbedding(fs2, cfg, who, 'cond');
  const spkF0 = cfg.splitSpk ? speakerEmbedding(fs2, cfg, who, 'f0') : spk;
  const regulated = lengthRegulate(v.encoderOut, v.mel2ph, H);
  const pitchInp = op.mul(spkF0 ? op.add(regulated, spkF0) : regulated, mask3);
  let dec = regulated;
  const out: Partial<VarianceOutputs> = { pitchPredictorInput: pitchInp, frameMask };
  if (cfg.usePitch) {
    const pitchPred = variancePredictor(fs2.child('pitch_predictor'), cfg, op.scaleGradient(pitchInp, cfg.predictorGrad), 2, o);
    const [p0, p1] = op.split(pitchPred, [1, 1], 2);
    const f0 = v.f0 ?? op.squeeze(p0!, [2]);
    const uvOn = v.uv ? op.greater(v.uv, 0) : op.greater(op.squeeze(p1!, [2]), 0);
    let hz = op.add(op.mul(f0, cfg.f0Std), cfg.f0Mean);
    hz = op.where(op.or(uvOn, framePad), 0, hz);
    out.pitchPred = pitchPred;
    out.pitchPredOut = v.f0 ? pitchPred : op.concat([op.where(op.unsqueeze(framePad, [2]), 0, p0!), p1!], 2);
    let hzShifted = hz;
    if (v.pitchShift !== undefined) hzShifted = op.mul(hz, typeof v.pitchShift === 'number' ? 2 ** (v.pitchShift / 12) : op.pow(2, op.div(v.pitchShift, 12)));
    out.f0Denorm = hzShifted;
    out.pitchCoarse = f0ToCoarse(hzShifted);
    dec = op.add(dec, embedding(fs2.child('pitch_embed'), out.pitchCoarse, 300, H));
  }
  if (cfg.useEnergy) {
    const energyPred = op.squeeze(variancePredictor(fs2.child('energy_predictor'), cfg, op.scaleGradient(pitchInp, cfg.predictorGrad), 1, o), [2]);
    let e = v.energy ?? energyPred;
    if (v.energyScale !== undefined) e = op.mul(e, v.energyScale);
    out.energyPred = energyPred;
    out.energyIdx = energyToIndex(e);
    dec = op.add(dec, embedding(fs2.child('energy_embed'), out.energyIdx, 256, H));
  }
  if (spk) dec = op.add(dec, spk);
  out.decoderInp = op.mul(dec, mask3);
  out.cond = op.transpose(out.decoderInp, [0, 2, 1]);
  return out as VarianceOutputs;
}

/** Durations -> mel2ph on the host (LengthRegulator): 1-based token index per frame, 0 = padding. */
export function lengthRegulator(dur: ArrayLike<number | bigint>, batch: number, tokens: number, o: { padMask?: ArrayLike<number | boolean>; scale?: number } = {}): { mel2ph: BigInt64Array; frames: number; perItem: number[] } {
  const scale = o.scale ?? 1;
  if (!(scale > 0)) throw new Error(`lengthRegulator: duration scale ${scale} must be positive`);
  const d = new Array<number>(batch * tokens);
  for (let i = 0; i < d.length; i++) {
    let v = Number(dur[i]);
    if (scale !== 1) v = roundHalfEven(v * scale);
    if (o.padMask && o.padMask[i]) v = 0;
    d[i] = Math.max(0, v);
  }
  const perItem = Array.from({ length: batch }, (_, b) => d.slice(b * tokens, (b + 1) * tokens).reduce((a, c) => a + c, 0));
  const frames = Math.max(0, ...perItem);
  const mel2ph = new BigInt64Array(batch * frames);
  for (let b = 0; b < batch; b++) {
    let t = 0;
    for (let j = 0; j < tokens; j++) for (let r = 0; r < d[b * tokens + j]!; r++) mel2ph[b * frames + t++] = BigInt(j + 1);
  }
  return { mel2ph, frames, perItem };
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Folds tied aliases onto their canonical names (official checkpoints store the token embedding
 * twice): the alias is dropped after checking that it holds the same values.
 */
export function foldTiedParameters(store: ParamStore, source = 'checkpoint'): ParamStore {
  for (const [alias, canonical] of Object.entries(TIED_PARAMETERS)) {
    if (!store.has(alias)) continue;
    const a = store.get(alias);
    if (!store.has(canonical)) store.set(canonical, a.shape, a.data);
    else {
      const c = store.get(canonical);
      if (c.data.length !== a.data.length || c.data.some((v, i) => v !== a.data[i])) throw new Error(`${source}: tied parameters '${alias}' and '${canonical}' differ`);
    }
    store.values.delete(alias);
  }
  return store;
}

/** Adds the tied aliases (same values) so that a saved state_dict has every official key. */
export function withTiedAliases(store: ParamStore): ParamStore {
  for (const [alias, canonical] of Object.entries(TIED_PARAMETERS)) {
    if (store.has(canonical)) store.set(alias, store.get(canonical).shape, store.get(canonical).data);
  }
  return store;
}
