// voice.json: the description of a voice package, in the spirit of piper's `.onnx.json`
// (audio.sample_rate, phoneme_type, phoneme_id_map, num_symbols, num_speakers, speaker_id_map,
// inference defaults) plus what ProDiff needs (model sizes, f0 statistics, diffusion schedule,
// stress policy, vocoder). Parsing validates every field and names the offending key.

/** Tag written into every voice.json this library produces. */
export const VOICE_FORMAT = 'prodiff-voice/1';

export class VoiceError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'VoiceError';
  }
}

export type VocoderType = 'griffin-lim' | 'vocos' | 'hifigan';
export const VOCODER_TYPES: readonly VocoderType[] = ['griffin-lim', 'vocos', 'hifigan'];

export interface VoiceAudio {
  sample_rate: number;
  /** piper's quality label: x_low, low, medium, high. */
  quality?: string;
  hop_length: number;
  n_fft: number;
  win_length: number;
  num_mels: number;
  fmin: number;
  fmax: number;
}

export interface VoiceInference {
  /** Denoiser calls per utterance (the model's own: 4 for the teacher, 2 for a student). */
  steps: number;
  /** Duration multiplier (piper's length_scale; > 1 is slower). */
  length_scale: number;
  /** Seed of the diffusion noise. */
  noise_seed: number;
  /** Pitch shift in semitones. */
  pitch_shift?: number;
  /** Energy multiplier. */
  energy_scale?: number;
  /** Silence inserted between sentences, seconds (piper1-gpl's sentence silence). */
  sentence_silence?: number;
  /**
   * Calibrated loudness, dB: the gain that brings this voice's speech to the output target (speech
   * RMS -20 dBFS, peaks <= -1 dBFS; `prodiff loudness VOICE --write` measures it). Default 0.
   */
  output_gain_db?: number;
  /** Remove the DC offset of the output (default true). */
  dc_block?: boolean;
}

export interface VoiceVocoder {
  type: VocoderType;
  /** Weights file inside the voice directory (neural vocoders). */
  file?: string;
  /** Griffin-Lim iterations (a 'pghi' Vocos generator: its Griffin-Lim refinement, default 2). */
  iterations?: number;
  /** A 'pghi' Vocos generator's fit of its magnitude to the mel (default 2). */
  fit_iterations?: number;
  /** Anything else the vocoder needs (configuration of a neural vocoder). */
  config?: Record<string, unknown>;
}

export interface VoiceSchedule {
  /** N of the vpsde schedule the model was trained on. */
  teacher_steps: number;
  /** Denoiser calls of this model (N for a teacher, N / 2^k for a distilled student). */
  timesteps: number;
  /** 1 for a teacher, 2^k for a student. */
  timescale: number;
}

export interface VoiceConfig {
  format: string;
  name: string;
  language?: { code: string };
  dataset?: string;
  audio: VoiceAudio;
  /** 'arpabet': CMUdict ARPAbet with stress digits, plus ProDiff's <BOS>, <EOS>, |, punctuation. */
  phoneme_type: 'arpabet';
  /** piper's phoneme_map: symbol -> replacement symbols, applied before the id lookup. */
  phoneme_map?: Record<string, string[]>;
  phoneme_id_map: Record<string, number[]>;
  num_symbols: number;
  num_speakers: number;
  speaker_id_map: Record<string, number>;
  inference: VoiceInference;
  /** Model weights file inside the voice directory (safetensors, official ProDiff names). */
  model: string;
  /** The model's hparams (sizes, f0 statistics, vocabulary, ...), as in the weights' metadata. */
  hparams: Record<string, unknown>;
  f0: { mean: number; std: number };
  schedule: VoiceSchedule;
  /**
   * Stress digits the model knows, and what the others become: the Festival-trained voices know
   * 0 and 1 only, so CMUdict's secondary stress 2 maps to 1 ({"2": "1"}).
   */
  stress_policy: Record<string, string>;
  vocoder: VoiceVocoder;
  prodiff_version?: string;
}

type Json = Record<string, unknown>;

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

class Reader {
  constructor(readonly source: string) {}
  fail(key: string, problem: string): never {
    throw new VoiceError(this.source, `${key}: ${problem}`);
  }
  obj(o: Json, key: string, path: string): Json {
    const v = o[key];
    if (v === undefined) this.fail(path, 'missing');
    if (!isObj(v)) this.fail(path, 'must be an object');
    return v;
  }
  num(o: Json, key: string, path: string, check: (v: number) => boolean = Number.isFinite, what = 'a finite number', def?: number): number {
    const v = o[key];
    if (v === undefined && def !== undefined) return def;
    if (v === undefined) this.fail(path, 'missing');
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) this.fail(path, `must be ${what} (got ${JSON.stringify(v)})`);
    return v;
  }
  str(o: Json, key: string, path: string, def?: string): string {
    const v = o[key];
    if (v === undefined && def !== undefined) return def;
    if (v === undefined) this.fail(path, 'missing');
    if (typeof v !== 'string' || v.length === 0) this.fail(path, `must be a non-empty string (got ${JSON.stringify(v)})`);
    return v;
  }
}

const posInt = (v: number) => Number.isInteger(v) && v > 0;
const nonNegInt = (v: number) => Number.isInteger(v) && v >= 0;

/** A file name inside the voice directory: no separators, no '..', no absolute paths. */
function isPlainFileName(f: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(f) && !f.includes('..');
}

/** Parses and validates voice.json text. Errors name the file and the key. */
export function parseVoiceConfig(text: string, source = 'voice.json'): VoiceConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new VoiceError(source, `not valid JSON (${(e as Error).message}): the voice file is corrupt`);
  }
  if (!isObj(raw)) throw new VoiceError(source, 'must hold a JSON object');
  const r: Reader = new Reader(source);
  const format = r.str(raw, 'format', 'format');
  if (format !== VOICE_FORMAT) r.fail('format', `'${format}' is not supported (this library reads '${VOICE_FORMAT}')`);
  const name = r.str(raw, 'name', 'name');

  const a = r.obj(raw, 'audio', 'audio');
  const audio: VoiceAudio = {
    sample_rate: r.num(a, 'sample_rate', 'audio.sample_rate', (v) => posInt(v) && v <= 384000, 'a positive integer'),
    hop_length: r.num(a, 'hop_length', 'audio.hop_length', posInt, 'a positive integer'),
    n_fft: r.num(a, 'n_fft', 'audio.n_fft', (v) => posInt(v) && (v & (v - 1)) === 0, 'a power of two'),
    win_length: r.num(a, 'win_length', 'audio.win_length', posInt, 'a positive integer'),
    num_mels: r.num(a, 'num_mels', 'audio.num_mels', posInt, 'a positive integer'),
    fmin: r.num(a, 'fmin', 'audio.fmin', (v) => v >= 0, 'a number >= 0'),
    fmax: r.num(a, 'fmax', 'audio.fmax', (v) => v > 0, 'a positive number'),
  };
  if (a.quality !== undefined) audio.quality = r.str(a, 'quality', 'audio.quality');
  if (audio.win_length > audio.n_fft) r.fail('audio.win_length', `${audio.win_length} exceeds n_fft ${audio.n_fft}`);
  if (audio.fmax > audio.sample_rate / 2 || audio.fmin >= audio.fmax) r.fail('audio.fmax', `band [${audio.fmin}, ${audio.fmax}] Hz does not fit sample rate ${audio.sample_rate}`);

  const phonemeType = r.str(raw, 'phoneme_type', 'phoneme_type');
  if (phonemeType !== 'arpabet') r.fail('phoneme_type', `'${phonemeType}' is not supported (only 'arpabet')`);

  const numSymbols = r.num(raw, 'num_symbols', 'num_symbols', posInt, 'a positive integer');
  const idMapRaw = r.obj(raw, 'phoneme_id_map', 'phoneme_id_map');
  const idMap: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  for (const [sym, ids] of Object.entries(idMapRaw)) {
    if (!Array.isArray(ids) || ids.length !== 1 || !nonNegInt(ids[0] as number) || (ids[0] as number) >= numSymbols) {
      r.fail(`phoneme_id_map[${JSON.stringify(sym)}]`, `must be [id] with 0 <= id < num_symbols ${numSymbols} (got ${JSON.stringify(ids)})`);
    }
    idMap[sym] = [ids[0] as number];
  }
  const seen = new Map<number, string>();
  for (const [sym, [id]] of Object.entries(idMap)) {
    const other = seen.get(id!);
    if (other !== undefined) r.fail('phoneme_id_map', `'${other}' and '${sym}' share id ${id}`);
    seen.set(id!, sym);
  }
  if (seen.size !== numSymbols) r.fail('phoneme_id_map', `maps ${seen.size} symbols but num_symbols is ${numSymbols} (every id 0..${numSymbols - 1} needs a symbol)`);

  let phonemeMap: Record<string, string[]> | undefined;
  if (raw.phoneme_map !== undefined) {
    const pm = r.obj(raw, 'phoneme_map', 'phoneme_map');
    phonemeMap = Object.create(null) as Record<string, string[]>;
    for (const [k, v] of Object.entries(pm)) {
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || !(s in idMap))) r.fail(`phoneme_map[${JSON.stringify(k)}]`, 'must be a list of symbols of phoneme_id_map');
      phonemeMap[k] = v as string[];
    }
  }

  const numSpeakers = r.num(raw, 'num_speakers', 'num_speakers', posInt, 'a positive integer');
  const spkRaw = raw.speaker_id_map === undefined ? {} : r.obj(raw, 'speaker_id_map', 'speaker_id_map');
  const speakerIdMap: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [k, v] of Object.entries(spkRaw)) {
    if (!nonNegInt(v as number) || (v as number) >= numSpeakers) r.fail(`speaker_id_map[${JSON.stringify(k)}]`, `must be an integer in [0, ${numSpeakers - 1}]`);
    speakerIdMap[k] = v as number;
  }

  const inf = r.obj(raw, 'inference', 'inference');
  const inference: VoiceInference = {
    steps: r.num(inf, 'steps', 'inference.steps', posInt, 'a positive integer'),
    length_scale: r.num(inf, 'length_scale', 'inference.length_scale', (v) => v > 0, 'a positive number', 1),
    noise_seed: r.num(inf, 'noise_seed', 'inference.noise_seed', nonNegInt, 'an integer >= 0', 0),
  };
  if (inf.pitch_shift !== undefined) inference.pitch_shift = r.num(inf, 'pitch_shift', 'inference.pitch_shift');
  if (inf.energy_scale !== undefined) inference.energy_scale = r.num(inf, 'energy_scale', 'inference.energy_scale', (v) => v >= 0, 'a number >= 0');
  if (inf.output_gain_db !== undefined) inference.output_gain_db = r.num(inf, 'output_gain_db', 'inference.output_gain_db', (v) => v >= -60 && v <= 60, 'dB in [-60, 60]');
  if (inf.dc_block !== undefined) {
    if (typeof inf.dc_block !== 'boolean') r.fail('inference.dc_block', `must be true or false (got ${JSON.stringify(inf.dc_block)})`);
    inference.dc_block = inf.dc_block;
  }
  if (inf.sentence_silence !== undefined) inference.sentence_silence = r.num(inf, 'sentence_silence', 'inference.sentence_silence', (v) => v >= 0 && v <= 10, 'seconds in [0, 10]');

  const model = r.str(raw, 'model', 'model');
  if (!isPlainFileName(model)) r.fail('model', `'${model}' must be a file name inside the voice directory`);
  const hparams = r.obj(raw, 'hparams', 'hparams');
  const f0o = r.obj(raw, 'f0', 'f0');
  const f0 = { mean: r.num(f0o, 'mean', 'f0.mean', (v) => v > 0, 'a positive number (Hz)'), std: r.num(f0o, 'std', 'f0.std', (v) => v > 0, 'a positive number (Hz)') };
  const so = r.obj(raw, 'schedule', 'schedule');
  const schedule: VoiceSchedule = {
    teacher_steps: r.num(so, 'teacher_steps', 'schedule.teacher_steps', posInt, 'a positive integer'),
    timesteps: r.num(so, 'timesteps', 'schedule.timesteps', posInt, 'a positive integer'),
    timescale: r.num(so, 'timescale', 'schedule.timescale', posInt, 'a positive integer'),
  };
  if (schedule.timesteps * schedule.timescale !== schedule.teacher_steps) {
    r.fail('schedule', `timesteps ${schedule.timesteps} x timescale ${schedule.timescale} does not cover teacher_steps ${schedule.teacher_steps}`);
  }
  if (inference.steps !== schedule.timesteps) r.fail('inference.steps', `${inference.steps}, but the model runs ${schedule.timesteps} steps (schedule.timesteps)`);

  const sp = raw.stress_policy === undefined ? {} : r.obj(raw, 'stress_policy', 'stress_policy');
  const stressPolicy: Record<string, string> = {};
  for (const [k, v] of Object.entries(sp)) {
    if (!/^[012]$/.test(k) || typeof v !== 'string' || !/^[012]$/.test(v)) r.fail(`stress_policy[${JSON.stringify(k)}]`, 'maps a stress digit 0/1/2 to a stress digit');
    stressPolicy[k] = v;
  }

  const vo = r.obj(raw, 'vocoder', 'vocoder');
  const vtype = r.str(vo, 'type', 'vocoder.type');
  if (!(VOCODER_TYPES as readonly string[]).includes(vtype)) r.fail('vocoder.type', `'${vtype}' is not one of ${VOCODER_TYPES.join(', ')}`);
  const vocoder: VoiceVocoder = { type: vtype as VocoderType };
  if (vo.file !== undefined && vo.file !== null) {
    vocoder.file = r.str(vo, 'file', 'vocoder.file');
    if (!isPlainFileName(vocoder.file)) r.fail('vocoder.file', `'${vocoder.file}' must be a file name inside the voice directory`);
  }
  if (vocoder.type !== 'griffin-lim' && !vocoder.file) r.fail('vocoder.file', `a ${vocoder.type} vocoder needs its weights file`);
  if (vo.iterations !== undefined) vocoder.iterations = r.num(vo, 'iterations', 'vocoder.iterations', (v) => Number.isInteger(v) && v >= 0 && v <= 1000, 'an integer in [0, 1000]');
  if (vo.fit_iterations !== undefined) vocoder.fit_iterations = r.num(vo, 'fit_iterations', 'vocoder.fit_iterations', (v) => Number.isInteger(v) && v >= 0 && v <= 100, 'an integer in [0, 100]');
  if (vo.config !== undefined) vocoder.config = r.obj(vo, 'config', 'vocoder.config');

  const cfg: VoiceConfig = {
    format, name, audio, phoneme_type: 'arpabet', phoneme_id_map: idMap, num_symbols: numSymbols,
    num_speakers: numSpeakers, speaker_id_map: speakerIdMap, inference, model, hparams, f0, schedule,
    stress_policy: stressPolicy, vocoder,
  };
  if (phonemeMap) cfg.phoneme_map = phonemeMap;
  if (isObj(raw.language) && typeof raw.language.code === 'string') cfg.language = { code: raw.language.code };
  if (typeof raw.dataset === 'string') cfg.dataset = raw.dataset;
  if (typeof raw.prodiff_version === 'string') cfg.prodiff_version = raw.prodiff_version;
  return cfg;
}

/** Symbols ordered by id (id -> symbol). */
export function symbolsById(cfg: Pick<VoiceConfig, 'phoneme_id_map' | 'num_symbols'>): string[] {
  const out = new Array<string>(cfg.num_symbols);
  for (const [sym, [id]] of Object.entries(cfg.phoneme_id_map)) out[id!] = sym;
  return out;
}

/** voice.json text: piper's keys first, then ProDiff's; one-id lists on one line. */
export function serializeVoiceConfig(cfg: VoiceConfig): string {
  const order: (keyof VoiceConfig)[] = [
    'format', 'name', 'language', 'dataset', 'audio', 'phoneme_type', 'phoneme_map', 'phoneme_id_map', 'num_symbols', 'num_speakers',
    'speaker_id_map', 'inference', 'model', 'vocoder', 'f0', 'schedule', 'stress_policy', 'hparams', 'prodiff_version',
  ];
  const o: Record<string, unknown> = {};
  for (const k of order) if (cfg[k] !== undefined) o[k] = cfg[k];
  return `${JSON.stringify(o, null, 2).replace(/\[\s+(\d+)\s+\]/g, '[$1]')}\n`;
}

/**
 * Speaker names by id (position = id) of a multi-speaker voice; ids speaker_id_map does not name
 * get their number as the name. Empty for a single-speaker voice.
 */
export function speakerNames(cfg: Pick<VoiceConfig, 'num_speakers' | 'speaker_id_map'>): string[] {
  if (cfg.num_speakers <= 1) return [];
  const names = Array.from({ length: cfg.num_speakers }, (_, i) => String(i));
  for (const [name, id] of Object.entries(cfg.speaker_id_map)) names[id] = name;
  return names;
}

/**
 * A speaker name or id of the voice -> its id. Calls `fail` with a one-line message that lists the
 * speakers for an unknown name or an out-of-range id, and for any speaker of a single-speaker voice.
 */
export function resolveSpeaker(cfg: Pick<VoiceConfig, 'name' | 'num_speakers' | 'speaker_id_map'>, s: number | string, fail: (message: string) => never): number {
  const names = speakerNames(cfg);
  if (names.length === 0) return fail(`voice ${cfg.name} has a single speaker; a speaker (${JSON.stringify(s)}) can only be chosen on a multi-speaker voice`);
  const list = `speakers: ${names.map((n, i) => `${i} ${n}`).join(', ')}`;
  if (typeof s === 'string') {
    if (!Object.hasOwn(cfg.speaker_id_map, s)) return fail(`unknown speaker '${s}' (${list})`);
    return cfg.speaker_id_map[s]!;
  }
  if (!(Number.isInteger(s) && s >= 0 && s < names.length)) return fail(`speaker ${String(s)} out of range [0, ${names.length - 1}] (${list})`);
  return s;
}
