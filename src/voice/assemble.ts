// A voice from its parts in memory: voice.json parsed, the model file's bytes (and the vocoder's,
// where they were fetched rather than read from a directory). Every mismatch between them
// (vocabulary, sizes, speakers, schedule, mel configuration) is a VoiceError that names the file
// and the problem. No file system: the Node loader (load.ts) and the browser's (src/web) share it.
import { ParamStore } from '../engine/params.js';
import { parseSafetensors, type SafetensorsFile } from '../engine/safetensors.js';
import type { MelConfig } from '../audio/mel.js';
import { foldTiedParameters } from '../model/fastspeech2.js';
import { prodiffConfigFromHparams, type ProDiffConfig } from '../model/prodiff.js';
import type { AcousticModelOptions } from '../model/inference.js';
import { BOS, EOS, PAD, PhoneVocab, UNK } from '../text/phones.js';
import { symbolsById, VoiceError, type VoiceConfig } from './config.js';

/** The largest voice.json read (Node) or fetched (a page). */
export const MAX_VOICE_JSON_BYTES = 16 << 20;

export interface LoadedVoice {
  /** Absolute directory of the voice (its base URL when loaded in a browser). */
  dir: string;
  name: string;
  /** Where it was found: bundled, $PRODIFF_VOICES, an explicit path, or a URL. */
  source: 'bundled' | 'user' | 'path' | 'url';
  config: VoiceConfig;
  /** Token vocabulary of the model (ids of phoneme_id_map). */
  vocab: PhoneVocab;
  /** Model configuration and weights, ready for AcousticModel.create. */
  model: { cfg: ProDiffConfig; params: ParamStore; options: AcousticModelOptions; file: string };
  /** The mel configuration the model was trained on (the vocoder's input). */
  mel: MelConfig;
  /** Bytes of the voice's files (voice.json, model, vocoder). */
  sizeBytes: number;
  /** The vocoder file's contents when they were fetched (no directory to read it from). */
  vocoderBytes?: Uint8Array;
}

/** Where a voice's parts came from (for messages) and what they weigh. */
export interface VoiceLocation {
  dir: string;
  name: string;
  source: LoadedVoice['source'];
  jsonFile: string;
  modelFile: string;
  sizeBytes: number;
  vocoderBytes?: Uint8Array;
}

/** The mel analysis of a voice (the vocoder's input). */
function melConfigOf(cfg: VoiceConfig): MelConfig {
  const a = cfg.audio;
  return { sampleRate: a.sample_rate, nFft: a.n_fft, hop: a.hop_length, winLength: a.win_length, padMode: 'constant', nMels: a.num_mels, fmin: a.fmin, fmax: a.fmax, eps: 1e-6 };
}

function scalar(st: SafetensorsFile, name: string): number | undefined {
  const t = st.tensors.get(name);
  if (!t || t.data.length !== 1) return undefined;
  return Number(t.data[0]);
}

/** The vocabulary of phoneme_id_map: ids 0..2 must be <pad>, <EOS>, <UNK> (ProDiff's reserved ids). */
export function vocabOf(cfg: VoiceConfig, source: string): PhoneVocab {
  const symbols = symbolsById(cfg);
  const reserved = [PAD, EOS, UNK];
  reserved.forEach((t, i) => {
    if (symbols[i] !== t) throw new VoiceError(source, `phoneme_id_map: id ${i} must be '${t}' (ProDiff's reserved ids), not '${symbols[i]}'`);
  });
  for (const need of [BOS, EOS]) if (!(need in cfg.phoneme_id_map)) throw new VoiceError(source, `phoneme_id_map has no '${need}'`);
  const vocab = PhoneVocab.fromPhoneSet(symbols.slice(3));
  if (vocab.tokens.some((t, i) => t !== symbols[i])) throw new VoiceError(source, 'phoneme_id_map: ids are not contiguous');
  return vocab;
}


export function assembleVoice(config: VoiceConfig, modelBytes: Uint8Array, where: VoiceLocation): LoadedVoice {
  const { jsonFile, modelFile } = where;
  const vocab = vocabOf(config, jsonFile);
  if (Array.isArray(config.hparams.vocab)) {
    const hv = config.hparams.vocab as unknown[];
    if (hv.length !== vocab.size || hv.some((t, i) => t !== vocab.tokens[i])) throw new VoiceError(jsonFile, 'hparams.vocab and phoneme_id_map disagree');
  }
  for (const [k, v] of Object.entries(config.stress_policy)) {
    if (k === v) continue;
    // Every mapped-to phone must exist: spot-check with AH.
    if (!vocab.has(`AH${v}`)) throw new VoiceError(jsonFile, `stress_policy maps stress ${k} to ${v}, but 'AH${v}' is not in phoneme_id_map`);
  }

  let st: SafetensorsFile;
  try {
    st = parseSafetensors(modelBytes, modelFile);
  } catch (e) {
    throw new VoiceError(modelFile, `corrupt model file: ${(e as Error).message}`);
  }
  let cfg: ProDiffConfig;
  try {
    cfg = prodiffConfigFromHparams({ ...config.hparams, f0_mean: config.f0.mean, f0_std: config.f0.std, vocab_size: config.num_symbols });
  } catch (e) {
    throw new VoiceError(jsonFile, `hparams: ${(e as Error).message}`);
  }
  if (cfg.mels !== config.audio.num_mels) throw new VoiceError(jsonFile, `the model makes ${cfg.mels} mel bins but audio.num_mels is ${config.audio.num_mels}`);
  const emb = st.tensors.get('fs2.encoder_embed_tokens.weight') ?? st.tensors.get('fs2.encoder.embed_tokens.weight');
  if (!emb) throw new VoiceError(modelFile, "not ProDiff weights: no 'fs2.encoder_embed_tokens.weight'");
  if (emb.shape[0] !== config.num_symbols) throw new VoiceError(modelFile, `the token embedding has ${emb.shape[0]} rows but voice.json has num_symbols ${config.num_symbols}`);
  const spk = st.tensors.get('fs2.spk_embed_proj.weight');
  if ((cfg.fs2.spkEmbedDim ?? 0) > 0) throw new VoiceError(jsonFile, 'hparams: use_spk_embed models take an external speaker embedding per call; voice packages carry speaker ids only (use_spk_id)');
  const modelSpeakers = cfg.fs2.numSpk > 0 ? cfg.fs2.numSpk : 1;
  if (config.num_speakers !== modelSpeakers) throw new VoiceError(jsonFile, `num_speakers ${config.num_speakers} but the model has ${modelSpeakers}`);
  if (cfg.fs2.numSpk > 0 && spk && spk.shape[0]! < cfg.fs2.numSpk) throw new VoiceError(modelFile, `the speaker embedding has ${spk.shape[0]} rows for ${cfg.fs2.numSpk} speakers`);
  const betas = st.tensors.get('betas');
  if (betas && betas.shape[0] !== config.schedule.teacher_steps + 1) throw new VoiceError(modelFile, `the stored schedule has ${betas.shape[0]! - 1} steps but voice.json says teacher_steps ${config.schedule.teacher_steps}`);
  for (const k of ['timesteps', 'timescale'] as const) {
    const v = scalar(st, k);
    if (v !== undefined && v !== config.schedule[k]) throw new VoiceError(modelFile, `the stored ${k} is ${v} but voice.json says ${config.schedule[k]}`);
  }
  const params = new ParamStore();
  for (const [name, t] of st.tensors) {
    if (!(t.data instanceof Float32Array)) continue;
    if (t.data.some((x) => !Number.isFinite(x))) throw new VoiceError(modelFile, `tensor '${name}' holds NaN or infinite values`);
    params.set(name, t.shape, t.data);
  }
  try {
    foldTiedParameters(params, modelFile);
  } catch (e) {
    throw new VoiceError(modelFile, (e as Error).message);
  }

  return {
    dir: where.dir, name: where.name, source: where.source, config, vocab,
    model: { cfg, params, file: modelFile, options: { teacherSteps: config.schedule.teacher_steps, numSteps: config.schedule.timesteps, timescale: config.schedule.timescale } },
    mel: melConfigOf(config), sizeBytes: where.sizeBytes,
    ...(where.vocoderBytes ? { vocoderBytes: where.vocoderBytes } : {}),
  };
}
