// `prodiff train-vocoder --data DIR --out RUN [options]`: GAN training of the Vocos-style vocoder
// on a folder of WAV files (random segments), resumable: run it again with the same --out to
// continue from the last checkpoint (--steps may be raised). Ctrl-C writes a checkpoint and stops.
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { PRODIFF_MEL } from '../audio/mel.js';
import { WavFolderCorpus } from '../data/vocoder-data.js';
import { MPD_SMALL, MRD_SMALL, type AdversarialLoss } from '../model/discriminators.js';
import { VOCOS_LOSS, type VocoderModelConfig } from '../model/vocoder-gan.js';
import { VOCOS_SMALL } from '../model/vocos.js';
import { formatValue, Progress } from '../util/progress.js';
import { readRunConfig, trainVocoder, VOCODER_TRAIN_DEFAULTS, type VocoderTrainConfig } from '../train/vocoder.js';

const USAGE = `usage: prodiff train-vocoder --data DIR --out RUN [options]

  --data DIR              folder of .wav files (searched recursively; resampled to --sr)
  --out RUN               run directory (created, or resumed when it holds a checkpoint)
  --steps N               total generator steps to reach (default 1000)
  --checkpoint-every N    steps between checkpoints (default 200)
  --threads N             ONNX Runtime threads per session (default 1)
model (new runs only; a resumed run keeps its own):
  --dim N --intermediate N --layers N      generator size (default ${VOCOS_SMALL.dim} / ${VOCOS_SMALL.intermediate} / ${VOCOS_SMALL.layers})
  --periods LIST          multi-period discriminator periods (default ${MPD_SMALL.periods.join(',')})
  --mpd-channels LIST     its channels (default ${MPD_SMALL.channels.join(',')})
  --mrd-ffts LIST         multi-resolution discriminator FFT sizes, hop = n/4 (default ${MRD_SMALL.resolutions.map((r) => r[0]).join(',')})
  --mrd-channels N        its channels (default ${MRD_SMALL.channels})
  --adversarial hinge|lsgan   (default ${VOCOS_LOSS.adversarial})
  --mel-weight X --mrd-weight X --fm-weight X   loss weights (default ${VOCOS_LOSS.mel} / ${VOCOS_LOSS.mrd} / ${VOCOS_LOSS.featureMatching})
  --batch N --segment-frames N    batch geometry (default ${VOCODER_TRAIN_DEFAULTS.batch} x ${VOCODER_TRAIN_DEFAULTS.segmentFrames} hops)
  --lr X --schedule-steps N --warmup N --pretrain-mel-steps N --seed N --sr HZ`;

const list = (s: string) => s.split(',').map((v) => Number(v.trim()));

export async function run(args: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args,
      options: {
        data: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string', default: '1000' },
        'checkpoint-every': { type: 'string', default: '200' }, threads: { type: 'string', default: '1' },
        dim: { type: 'string' }, intermediate: { type: 'string' }, layers: { type: 'string' },
        periods: { type: 'string' }, 'mpd-channels': { type: 'string' }, 'mrd-ffts': { type: 'string' }, 'mrd-channels': { type: 'string' },
        adversarial: { type: 'string' }, 'mel-weight': { type: 'string' }, 'mrd-weight': { type: 'string' }, 'fm-weight': { type: 'string' },
        batch: { type: 'string' }, 'segment-frames': { type: 'string' }, lr: { type: 'string' }, 'schedule-steps': { type: 'string' },
        warmup: { type: 'string' }, 'pretrain-mel-steps': { type: 'string' }, seed: { type: 'string' }, sr: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`prodiff train-vocoder: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (a.help) { process.stdout.write(USAGE + '\n'); return 0; }
  if (!a.data || !a.out) { process.stderr.write(`prodiff train-vocoder: --data and --out are required\n${USAGE}\n`); return 2; }

  const num = (k: keyof typeof a, def: number): number => {
    const v = a[k];
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${k} must be a number, got '${v}'`);
    return n;
  };
  const modelFlags = ['dim', 'intermediate', 'layers', 'periods', 'mpd-channels', 'mrd-ffts', 'mrd-channels', 'adversarial', 'mel-weight', 'mrd-weight', 'fm-weight',
    'batch', 'segment-frames', 'lr', 'schedule-steps', 'warmup', 'pretrain-mel-steps', 'seed', 'sr'] as const;

  let config = readRunConfig(a.out);
  if (config) {
    const given = modelFlags.filter((k) => a[k] !== undefined);
    if (given.length) process.stderr.write(`prodiff train-vocoder: resuming ${a.out} with its stored configuration; ignoring ${given.map((k) => `--${k}`).join(' ')}\n`);
  } else {
    const adversarial = (a.adversarial ?? VOCOS_LOSS.adversarial) as AdversarialLoss;
    if (adversarial !== 'hinge' && adversarial !== 'lsgan') throw new Error(`--adversarial must be hinge or lsgan, got '${adversarial}'`);
    const model: VocoderModelConfig = {
      generator: { ...VOCOS_SMALL, dim: num('dim', VOCOS_SMALL.dim), intermediate: num('intermediate', VOCOS_SMALL.intermediate), layers: num('layers', VOCOS_SMALL.layers) },
      mpd: { ...MPD_SMALL, periods: a.periods ? list(a.periods) : MPD_SMALL.periods, channels: a['mpd-channels'] ? list(a['mpd-channels']) : MPD_SMALL.channels },
      mrd: { resolutions: a['mrd-ffts'] ? list(a['mrd-ffts']).map((n) => [n, n / 4] as [number, number]) : MRD_SMALL.resolutions, channels: num('mrd-channels', MRD_SMALL.channels) },
      loss: { adversarial, mel: num('mel-weight', VOCOS_LOSS.mel), mrd: num('mrd-weight', VOCOS_LOSS.mrd), featureMatching: num('fm-weight', VOCOS_LOSS.featureMatching) },
      mel: { ...PRODIFF_MEL, sampleRate: num('sr', PRODIFF_MEL.sampleRate) },
    };
    const d = VOCODER_TRAIN_DEFAULTS;
    config = {
      ...d, model, batch: num('batch', d.batch), segmentFrames: num('segment-frames', d.segmentFrames), lr: num('lr', d.lr),
      scheduleSteps: num('schedule-steps', d.scheduleSteps), warmupSteps: num('warmup', d.warmupSteps),
      pretrainMelSteps: num('pretrain-mel-steps', d.pretrainMelSteps), seed: num('seed', d.seed),
    } satisfies VocoderTrainConfig;
  }
  const steps = num('steps', 1000);
  const corpus = new WavFolderCorpus(a.data, config.model.mel.sampleRate);
  const totalSec = Array.from({ length: corpus.size }, (_, i) => corpus.length(i)).reduce((s, n) => s + n, 0) / corpus.sampleRate;
  process.stderr.write(`train-vocoder: ${corpus.size} files (${totalSec.toFixed(1)} s) from ${a.data}; run ${a.out}\n`);

  let stopRequested = false;
  const onSig = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    process.stderr.write('\ntrain-vocoder: stopping after this step (checkpoint follows); press Ctrl-C again to abort\n');
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  let bar: Progress | undefined;
  try {
    const result = await trainVocoder(corpus, a.out, config, {
      steps,
      checkpointEvery: num('checkpoint-every', 200),
      threads: num('threads', 1),
      shouldStop: () => stopRequested,
      onNote: (m) => (bar ? bar.note(m) : process.stderr.write(`${m}\n`)),
      onStep: (r) => {
        bar ??= new Progress({ total: steps, label: 'vocoder', unit: 'step' }, r.step - 1);
        const shown = [`mel ${formatValue(r.mel_l1 ?? NaN)}`, `g ${formatValue(r.g_loss)}`];
        if (r.d_loss !== undefined) shown.push(`d ${formatValue(r.d_loss)}`);
        bar.update(r.step, shown.join(' '));
      },
    });
    bar?.finish();
    const rec = result.lastRecord;
    process.stdout.write(`train-vocoder: step ${result.step}${result.resumedFrom ? ` (resumed from ${result.resumedFrom})` : ''}` +
      (rec ? `, mel L1 ${formatValue(rec.mel_l1 ?? NaN)}, generator loss ${formatValue(rec.g_loss)}` : '') + `; wrote ${a.out}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

export const trainVocoderCommand: Command = {
  summary: 'train the Vocos-style vocoder (GAN) on a folder of WAV files; resumable',
  run,
};
