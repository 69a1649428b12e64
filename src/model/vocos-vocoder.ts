// The trained Vocos-style generator as a Vocoder: weights from `generator.safetensors` (written by
// `prodiff train-vocoder`, config in its metadata), run as one ORT session.
import { createSession, exportOnnx, ParamStore, parseSafetensors, readSafetensors, type ort } from '../engine/index.js';
import { registerVocoder, SessionVocoder, type VocoderContext } from './vocoder.js';
import { generatorGraph } from './vocoder-gan.js';
import { vocosContextFrames, type VocosConfig } from './vocos.js';

export class VocosVocoder extends SessionVocoder {
  readonly name = 'vocos';
  private constructor(session: ort.InferenceSession, readonly cfg: VocosConfig, sampleRate: number, hop: number) {
    super(session, cfg.mels, sampleRate, hop, vocosContextFrames(cfg));
  }

  static async load(ctx: VocoderContext): Promise<VocosVocoder> {
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
    return new VocosVocoder(session, cfg, ctx.mel.sampleRate, ctx.mel.hop);
  }
}

registerVocoder('vocos', (ctx) => VocosVocoder.load(ctx));
