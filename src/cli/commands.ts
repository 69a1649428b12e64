import type { Command } from './command.js';
import { parityCommand } from './parity.js';

/** Every sub-command, by name. Each lives in its own module under src/cli/. */
export const commands: Record<string, Command> = {
  parity: parityCommand,
  convert: { summary: 'official checkpoint (.ckpt, zip or legacy; --hifigan for a HiFi-GAN generator) -> safetensors weights', run: async (a) => (await import('./convert.js')).run(a) },
  export: { summary: 'write the inference graphs as plain ONNX files (WEIGHTS --out DIR)', run: async (a) => (await import('./export.js')).run(a) },
  'train-vocoder': { summary: 'train the Vocos-style vocoder (GAN) on WAV files or a cache; --acoustic RUN --init RUN fine-tunes; resumable', run: async (a) => (await import('./train-vocoder.js')).run(a) },
  features: { summary: 'compute log-mel, energy and pitch of a WAV (--png, --out)', run: async (a) => (await import('./features.js')).run(a) },
  corpus: { summary: 'make a training corpus with Festival or flite: corpus synth --sentences FILE --out DIR', run: async (a) => (await import('./corpus.js')).corpusCommand.run(a) },
  'train-aligner': { summary: 'train the phone aligner: train-aligner CORPUS... --out DIR', run: async (a) => (await import('./train-aligner.js')).trainAlignerCommand.run(a) },
  align: { summary: 'phone times for recordings + transcripts: align CORPUS --out DIR', run: async (a) => (await import('./align.js')).alignCommand.run(a) },
  preprocess: { summary: 'corpus -> feature cache: preprocess CORPUS --out CACHE', run: async (a) => (await import('./preprocess.js')).preprocessCommand.run(a) },
  train: { summary: 'train the teacher: train --config CFG --data CACHE --out RUN [--resume]', run: async (a) => (await import('./train.js')).trainCommand.run(a) },
  distill: { summary: 'progressive distillation: distill --teacher RUN --out RUN2 [--steps 2]', run: async (a) => (await import('./distill.js')).distillCommand.run(a) },
  'eval-vocoder': { summary: 'vocoders vs Griffin-Lim on held-out utterances: mel L1, MCD, RTF, ASR WER (eval-vocoder RUN... --data CACHE [--acoustic RUN])', run: async (a) => (await import('./eval-vocoder.js')).evalVocoderCommand.run(a) },
  eval: { summary: 'evaluate teachers and students: eval RUN [RUN...] --data CACHE [--split test] [--limit N] [--json OUT] [--asr]', run: async (a) => (await import('./eval.js')).evalCommand.run(a) },
  'make-voice': { summary: 'package a training run as a voice: make-voice RUN --out voices/NAME [--dataset ... --license ...]', run: async (a) => (await import('./make-voice.js')).makeVoiceCommand.run(a) },
  say: { summary: 'speak text: say "text" -o out.wav [--voice NAME|DIR] [--stream] [--timestamps FILE]', run: async (a) => (await import('./say.js')).sayCommand.run(a) },
  serve: { summary: 'HTTP speech server: OpenAI-compatible /v1/audio/speech, web page at / (serve [--port 8880] [--workers N])', run: async (a) => (await import('./serve.js')).serveCommand.run(a) },
  loudness: { summary: "a voice's output level, DC offset and frame-rate tones; --write stores its calibrated gain (loudness [VOICE] [--write])", run: async (a) => (await import('./loudness.js')).loudnessCommand.run(a) },
  voices: { summary: 'list the installed voices (bundled and $PRODIFF_VOICES)', run: async (a) => (await import('./voices.js')).voicesCommand.run(a) },
  phonemize: { summary: 'text -> normalised text, phones and token ids (--words, --json, --phone-set)', run: async (a) => (await import('./phonemize.js')).phonemize.run(a) },
};
