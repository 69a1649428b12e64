// Packaging a trained model (a training run's model.safetensors, or `prodiff convert` output)
// into a voice directory: voice.json, the weights, an optional vocoder file and MODEL_CARD.md.
// The directory is assembled next to its destination and renamed into place, so a failed run
// leaves nothing half-made.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PRODIFF_MEL } from '../audio/mel.js';
import { readSafetensors, type SafetensorsFile } from '../engine/safetensors.js';
import { parseHparams } from '../model/hparams.js';
import { PhoneVocab } from '../text/phones.js';
import { parseVoiceConfig, serializeVoiceConfig, VOICE_FORMAT, VoiceError, type VocoderType, type VoiceConfig } from './config.js';
import { loadVoiceDir } from './load.js';
import { packageRoot } from './store.js';

export interface PackageVoiceOptions {
  /** model.safetensors (official names, `hparams` metadata). */
  model: string;
  /** Destination directory (must not exist unless `force`). */
  out: string;
  /** Voice name (default: the destination's base name). */
  name?: string;
  /** Training run directory (config.json, log.jsonl) for the model card; default: the model's directory if it has them. */
  run?: string;
  /** Official phone_set.json, for weights without a `vocab` in their hparams. */
  phoneSet?: string;
  language?: string;
  quality?: string;
  /** One line about the training data. */
  dataset?: string;
  /** Licence of the training data (stated in the card). */
  license?: string;
  vocoder?: { type: VocoderType; file?: string; iterations?: number; config?: Record<string, unknown> };
  /** Stress digits the model did not learn -> the digit to use instead; default {"2": "1"} (Festival-trained data). */
  stressPolicy?: Record<string, string>;
  inference?: { length_scale?: number; noise_seed?: number; sentence_silence?: number };
  /** Speaker names (id order) when the model is multi-speaker and no run cache tells them. */
  speakers?: string[];
  /** Replace an existing destination. */
  force?: boolean;
  /** Extra text appended to the model card. */
  notes?: string;
}

export interface PackagedVoice {
  dir: string;
  config: VoiceConfig;
  card: string;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function scalar(st: SafetensorsFile, name: string): number | undefined {
  const t = st.tensors.get(name);
  return t && t.data.length === 1 ? Number(t.data[0]) : undefined;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

interface RunInfo {
  config?: Record<string, unknown>;
  cache?: { utterances: number; seconds: number; speakers: string[]; corpus?: string };
  lastTrain?: Record<string, unknown>;
  lastValid?: { step: number; valid: Record<string, number> };
}

function readRun(run: string | undefined, modelStep = Infinity): RunInfo {
  if (!run) return {};
  const info: RunInfo = {};
  info.config = readJson(join(run, 'config.json'));
  const cacheDir = typeof info.config?.cache === 'string' ? info.config.cache : undefined;
  if (cacheDir) {
    const idx = readJson(join(cacheDir, 'index.json')) as { utterances?: { frames: number; split: string }[]; speakers?: string[]; corpus?: string; audio?: { sampleRate: number; hop: number } } | undefined;
    if (idx?.utterances) {
      const hop = idx.audio?.hop ?? PRODIFF_MEL.hop, sr = idx.audio?.sampleRate ?? PRODIFF_MEL.sampleRate;
      const train = idx.utterances.filter((u) => u.split === 'train');
      info.cache = { utterances: train.length, seconds: train.reduce((a, u) => a + (u.frames * hop) / sr, 0), speakers: idx.speakers ?? [], corpus: idx.corpus };
    }
  }
  if (existsSync(join(run, 'log.jsonl'))) {
    for (const line of readFileSync(join(run, 'log.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let r: Record<string, unknown>;
      try { r = JSON.parse(line) as Record<string, unknown>; } catch { continue; }
      if (typeof r.step === 'number' && r.step > modelStep) continue; // the log of a run that went on after this model
      if (r.valid && typeof r.step === 'number') info.lastValid = { step: r.step, valid: r.valid as Record<string, number> };
      else if (typeof r.loss === 'number') info.lastTrain = r;
    }
  }
  return info;
}

const fmt = (x: unknown) => (typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toPrecision(4)) : String(x));

/** Builds voice.json from weights + options (no files written). */
export function voiceConfigFor(st: SafetensorsFile, source: string, o: PackageVoiceOptions, run: RunInfo): VoiceConfig {
  const hpText = st.metadata.hparams;
  if (!hpText) throw new VoiceError(source, "no 'hparams' metadata: not ProDiff weights (train or convert them first)");
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(hpText) as Record<string, unknown>;
  } catch (e) {
    throw new VoiceError(source, `metadata 'hparams' is not JSON (${(e as Error).message})`);
  }
  const hp = parseHparams(raw, source);
  const emb = st.tensors.get('fs2.encoder_embed_tokens.weight') ?? st.tensors.get('fs2.encoder.embed_tokens.weight');
  if (!emb) throw new VoiceError(source, "not ProDiff weights: no 'fs2.encoder_embed_tokens.weight'");
  const rows = emb.shape[0]!;
  let tokens: string[];
  if (hp.vocab && hp.vocab.length === rows) tokens = [...hp.vocab];
  else if (o.phoneSet) tokens = PhoneVocab.fromFile(o.phoneSet).tokens.slice();
  else if (PhoneVocab.default().size === rows) tokens = PhoneVocab.default().tokens.slice();
  else throw new VoiceError(source, `the weights have ${rows} tokens and no vocabulary: give the phone set (phone_set.json)`);
  if (tokens.length !== rows) throw new VoiceError(source, `the phone set has ${tokens.length} tokens but the weights ${rows}`);

  const betas = st.tensors.get('betas');
  const teacherSteps = hp.teacher_steps ?? (betas ? betas.shape[0]! - 1 : hp.timesteps);
  const timesteps = scalar(st, 'timesteps') ?? (raw.timesteps !== undefined ? hp.timesteps : teacherSteps);
  const timescale = scalar(st, 'timescale') ?? hp.timescale ?? 1;
  if (hp.f0_mean === undefined || hp.f0_std === undefined) throw new VoiceError(source, 'hparams lack f0_mean/f0_std');
  if (hp.use_spk_embed) throw new VoiceError(source, 'use_spk_embed models take an external speaker embedding per call; voice packages carry speaker ids only (use_spk_id)');
  const numSpk = hp.use_spk_id ? hp.num_spk : 0;
  const speakerNames = o.speakers ?? hp.speakers ?? run.cache?.speakers ?? [];
  if (numSpk > 0 && speakerNames.length > numSpk) throw new VoiceError(source, `${speakerNames.length} speaker names (${speakerNames.join(', ')}) for a model of ${numSpk} speakers`);
  if (new Set(speakerNames).size !== speakerNames.length) throw new VoiceError(source, `speaker names must be unique (${speakerNames.join(', ')})`);
  const speakerIdMap: Record<string, number> = {};
  if (numSpk > 0) for (let i = 0; i < numSpk; i++) speakerIdMap[speakerNames[i] ?? `speaker${i}`] = i;

  // Keep the hparams that describe the model; drop training-only keys and the large vocab.
  const keep = ['hidden_size', 'enc_layers', 'num_heads', 'enc_ffn_kernel_size', 'dur_predictor_layers', 'dur_predictor_kernel', 'predictor_layers',
    'predictor_kernel', 'predictor_hidden', 'residual_channels', 'residual_layers', 'dilation_cycle_length', 'audio_num_mel_bins', 'use_pitch_embed',
    'use_energy_embed', 'use_spk_id', 'num_spk', 'use_split_spk_id', 'pitch_type', 'pitch_norm', 'ffn_padding', 'ffn_act', 'use_uv', 'vocab_size'];
  const hparams: Record<string, unknown> = {};
  for (const k of keep) if (raw[k] !== undefined) hparams[k] = raw[k];
  hparams.vocab_size = rows;
  const mels = hp.audio_num_mel_bins;

  const name = o.name ?? basename(resolve(o.out));
  const cfg = {
    format: VOICE_FORMAT,
    name,
    language: { code: o.language ?? 'en_US' },
    dataset: o.dataset ?? (run.cache?.corpus ? basename(run.cache.corpus) : 'unknown'),
    audio: {
      sample_rate: PRODIFF_MEL.sampleRate, quality: o.quality ?? 'medium', hop_length: PRODIFF_MEL.hop, n_fft: PRODIFF_MEL.nFft,
      win_length: PRODIFF_MEL.winLength, num_mels: mels, fmin: PRODIFF_MEL.fmin, fmax: PRODIFF_MEL.fmax,
    },
    phoneme_type: 'arpabet',
    phoneme_id_map: Object.fromEntries(tokens.map((t, i) => [t, [i]])),
    num_symbols: rows,
    num_speakers: Math.max(1, numSpk),
    speaker_id_map: speakerIdMap,
    inference: { steps: timesteps, length_scale: o.inference?.length_scale ?? 1, noise_seed: o.inference?.noise_seed ?? 0, sentence_silence: o.inference?.sentence_silence ?? 0 },
    model: 'model.safetensors',
    hparams,
    f0: { mean: hp.f0_mean, std: hp.f0_std },
    schedule: { teacher_steps: teacherSteps, timesteps, timescale },
    stress_policy: o.stressPolicy ?? { 2: '1' },
    vocoder: {
      type: o.vocoder?.type ?? 'griffin-lim',
      ...(o.vocoder?.file ? { file: `vocoder${extOf(o.vocoder.file)}` } : {}),
      ...(o.vocoder?.iterations !== undefined ? { iterations: o.vocoder.iterations } : {}),
      ...(o.vocoder?.config ? { config: o.vocoder.config } : {}),
    },
    prodiff_version: version(),
  };
  // The same checks as loading, so a bad package is never written.
  return parseVoiceConfig(JSON.stringify(cfg), source);
}

function extOf(f: string): string {
  const b = basename(f);
  const i = b.indexOf('.');
  return i > 0 ? b.slice(i).replace(/[^A-Za-z0-9.]/g, '') : '';
}

function countParams(st: SafetensorsFile): number {
  let n = 0;
  for (const [k, t] of st.tensors) if (t.data instanceof Float32Array && !/^(betas|alphas|sqrt_|log_|posterior_|timesteps|timescale)/.test(k) && k !== 'fs2.encoder.embed_tokens.weight') n += t.data.length;
  return n;
}

/** MODEL_CARD.md text. */
export function modelCard(cfg: VoiceConfig, st: SafetensorsFile, o: PackageVoiceOptions, run: RunInfo, sizeBytes: number): string {
  const hp = cfg.hparams;
  const kind = st.metadata.kind ?? (cfg.schedule.timescale > 1 ? 'student' : 'teacher');
  const step = st.metadata.step ?? (typeof run.lastTrain?.step === 'number' ? String(run.lastTrain.step) : 'unknown');
  const lines = [
    `# ${cfg.name}`,
    '',
    `A ProDiff voice (${cfg.language?.code ?? 'unknown language'}, ${cfg.audio.quality ?? ''} quality) for the prodiff library. Made by \`prodiff make-voice\` with prodiff ${cfg.prodiff_version ?? ''}.`,
    '',
    '## Model',
    `- Acoustic model: ProDiff ${kind}, ${(countParams(st) / 1e6).toFixed(2)} M parameters; encoder ${fmt(hp.enc_layers)} x ${fmt(hp.hidden_size)} (heads ${fmt(hp.num_heads)}), denoiser ${fmt(hp.residual_layers)} x ${fmt(hp.residual_channels)}.`,
    `- Diffusion: ${cfg.schedule.timesteps} denoiser step(s) per utterance (time scale ${cfg.schedule.timescale} of a ${cfg.schedule.teacher_steps}-step vpsde schedule).`,
    `- Audio: ${cfg.audio.sample_rate} Hz, ${cfg.audio.num_mels} mel bins, hop ${cfg.audio.hop_length}, ${cfg.audio.fmin}-${cfg.audio.fmax} Hz; f0 statistics mean ${cfg.f0.mean.toFixed(1)} Hz, std ${cfg.f0.std.toFixed(1)} Hz.`,
    `- Phones: ${cfg.num_symbols} symbols (ARPAbet with stress, punctuation, word separator); stress policy ${Object.keys(cfg.stress_policy).length ? Object.entries(cfg.stress_policy).map(([a, b]) => `${a} -> ${b}`).join(', ') : 'none'}.`,
    `- Speakers: ${cfg.num_speakers}${Object.keys(cfg.speaker_id_map).length ? ` (${Object.keys(cfg.speaker_id_map).join(', ')})` : ''}.`,
    `- Vocoder: ${cfg.vocoder.type}${cfg.vocoder.file ? ` (${cfg.vocoder.file})` : ' (no weights; Griffin-Lim from the mel pseudo-inverse)'}.`,
    `- Size on disk: ${(sizeBytes / 1e6).toFixed(1)} MB.`,
    '',
    '## Training',
    `- Data: ${cfg.dataset ?? 'unknown'}${run.cache ? ` - ${run.cache.utterances} training utterances, ${(run.cache.seconds / 60).toFixed(1)} minutes` : ''}.`,
    `- Data licence: ${o.license ?? 'not stated'}.`,
    `- Training steps: ${step}.`,
  ];
  if (run.lastTrain) lines.push(`- Last training loss: ${fmt(run.lastTrain.loss)} at step ${fmt(run.lastTrain.step)}.`);
  if (run.lastValid) {
    lines.push(`- Validation at step ${run.lastValid.step}: ${Object.entries(run.lastValid.valid).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}.`);
  }
  if (run.config && typeof run.config.description === 'string') lines.push(`- Configuration: ${run.config.description}.`);
  lines.push('', '## Use', '```sh', `npx prodiff say "Hello there." --voice ${cfg.name} -o hello.wav`, '```', '');
  if (o.notes) lines.push('## Notes', o.notes, '');
  return lines.join('\n');
}

/** Packages weights (+ vocoder) into a voice directory, validated by loading it back. */
export function packageVoice(o: PackageVoiceOptions): PackagedVoice {
  const out = resolve(o.out);
  if (existsSync(out) && !o.force) throw new VoiceError(out, 'already exists (use force / --force to replace it)');
  let st: SafetensorsFile;
  try {
    st = readSafetensors(o.model);
  } catch (e) {
    throw new VoiceError(o.model, `cannot read the model: ${(e as Error).message}`);
  }
  const runDir = o.run ?? (existsSync(join(dirname(o.model), 'config.json')) ? dirname(o.model) : undefined);
  const modelStep = Number(st.metadata.step);
  const run = readRun(runDir, Number.isFinite(modelStep) ? modelStep : Infinity);
  const cfg = voiceConfigFor(st, o.model, o, run);
  if (o.vocoder?.file && !existsSync(o.vocoder.file)) throw new VoiceError(o.vocoder.file, 'vocoder file not found');

  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp);
  try {
    copyFileSync(o.model, join(tmp, cfg.model));
    if (o.vocoder?.file) copyFileSync(o.vocoder.file, join(tmp, cfg.vocoder.file!));
    writeFileSync(join(tmp, 'voice.json'), serializeVoiceConfig(cfg));
    const size = ['voice.json', cfg.model, ...(cfg.vocoder.file ? [cfg.vocoder.file] : [])].reduce((a, f) => a + statSync(join(tmp, f)).size, 0);
    const card = modelCard(cfg, st, o, run, size);
    writeFileSync(join(tmp, 'MODEL_CARD.md'), card);
    loadVoiceDir(tmp, { name: cfg.name, source: 'path' }); // every load-time check, before it goes live
    if (existsSync(out)) {
      const old = `${out}.old-${process.pid}-${Date.now()}`;
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, out);
    }
    return { dir: out, config: cfg, card };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
