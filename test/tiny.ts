// Tiny configurations shared by the tests that train on the committed 6-utterance Festival corpus.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readWav, toMono, writeWav } from '../src/audio/wav.js';
import { parseHparams } from '../src/model/hparams.js';
import { VOCODER_SMALL, type VocoderModelConfig } from '../src/model/vocoder-gan.js';
import { VOCODER_TRAIN_DEFAULTS, type VocoderTrainConfig } from '../src/train/vocoder.js';
import { repoRoot } from './golden.js';

export const CORPUS_TINY = join(repoRoot, 'test', 'fixtures', 'corpus-tiny');

/** A ProDiff teacher small enough to train a few dozen steps in seconds. */
export const TINY_TEACHER = parseHparams({
  hidden_size: 16, enc_layers: 1, num_heads: 2, enc_ffn_kernel_size: 3, residual_channels: 16, residual_layers: 2, dilation_cycle_length: 1,
  predictor_layers: 1, dur_predictor_layers: 1,
  timesteps: 4, lr: 1.0, warmup_updates: 10, clip_grad_norm: 1, max_frames: 1200, max_sentences: 4, val_check_interval: 100, checkpoint_interval: 100, seed: 7, threads: 1,
  dropout: 0, predictor_dropout: 0,
}, 'TINY_TEACHER');

/** A Vocos generator and discriminators of a few thousand parameters. */
export const TINY_VOCODER: VocoderModelConfig = {
  ...VOCODER_SMALL,
  generator: { ...VOCODER_SMALL.generator, dim: 16, intermediate: 32, layers: 1 },
  mpd: { ...VOCODER_SMALL.mpd, periods: [2, 3], channels: [4, 4, 4, 4, 4] },
  mrd: { resolutions: [[512, 128]], channels: 4 },
};

export const TINY_VOCODER_TRAIN: VocoderTrainConfig = { ...VOCODER_TRAIN_DEFAULTS, model: TINY_VOCODER, batch: 2, segmentFrames: 8, scheduleSteps: 10 };

/** One LJSpeech-layout folder per speaker: the tiny corpus as 'ann', and at `gain` as 'bob'. */
export function twoSpeakerCorpus(dir: string, gain: number): void {
  for (const [spk, g] of [['ann', 1], ['bob', gain]] as const) {
    mkdirSync(join(dir, spk, 'wavs'), { recursive: true });
    mkdirSync(join(dir, spk, 'alignments'), { recursive: true });
    copyFileSync(join(CORPUS_TINY, 'metadata.csv'), join(dir, spk, 'metadata.csv'));
    for (const f of readdirSync(join(CORPUS_TINY, 'alignments'))) copyFileSync(join(CORPUS_TINY, 'alignments', f), join(dir, spk, 'alignments', f));
    for (const f of readdirSync(join(CORPUS_TINY, 'wavs'))) {
      const w = readWav(join(CORPUS_TINY, 'wavs', f));
      writeWav(join(dir, spk, 'wavs', f), toMono(w).map((x) => x * g), w.sampleRate);
    }
  }
}
