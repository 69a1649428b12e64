// The trained Vocos-style generator as a Vocoder: weights from `generator.safetensors` (written by
// `prodiff train-vocoder`, config in its metadata), run as one ORT session. A 'pghi' generator
// predicts magnitudes only; its phase is integrated on the host (`pghiPhaseFromLog`) and the
// waveform is their inverse STFT.
import { pghiPhaseFromLog } from '../audio/pghi.js';
import { istft } from '../audio/stft.js';
import { createSession, exportOnnx, ortTensor, ParamStore, parseSafetensors, readSafetensors, type ort } from '../engine/index.js';
import { Serial } from '../util/serial.js';
import { fitLength, melChannelsFirst, registerVocoder, SessionVocoder, type Vocoder, type VocoderContext } from './vocoder.js';
import { generatorGraph } from './vocoder-gan.js';
import { isPghiGenerator, vocosContextFrames, type VocosConfig } from './vocos.js';

async function loadGenerator(ctx: VocoderContext): Promise<{ session: ort.InferenceSession; cfg: VocosConfig }> {
  if (!ctx.file) throw new Error("vocoder 'vocos' needs a weights file (generator.safetensors)");
  const st = ctx.bytes ? parseSafetensors(ctx.bytes, ctx.file) : readSafetensors(ctx.file);
  const meta = st.metadata;
  if (!meta.config) throw new Error(`${ctx.file}: no 'config' metadata (expected a generator written by prodiff train-vocoder)`);
  const cfg = JSON.parse(meta.config) as VocosConfig;
  if (cfg.mels !== ctx.mel.nMels) throw new Error(`${ctx.file}: the vocoder takes ${cfg.mels} mel bins, the voice makes ${ctx.mel.nMels}`);
  const params = ParamStore.fromTensors(st, ctx.file);
  const g = generatorGraph(cfg);
  params.checkAgainst(g, ctx.file);
  const session = await createSession(exportOnnx(g, { values: (n) => params.get(n).data }), { threads: ctx.threads ?? 2, ...(ctx.device ? { device: ctx.device } : {}) });
  return { session, cfg };
}

export class VocosVocoder extends SessionVocoder {
  readonly name = 'vocos';
  constructor(session: ort.InferenceSession, readonly cfg: VocosConfig, sampleRate: number, hop: number) {
    super(session, cfg.mels, sampleRate, hop, vocosContextFrames(cfg));
  }

  /** A Vocos vocoder, or a `PghiVocoder` when the generator predicts magnitudes only. */
  static async load(ctx: VocoderContext): Promise<Vocoder> {
    const { session, cfg } = await loadGenerator(ctx);
    return isPghiGenerator(cfg) ? new PghiVocoder(session, cfg, ctx.mel.sampleRate) : new VocosVocoder(session, cfg, ctx.mel.sampleRate, ctx.mel.hop);
  }
}

/**
 * Network magnitudes + integrated phase. The phase of each frame follows from all earlier ones, so
 * no finite mel context makes a frame range exact: sentences are vocoded whole (no contextFrames).
 */
export class PghiVocoder implements Vocoder {
  readonly name = 'vocos-pghi';
  readonly hop: number;
  private readonly serial = new Serial();
  constructor(private readonly session: ort.InferenceSession, readonly cfg: VocosConfig, readonly sampleRate: number) {
    this.hop = cfg.stft.hop;
  }

  synthesize(mel: Float32Array, frames: number): Promise<Float32Array> {
    return this.serial.run(async () => {
      const M = this.cfg.mels;
      if (mel.length !== frames * M) throw new Error(`${this.name}: ${mel.length} mel values for ${frames} frames of ${M} bins`);
      if (frames < 2) return new Float32Array(frames * this.hop);
      const r = await this.session.run({ mel: ortTensor('float32', melChannelsFirst(mel, frames, M), [1, M, frames]) });
      const logMag = r.logmag!.data as Float32Array; // [1, T, F]
      const F = this.cfg.stft.nFft / 2 + 1;
      const phase = pghiPhaseFromLog({ data: logMag, frames, bins: F }, this.cfg.stft);
      const re = new Float64Array(frames * F), im = new Float64Array(frames * F);
      for (let i = 0; i < re.length; i++) {
        const m = Math.exp(logMag[i]!);
        re[i] = m * Math.cos(phase[i]!);
        im[i] = m * Math.sin(phase[i]!);
      }
      return fitLength(istft({ re, im, frames, bins: F }, this.cfg.stft, (frames - 1) * this.hop), frames * this.hop);
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

registerVocoder('vocos', (ctx) => VocosVocoder.load(ctx));
