// The trained Vocos-style generator as a Vocoder: weights from `generator.safetensors` (written by
// `prodiff train-vocoder`, config in its metadata), run as one ORT session. A 'pghi' generator
// predicts magnitudes only; its phase is integrated on the host (`pghiPhaseFromLog`) between two
// ORT sessions (magnitude; refinement and inverse STFT).
import { GRIFFIN_LIM_DEFAULTS } from '../audio/griffinlim.js';
import type { MelConfig } from '../audio/mel.js';
import { pghiPhaseFromLog } from '../audio/pghi.js';
import type { StftConfig } from '../audio/stft.js';
import { createSession, exportOnnx, Graph, op, ortTensor, ParamStore, parseSafetensors, readSafetensors, type ort, type Tensor } from '../engine/index.js';
import { istftGraph, melBasisGraph, reanalysisGraph } from './spectral.js';
import { Serial } from '../util/serial.js';
import { fitLength, melChannelsFirst, registerVocoder, SessionVocoder, type Vocoder, type VocoderContext } from './vocoder.js';
import { generatorGraph } from './vocoder-gan.js';
import { isPghiGenerator, vocosContextFrames, vocosLogMagnitude, type VocosConfig } from './vocos.js';
import { Scope } from '../nn/index.js';

type SessionOptions = Parameters<typeof createSession>[1];

/** Multiplicative updates that fit the network's magnitude to the input mel before the phase is made. */
export const PGHI_FIT_ITERATIONS = 2;
/**
 * Griffin-Lim iterations from the integrated phase. Two by default: on the arctic test set MCD goes
 * 7.75 (none) -> 4.52 (one) -> 4.21 dB (two; Griffin-Lim alone, 32 iterations: 4.76), each for about
 * +0.0015 RTF; a third adds nothing.
 */
export const PGHI_REFINE_ITERATIONS = 2;

async function loadGenerator(ctx: VocoderContext): Promise<{ session: ort.InferenceSession; cfg: VocosConfig; options: SessionOptions; fit: number }> {
  if (!ctx.file) throw new Error("vocoder 'vocos' needs a weights file (generator.safetensors)");
  const st = ctx.bytes ? parseSafetensors(ctx.bytes, ctx.file) : readSafetensors(ctx.file);
  const meta = st.metadata;
  if (!meta.config) throw new Error(`${ctx.file}: no 'config' metadata (expected a generator written by prodiff train-vocoder)`);
  const cfg = JSON.parse(meta.config) as VocosConfig;
  if (cfg.mels !== ctx.mel.nMels) throw new Error(`${ctx.file}: the vocoder takes ${cfg.mels} mel bins, the voice makes ${ctx.mel.nMels}`);
  const params = ParamStore.fromTensors(st, ctx.file);
  const fit = ctx.options?.fitIterations ?? PGHI_FIT_ITERATIONS;
  const g = isPghiGenerator(cfg) ? pghiMagnitudeGraph(cfg, ctx.mel, fit) : generatorGraph(cfg);
  params.checkAgainst(g, ctx.file);
  const options: SessionOptions = { threads: ctx.threads ?? 2, ...(ctx.device ? { device: ctx.device } : {}) };
  const session = await createSession(exportOnnx(g, { values: (n) => params.get(n).data }), options);
  return { session, cfg, options, fit };
}

/**
 * A 'pghi' generator's inference graph: mel [1, mels, T] -> logmag [1, T, F], the network's
 * magnitude S fitted to the input mel x by `fit` multiplicative updates S <- S (M^T x) / (M^T M S)
 * (Lee & Seung's NNLS step, as `fitToMel`), which keep S's harmonic detail while its mel comes to
 * match the input; bins outside every mel band keep the network's value. All in ORT (MatMuls
 * with the mel basis).
 */
export function pghiMagnitudeGraph(cfg: VocosConfig, mel: MelConfig, fit: number): Graph {
  const g = new Graph('vocos_pghi');
  const melIn = g.input('mel', 'float32', [1, cfg.mels, 'T']);
  const logMag = vocosLogMagnitude(new Scope(g, 'generator.'), cfg, melIn);
  if (fit <= 0) {
    g.output('logmag', logMag);
    return g;
  }
  const F = cfg.stft.nFft / 2 + 1;
  if (mel.nMels !== cfg.mels || mel.nFft !== cfg.stft.nFft) throw new Error(`vocos-pghi: the mel (${mel.nMels} bands, n_fft ${mel.nFft}) does not fit the generator (${cfg.mels}, ${cfg.stft.nFft})`);
  const M = melBasisGraph(g, mel); // [mels, F]
  const Mt = op.transpose(M, [1, 0]);
  // Bins inside some mel band (the rest keep the network's value).
  const inBand = op.cast(op.greater(op.reduceMax(M, [0]), 0), 'float32'); // [F]
  const outBand = op.sub(1, inBand);
  const x = op.pow(10, op.transpose(melIn, [0, 2, 1])); // [1, T, mels]
  const mtx = op.matmul(x, M); // [1, T, F]
  // A floor 60 dB under the frame's loudest band lets zero bins grow again (as fitToMel).
  const floor = op.mul(op.reduceMax(x, [2], true), 1e-6);
  let S = op.maximum(op.exp(logMag), floor);
  for (let i = 0; i < fit; i++) {
    const mtms = op.matmul(op.matmul(S, Mt), M);
    const ratio = op.add(op.mul(op.div(mtx, op.add(mtms, 1e-20)), inBand), outBand);
    S = op.mul(S, ratio);
  }
  g.output('logmag', op.log(op.maximum(S, 1e-10)));
  return g;
}

/**
 * logmag, phase [1, T, F] -> wav [1, (T - 1) * hop]: exp, cos, sin and the inverse STFT, without the
 * DC bin, after `refine` fast Griffin-Lim iterations from the given phase (Perraudin et al. 2013:
 * the STFT of the current signal, momentum 0.99 / 1.99 on its change, its phase kept, the
 * magnitude put back). All vectorised in ORT.
 */
export function polarIstftGraph(stft: StftConfig, refine = 0, momentum = GRIFFIN_LIM_DEFAULTS.momentum): Graph {
  const g = new Graph('polar_istft');
  const F = stft.nFft / 2 + 1;
  const logMag = g.input('logmag', 'float32', [1, 'T', F]);
  const phase = g.input('phase', 'float32', [1, 'T', F]);
  // The DC bin is left out: speech has nothing at 0 Hz, and a DC bin with an integrated (not real)
  // phase would put an offset into the output.
  const noDc = g.constant({ dtype: 'float32', shape: [F], values: Float32Array.from({ length: F }, (_, k) => (k === 0 ? 0 : 1)) }, 'no_dc');
  const m = op.mul(op.exp(logMag), noDc);
  let re = op.mul(m, op.cos(phase)), im = op.mul(m, op.sin(phase));
  const k = momentum / (1 + momentum);
  let prev: { re: Tensor; im: Tensor } | undefined;
  for (let i = 0; i < refine; i++) {
    const { re: rr, im: ri } = reanalysisGraph(re, im, stft); // STFT of the inverse STFT
    const ar = prev ? op.sub(rr, op.mul(prev.re, k)) : rr, ai = prev ? op.sub(ri, op.mul(prev.im, k)) : ri;
    const scale = op.div(m, op.add(op.sqrt(op.add(op.mul(ar, ar), op.mul(ai, ai))), 1e-16));
    re = op.mul(ar, scale);
    im = op.mul(ai, scale);
    prev = { re: rr, im: ri };
  }
  g.output('wav', istftGraph(re, im, stft));
  return g;
}

export class VocosVocoder extends SessionVocoder {
  readonly name = 'vocos';
  constructor(session: ort.InferenceSession, readonly cfg: VocosConfig, sampleRate: number, hop: number) {
    super(session, cfg.mels, sampleRate, hop, vocosContextFrames(cfg));
  }

  /** A Vocos vocoder, or a `PghiVocoder` when the generator predicts magnitudes only. */
  static async load(ctx: VocoderContext): Promise<Vocoder> {
    const { session, cfg, options, fit } = await loadGenerator(ctx);
    if (!isPghiGenerator(cfg)) return new VocosVocoder(session, cfg, ctx.mel.sampleRate, ctx.mel.hop);
    const refine = ctx.options?.iterations ?? PGHI_REFINE_ITERATIONS;
    const synthesis = await createSession(exportOnnx(polarIstftGraph(cfg.stft, refine)), options);
    return new PghiVocoder(session, synthesis, cfg, ctx.mel.sampleRate, { fit, refine });
  }
}

/**
 * Network magnitudes fitted to the input mel (`pghiMagnitudeGraph`), the phase integrated from them
 * (`pghiPhaseFromLog`), then `refine` fast Griffin-Lim iterations and the inverse STFT
 * (`polarIstftGraph`). The phase of each frame follows from all earlier ones, so no finite mel
 * context makes a frame range exact: sentences are vocoded whole (no contextFrames).
 */
export class PghiVocoder implements Vocoder {
  readonly name = 'vocos-pghi';
  readonly hop: number;
  private readonly serial = new Serial();
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly synthesis: ort.InferenceSession,
    readonly cfg: VocosConfig,
    readonly sampleRate: number,
    readonly iterations: { fit: number; refine: number },
  ) {
    this.hop = cfg.stft.hop;
  }

  synthesize(mel: Float32Array, frames: number): Promise<Float32Array> {
    return this.serial.run(async () => {
      const M = this.cfg.mels;
      if (mel.length !== frames * M) throw new Error(`${this.name}: ${mel.length} mel values for ${frames} frames of ${M} bins`);
      if (frames < 2) return new Float32Array(frames * this.hop);
      const r = await this.session.run({ mel: ortTensor('float32', melChannelsFirst(mel, frames, M), [1, M, frames]) });
      const F = this.cfg.stft.nFft / 2 + 1;
      const logMag = r.logmag!.data as Float32Array; // [1, T, F], fitted to the mel in the graph
      const phase = pghiPhaseFromLog({ data: logMag, frames, bins: F }, this.cfg.stft);
      const y = await this.synthesis.run({ logmag: ortTensor('float32', logMag, [1, frames, F]), phase: ortTensor('float32', new Float32Array(phase), [1, frames, F]) });
      return fitLength(y.wav!.data as Float32Array, frames * this.hop);
    });
  }

  async dispose(): Promise<void> {
    await Promise.all([this.session.release(), this.synthesis.release()]);
  }
}

registerVocoder('vocos', (ctx) => VocosVocoder.load(ctx));
