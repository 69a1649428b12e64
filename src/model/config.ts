// The model configuration from official-style hparams (the keys of ProDiff's YAML configs).
import type { DenoiserConfig } from './denoiser.js';
import { fs2ConfigFromHparams } from './fastspeech2.js';
import type { ProDiffConfig } from './prodiff.js';

export function modelConfigFromHparams(hp: Record<string, unknown>): ProDiffConfig {
  const num = (k: string, def?: number): number => {
    const v = hp[k];
    if (typeof v === 'number') return v;
    if (def !== undefined) return def;
    throw new Error(`hparams: '${k}' missing or not a number`);
  };
  const mels = num('audio_num_mel_bins', 80);
  const denoiser: DenoiserConfig = {
    mels,
    condChannels: num('hidden_size'),
    residualChannels: num('residual_channels'),
    residualLayers: num('residual_layers'),
    dilationCycle: num('dilation_cycle_length', 1),
  };
  return { fs2: fs2ConfigFromHparams(hp), denoiser, mels };
}
