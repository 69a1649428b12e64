// The built-in phone aligner at run time: audio -> normalised log-mel (16 kHz, 10 ms frames),
// words -> aligner tokens with an optional pause between words and at both ends, the network's
// attention log-probabilities, and the best monotonic path -> timed ARPAbet phones in the
// alignment TSV's form (`sil` pauses, words filled). Also the confidence of each alignment.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logMel, type MelConfig } from '../audio/mel.js';
import { KAISER_FAST, loadAudio as loadResampled } from '../audio/resample.js';
import { createSession, exportOnnx, Graph, ortTensor, ParamStore, type ort } from '../engine/index.js';
import { ALIGNER_TOKENS, buildAligner, DEFAULT_ALIGNER_CONFIG, type AlignerConfig } from '../model/aligner.js';
import { textToPhones, type TextToPhonesOptions } from '../text/index.js';
import type { AlignedPhone } from './festival.js';
import { feasible, viterbi } from './monotonic.js';

export const BUNDLED_ALIGNER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', 'aligner');

export function melConfigOf(cfg: AlignerConfig): MelConfig {
  return { sampleRate: cfg.sampleRate, nFft: cfg.nFft, hop: cfg.hop, winLength: cfg.winLength, padMode: 'constant', nMels: cfg.nMels, fmin: cfg.fmin, fmax: cfg.fmax, eps: 1e-5 };
}

/** Raw log10 mel [T, nMels] (frame-major) at the aligner's settings. */
export function alignerLogMel(samples: Float32Array, cfg: AlignerConfig): { data: Float32Array; frames: number } {
  const m = logMel(samples, melConfigOf(cfg));
  return { data: m.data, frames: m.frames };
}

/** Log-mel [T, nMels] -> [nMels, T] (the network's layout), each channel normalised to zero mean and unit variance over the utterance. */
export function normalizeMel(data: ArrayLike<number>, T: number, C: number): Float32Array {
  const out = new Float32Array(C * T);
  for (let c = 0; c < C; c++) {
    let mean = 0;
    for (let t = 0; t < T; t++) mean += data[t * C + c]!;
    mean /= T;
    let v = 0;
    for (let t = 0; t < T; t++) v += (data[t * C + c]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / T + 1e-4);
    for (let t = 0; t < T; t++) out[c * T + t] = (data[t * C + c]! - mean) * inv;
  }
  return out;
}

/** The network's input for audio at the aligner's rate: normalised log-mel [nMels, T]. */
export function alignerFeatures(samples: Float32Array, cfg: AlignerConfig): { mel: Float32Array; frames: number } {
  const m = alignerLogMel(samples, cfg);
  return { mel: normalizeMel(m.data, m.frames, cfg.nMels), frames: m.frames };
}

/** One word to align: its phones (ARPAbet, stress optional) and its text for the word column. */
export interface AlignWord {
  text: string;
  phones: string[];
}

export interface AlignerTokens {
  /** Index into the aligner's token inventory per token. */
  ids: Int32Array;
  /** Pause tokens (between words, at both ends) may take no frame. */
  optional: boolean[];
  /** Per token: the word index, or -1 for a pause. */
  word: Int32Array;
  /** Per token: the phone as given (with stress), or 'sil'. */
  phone: string[];
}

const stressless = (p: string) => p.replace(/[012]$/, '');

/** sil? w1 sil? w2 ... sil? with every pause optional. */
export function alignerTokens(words: AlignWord[], inventory: readonly string[] = ALIGNER_TOKENS): AlignerTokens {
  const index = new Map(inventory.map((t, i) => [t, i]));
  const ids: number[] = [];
  const optional: boolean[] = [];
  const word: number[] = [];
  const phone: string[] = [];
  const pause = () => {
    ids.push(index.get('sil')!);
    optional.push(true);
    word.push(-1);
    phone.push('sil');
  };
  pause();
  words.forEach((w, wi) => {
    for (const p of w.phones) {
      const id = index.get(stressless(p));
      if (id === undefined) throw new Error(`word '${w.text}': phone '${p}' is not one the aligner knows`);
      ids.push(id);
      optional.push(false);
      word.push(wi);
      phone.push(p);
    }
    pause();
  });
  return { ids: Int32Array.from(ids), optional, word: Int32Array.from(word), phone };
}

/** Words and their phones as prodiff's front end reads the text (the phones a voice trained on it will use). */
export function frontEndWords(text: string, o: Pick<TextToPhonesOptions, 'lexicon'> = {}): AlignWord[] {
  const fe = textToPhones(text, { normalize: true, ...o });
  return fe.words.filter((w) => w.kind !== 'punctuation' && w.end > w.start).map((w) => ({ text: w.text.toLowerCase(), phones: fe.phones.slice(w.start, w.end) }));
}

export interface AlignmentResult {
  phones: AlignedPhone[];
  /** Mean log-probability per frame along the path (0 is certain; lower is worse). */
  confidence: number;
  /** The lowest per-phone mean log-probability (a single badly matched word shows here). */
  worstPhone: number;
  frames: number;
  seconds: number;
}

export class UnalignableError extends Error {}

/** One-hot tokens [1, N, V] and their mask [1, N]. */
export function tokenFeeds(tokens: AlignerTokens[], V: number): { tokens: ort.Tensor; mask: ort.Tensor; N: number } {
  const N = Math.max(...tokens.map((t) => t.ids.length));
  const B = tokens.length;
  const oneHot = new Float32Array(B * N * V);
  const mask = new Float32Array(B * N);
  tokens.forEach((t, b) => t.ids.forEach((id, n) => {
    oneHot[(b * N + n) * V + id] = 1;
    mask[b * N + n] = 1;
  }));
  return { tokens: ortTensor('float32', oneHot, [B, N, V]), mask: ortTensor('float32', mask, [B, N]), N };
}

/** Frame index -> seconds: a boundary between frames a-1 and a lies halfway between their centres. */
export function boundaryTime(frame: number, cfg: AlignerConfig, seconds: number): number {
  return Math.min(seconds, Math.max(0, ((frame - 0.5) * cfg.hop) / cfg.sampleRate));
}

/** Timed phones from the best path over `logp` [T, N] (one utterance). */
export function decodeAlignment(logp: Float32Array, frames: number, tokens: AlignerTokens, words: AlignWord[], cfg: AlignerConfig, seconds: number): AlignmentResult {
  const N = tokens.ids.length;
  const problem = { scores: logp, frames, tokens: N, optional: tokens.optional };
  if (!feasible(problem)) {
    const need = tokens.optional.filter((o) => !o).length;
    throw new UnalignableError(`too short for its phones: ${need} phones in ${seconds.toFixed(2)} s (${frames} frames of ${(1000 * cfg.hop) / cfg.sampleRate} ms)`);
  }
  const path = viterbi(problem);
  const phones: AlignedPhone[] = [];
  let worst = 0;
  for (let n = 0; n < N; n++) {
    const a = path.start[n]!;
    const b = path.end[n]!;
    if (b <= a) continue;
    if (!tokens.optional[n]) {
      let s = 0;
      for (let t = a; t < b; t++) s += logp[t * N + n]!;
      worst = Math.min(worst, s / (b - a));
    }
    const w = tokens.word[n]!;
    phones.push({ phone: tokens.phone[n]!, start: boundaryTime(a, cfg, seconds), end: boundaryTime(b, cfg, seconds), word: w >= 0 ? words[w]!.text : '' });
  }
  phones[0]!.start = 0;
  phones[phones.length - 1]!.end = seconds;
  for (let i = 1; i < phones.length; i++) phones[i]!.start = phones[i - 1]!.end;
  return { phones, confidence: path.score / frames, worstPhone: worst, frames, seconds };
}

/** The aligner network with its weights, ready to run. */
export class Aligner {
  private constructor(
    readonly config: AlignerConfig,
    private readonly session: ort.InferenceSession,
  ) {}

  static modelFiles(dir: string): { config: string; weights: string } {
    return { config: join(dir, 'config.json'), weights: join(dir, 'aligner.safetensors') };
  }

  static readConfig(dir: string): AlignerConfig {
    const f = Aligner.modelFiles(dir);
    if (!existsSync(f.config)) throw new Error(`${dir}: no aligner model here (config.json missing)`);
    return { ...DEFAULT_ALIGNER_CONFIG, ...(JSON.parse(readFileSync(f.config, 'utf-8')) as Partial<AlignerConfig>) };
  }

  static async load(dir = BUNDLED_ALIGNER, params?: ParamStore): Promise<Aligner> {
    const config = Aligner.readConfig(dir);
    const store = params ?? ParamStore.fromSafetensors(Aligner.modelFiles(dir).weights);
    return Aligner.fromParams(config, store);
  }

  static async fromParams(config: AlignerConfig, store: ParamStore): Promise<Aligner> {
    const g = new Graph('aligner');
    const { logp } = buildAligner(g, config);
    g.output('logp', logp);
    store.checkAgainst(g, 'aligner weights');
    const session = await createSession(exportOnnx(g, { params: () => 'initializer', values: (n) => store.get(n).data }), { threads: 2 });
    return new Aligner(config, session);
  }

  /** Audio at any rate, any channel count -> samples at the aligner's rate. */
  loadAudio(path: string): Float32Array {
    // kaiser_fast: the aligner's 80-band mel stops at 7.6 kHz, well inside its pass band.
    return loadResampled(path, this.config.sampleRate, KAISER_FAST).samples;
  }

  async logp(samples: Float32Array, tokens: AlignerTokens): Promise<{ logp: Float32Array; frames: number }> {
    const f = alignerFeatures(samples, this.config);
    const t = tokenFeeds([tokens], this.config.tokens.length);
    const r = await this.session.run({ tokens: t.tokens, token_mask: t.mask, mel: ortTensor('float32', f.mel, [1, this.config.nMels, f.frames]) });
    return { logp: r.logp!.data as Float32Array, frames: f.frames };
  }

  /** Aligns samples (at the aligner's rate) to words. Throws UnalignableError when no alignment can exist. */
  async align(samples: Float32Array, words: AlignWord[]): Promise<AlignmentResult> {
    if (words.length === 0) throw new UnalignableError('the transcript has no words');
    const seconds = samples.length / this.config.sampleRate;
    const tokens = alignerTokens(words, this.config.tokens);
    const need = tokens.optional.filter((o) => !o).length;
    const frames = Math.floor(samples.length / this.config.hop) + 1;
    if (frames < need) throw new UnalignableError(`too short for its phones: ${need} phones in ${seconds.toFixed(2)} s`);
    const { logp, frames: T } = await this.logp(samples, tokens);
    return decodeAlignment(logp, T, tokens, words, this.config, seconds);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
