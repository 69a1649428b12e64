// Random-weight models and voices of any size, in exactly the format training writes: for tests
// (tiny, fast) and for timing the pipeline before a trained voice exists (bench --random-voice).
// Their speech is noise; their durations are set to a plausible speaking rate.
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { ParamStore } from '../engine/params.js';
import { Rng } from '../engine/random.js';
import { vpsdeSchedule } from '../model/diffusion.js';
import { parseHparams } from '../model/hparams.js';
import { buildAdaptorGraph, buildDenoiseStepGraph, buildEncoderGraph, prodiffConfigFromHparams } from '../model/prodiff.js';
import { saveModel } from '../model/checkpoint.js';
import { generatorGraph } from '../model/vocoder-gan.js';
import { VOCOS_SMALL, type VocosConfig } from '../model/vocos.js';
import { PhoneVocab } from '../text/phones.js';
import { packageVoice, type PackageVoiceOptions, type PackagedVoice } from './package.js';

/** A tiny model: 2 x 16 encoder, 2 x 8 denoiser, 4 steps (a few thousand parameters). */
export const TINY_HPARAMS: Record<string, unknown> = {
  hidden_size: 16, enc_layers: 1, num_heads: 2, enc_ffn_kernel_size: 3, dur_predictor_layers: 1, dur_predictor_kernel: 3,
  predictor_layers: 1, predictor_kernel: 3, predictor_hidden: -1, residual_channels: 8, residual_layers: 2, dilation_cycle_length: 1,
  timesteps: 4, audio_num_mel_bins: 80,
};

export interface RandomModelOptions {
  seed?: number;
  /** Mean frames per phone the duration predictor gives (default 6, about 70 ms). */
  framesPerPhone?: number;
  /** Student layout: this many steps at time scale timesteps / steps. */
  steps?: number;
  numSpeakers?: number;
}

/** Writes a random-weight model.safetensors (training's format) for the given model hparams. */
export function writeRandomModel(path: string, config: Record<string, unknown>, o: RandomModelOptions = {}): Record<string, unknown> {
  const vocab = PhoneVocab.default().tokens.slice();
  const N = parseHparams(config, 'random model config').timesteps;
  const steps = o.steps ?? N;
  const hp: Record<string, unknown> = {
    ...config, vocab, vocab_size: vocab.length, f0_mean: 180, f0_std: 40, timesteps: N,
    ...(o.numSpeakers && o.numSpeakers > 1 ? { use_spk_id: true, num_spk: o.numSpeakers } : {}),
  };
  const cfg = prodiffConfigFromHparams(hp);
  const schedule = vpsdeSchedule(N);
  const rng = new Rng(o.seed ?? 1);
  const params = new ParamStore()
    .initialize(buildEncoderGraph(cfg), rng)
    .initialize(buildAdaptorGraph(cfg, { controls: true }), rng)
    .initialize(buildDenoiseStepGraph(cfg, schedule), rng);
  const w = params.get('fs2.dur_predictor.linear.weight');
  for (let i = 0; i < w.data.length; i++) w.data[i]! *= 0.05;
  params.get('fs2.dur_predictor.linear.bias').data[0] = Math.log(1 + (o.framesPerPhone ?? 6));
  // The denoiser's output projection starts at zero (as the official init), which would make the
  // mel ignore the text: give it small random values.
  const out = params.get('denoise_fn.output_projection.weight');
  for (let i = 0; i < out.data.length; i++) out.data[i] = 0.1 * rng.normal();
  saveModel(path, params, hp, schedule, N / steps, { step: '0', kind: 'random' });
  return hp;
}

/** A random-weight voice directory (Griffin-Lim vocoder unless given). */
export function makeRandomVoice(out: string, config: Record<string, unknown> = TINY_HPARAMS, o: RandomModelOptions & Partial<PackageVoiceOptions> = {}): PackagedVoice {
  const runDir = `${out}.run-${process.pid}`;
  mkdirSync(runDir, { recursive: true });
  const model = join(runDir, 'model.safetensors');
  try {
    writeRandomModel(model, config, o);
    return packageVoice({
      dataset: 'none (random weights)', license: 'not applicable (random weights)', quality: 'x_low', ...o, model, out,
      notes: 'Random weights: this voice only exercises and times the pipeline; its speech is noise.',
    });
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Writes a random-weight Vocos generator in `prodiff train-vocoder`'s format (generator.* tensors,
 * config metadata): a 'vocos' voice vocoder for tests and for timing (its output is noise).
 */
export function writeRandomVocos(path: string, cfg: VocosConfig = VOCOS_SMALL, seed = 1): void {
  new ParamStore().initialize(generatorGraph(cfg), new Rng(seed)).save(path, { step: '0', kind: 'random', config: JSON.stringify(cfg) });
}
