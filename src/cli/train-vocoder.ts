// `prodiff train-vocoder --data DIR --out RUN [options]`: GAN training of the Vocos-style vocoder
// on a folder of WAV files or a preprocessed cache (random segments), optionally on an acoustic
// model's mels (precomputed first) and from another run's weights (fine-tuning). Resumable: run it
// again with the same --out to continue from the last checkpoint (--steps may be raised). Ctrl-C
// writes a checkpoint and stops.
import { resolve } from 'node:path';
import { PRODIFF_MEL } from '../audio/mel.js';
import { defaultAcousticMelDir, precomputeAcousticMels } from '../data/acoustic-mels.js';
import { isCacheDir } from '../data/cache-vocoder-corpus.js';
import { describeSource, openVocoderCorpus, type VocoderDataSource } from '../data/vocoder-source.js';
import { MPD_SMALL, MRD_SMALL, type AdversarialLoss } from '../model/discriminators.js';
import { VOCOS_LOSS, type VocoderModelConfig } from '../model/vocoder-gan.js';
import { VOCOS_SMALL } from '../model/vocos.js';
import { formatValue, Progress } from '../util/progress.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import { requireInput } from './io.js';
import { readRunConfig, resolveGeneratorInit, resolveVocoderInit, trainVocoder, VOCODER_TRAIN_DEFAULTS, type VocoderTrainConfig } from '../train/vocoder.js';

const USAGE = `usage: prodiff train-vocoder --data DIR|CACHE --out RUN [options]

  --data DIR|CACHE        folder of .wav files (searched recursively; resampled to --sr), or a
                          preprocessed cache (a folder with index.json): its train split, the
                          recordings from its corpus folder, the cache's ground-truth mels.
                          A resumed run may leave it out (it reuses the run's own data)
  --out RUN               run directory (created, or resumed when it holds a checkpoint)
  --acoustic RUN          with a cache: train on this acoustic model's mels (teacher or student run
                          folder, or its model.safetensors) with the cache's durations forced; they
                          are computed first into --mels (finished utterances are skipped)
  --mels DIR              where those mels go (default CACHE/acoustic-mels/<run>-seed<N>)
  --acoustic-seed N       base seed of the acoustic model's sampler (default 0; one seed per utterance)
  --prepare-only          compute the acoustic mels and stop (no --out needed)
  --init RUN              fine-tune: a new run starting from RUN's latest generator and discriminator
                          weights (fresh optimiser state, step 0); its model configuration is RUN's,
                          training options default to RUN's (mel-only pre-training to 0)
  --init FILE.safetensors a new run from a generator file alone (a run's generator.safetensors, a
                          voice's vocoder.safetensors): its generator, fresh discriminators (the
                          discriminator and loss flags apply; mel-only pre-training defaults to 0)
  --steps N               total generator steps to reach (default 1000)
  --checkpoint-every N    steps between checkpoints (default 200)
  --threads N             ONNX Runtime threads per session (default 1)
model (new runs only; a resumed run keeps its own):
  --phase learned|pghi    'learned' (default): Vocos, the head predicts magnitude and phase, GAN
                          training; 'pghi': the head predicts the magnitude alone, learned by
                          regression on the recordings' STFT (no discriminators), and the phase is
                          integrated from it at synthesis (phase-gradient integration)
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
  const p = parseCommandArgs(args, USAGE, {
        data: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string', default: '1000' },
        'checkpoint-every': { type: 'string', default: '200' }, threads: { type: 'string', default: '1' },
        dim: { type: 'string' }, intermediate: { type: 'string' }, layers: { type: 'string' }, phase: { type: 'string' },
        periods: { type: 'string' }, 'mpd-channels': { type: 'string' }, 'mrd-ffts': { type: 'string' }, 'mrd-channels': { type: 'string' },
        adversarial: { type: 'string' }, 'mel-weight': { type: 'string' }, 'mrd-weight': { type: 'string' }, 'fm-weight': { type: 'string' },
        batch: { type: 'string' }, 'segment-frames': { type: 'string' }, lr: { type: 'string' }, 'schedule-steps': { type: 'string' },
        warmup: { type: 'string' }, 'pretrain-mel-steps': { type: 'string' }, seed: { type: 'string' }, sr: { type: 'string' },
        acoustic: { type: 'string' }, mels: { type: 'string' }, 'acoustic-seed': { type: 'string' }, 'prepare-only': { type: 'boolean', default: false },
        init: { type: 'string' },
  }, { maxPositionals: 0 });
  if (!p) return 0;
  const a = p.values;
  if (!a.out && !a['prepare-only']) throw new UsageError('--out RUN is required');
  if (a.data) requireInput(a.data, 'data');
  if (a.init) requireInput(a.init, 'run to fine-tune (--init)');

  const num = (k: keyof typeof a, def: number): number => {
    const v = a[k];
    if (v === undefined) return def;
    return numberFlag(k, v as string);
  };
  const architectureFlags = ['dim', 'intermediate', 'layers', 'phase', 'periods', 'mpd-channels', 'mrd-ffts', 'mrd-channels', 'adversarial', 'mel-weight', 'mrd-weight', 'fm-weight', 'sr'] as const;
  const modelFlags = [...architectureFlags, 'batch', 'segment-frames', 'lr', 'schedule-steps', 'warmup', 'pretrain-mel-steps', 'seed'] as const;

  const stored = a.out ? readRunConfig(a.out) : undefined;
  let source: VocoderDataSource | undefined = stored?.data;
  if (a.data) {
    const given = dataSource(a.data, a.acoustic, a.mels, num('acoustic-seed', 0));
    if (stored?.data && JSON.stringify(given) !== JSON.stringify(stored.data)) {
      throw new Error(`${a.out} trains on the ${describeSource(stored.data)}; resume it without --data/--acoustic/--mels or with the same ones, or use a new --out`);
    }
    source = given;
  } else if (a.acoustic || a.mels) throw new UsageError('--acoustic and --mels need --data CACHE');
  if (!source) throw new UsageError('--data is required');
  if (source.kind === 'acoustic-mels') {
    let pre: Progress | undefined;
    const r = await precomputeAcousticMels({
      cache: source.cache, acoustic: source.acoustic, out: source.mels, seed: source.seed, threads: num('threads', 1),
      onProgress: (done, total) => {
        if (done < total) pre ??= new Progress({ total, label: 'acoustic mels', unit: 'utt' }, done);
        pre?.update(done);
      },
    });
    pre?.finish();
    process.stderr.write(`train-vocoder: acoustic-model mels in ${r.dir}: ${r.computed} computed, ${r.skipped} already there\n`);
  }
  if (a['prepare-only']) return 0;
  const out = a.out!;

  let config = stored;
  if (config) {
    const given = modelFlags.filter((k) => a[k] !== undefined);
    if (given.length) process.stderr.write(`prodiff train-vocoder: resuming ${out} with its stored configuration; ignoring ${given.map((k) => `--${k}`).join(' ')}\n`);
    if (a.init) process.stderr.write(`prodiff train-vocoder: resuming ${out}; --init applies to new runs only, ignored\n`);
  } else if (a.init && !a.init.endsWith('.safetensors')) {
    const given = architectureFlags.filter((k) => a[k] !== undefined);
    if (given.length) throw new Error(`--init takes the model of ${a.init}; leave out ${given.map((k) => `--${k}`).join(' ')}`);
    const { init, config: from } = resolveVocoderInit(a.init);
    config = {
      ...from, batch: num('batch', from.batch), segmentFrames: num('segment-frames', from.segmentFrames), lr: num('lr', from.lr),
      scheduleSteps: num('schedule-steps', from.scheduleSteps), warmupSteps: num('warmup', from.warmupSteps),
      pretrainMelSteps: num('pretrain-mel-steps', 0), seed: num('seed', from.seed), init,
    } satisfies VocoderTrainConfig;
  } else {
    const fromFile = a.init ? resolveGeneratorInit(a.init) : undefined;
    if (fromFile) {
      const given = (['dim', 'intermediate', 'layers', 'phase'] as const).filter((k) => a[k] !== undefined);
      if (given.length) throw new Error(`--init ${a.init} fixes the generator's size; leave out ${given.map((k) => `--${k}`).join(' ')}`);
    }
    const adversarial = (a.adversarial ?? VOCOS_LOSS.adversarial) as AdversarialLoss;
    if (adversarial !== 'hinge' && adversarial !== 'lsgan') throw new Error(`--adversarial must be hinge or lsgan, got '${adversarial}'`);
    const phase = a.phase ?? 'learned';
    if (phase !== 'learned' && phase !== 'pghi') throw new Error(`--phase must be learned or pghi, got '${phase}'`);
    const model: VocoderModelConfig = {
      generator: fromFile?.generator ?? {
        ...VOCOS_SMALL, dim: num('dim', VOCOS_SMALL.dim), intermediate: num('intermediate', VOCOS_SMALL.intermediate), layers: num('layers', VOCOS_SMALL.layers),
        ...(phase === 'pghi' ? { phase } : {}),
      },
      mpd: { ...MPD_SMALL, periods: a.periods ? list(a.periods) : MPD_SMALL.periods, channels: a['mpd-channels'] ? list(a['mpd-channels']) : MPD_SMALL.channels },
      mrd: { resolutions: a['mrd-ffts'] ? list(a['mrd-ffts']).map((n) => [n, n / 4] as [number, number]) : MRD_SMALL.resolutions, channels: num('mrd-channels', MRD_SMALL.channels) },
      loss: { adversarial, mel: num('mel-weight', VOCOS_LOSS.mel), mrd: num('mrd-weight', VOCOS_LOSS.mrd), featureMatching: num('fm-weight', VOCOS_LOSS.featureMatching) },
      mel: { ...PRODIFF_MEL, sampleRate: num('sr', PRODIFF_MEL.sampleRate) },
    };
    const d = VOCODER_TRAIN_DEFAULTS;
    config = {
      ...d, model, batch: num('batch', d.batch), segmentFrames: num('segment-frames', d.segmentFrames), lr: num('lr', d.lr),
      scheduleSteps: num('schedule-steps', d.scheduleSteps), warmupSteps: num('warmup', d.warmupSteps),
      pretrainMelSteps: num('pretrain-mel-steps', fromFile ? 0 : d.pretrainMelSteps), seed: num('seed', d.seed),
      ...(fromFile ? { init: fromFile.init } : {}),
    } satisfies VocoderTrainConfig;
  }
  if (!stored) config = { ...config, data: source };
  const steps = num('steps', 1000);
  const corpus = openVocoderCorpus(source, config.model.mel.sampleRate);
  const totalSec = Array.from({ length: corpus.size }, (_, i) => corpus.length(i)).reduce((s, n) => s + n, 0) / corpus.sampleRate;
  process.stderr.write(`train-vocoder: ${corpus.size} utterances (${totalSec.toFixed(1)} s), ${describeSource(source)}; run ${out}\n`);

  // The training loop draws the progress bar and stops on Ctrl-C (after a checkpoint).
  const result = await trainVocoder(corpus, out, config, { steps, checkpointEvery: num('checkpoint-every', 200), threads: num('threads', 1) });
  const rec = result.lastRecord;
  process.stdout.write(`train-vocoder: step ${result.step}${result.resumedFrom ? ` (resumed from ${result.resumedFrom})` : ''}` +
    (rec ? `, mel L1 ${formatValue(rec.mel_l1 ?? NaN)}, generator loss ${formatValue(rec.g_loss)}` : '') + `; wrote ${out}\n`);
  return 0;
}

/** --data (and --acoustic) as a data source with absolute paths, so that a resume can compare it. */
function dataSource(data: string, acoustic: string | undefined, mels: string | undefined, seed: number): VocoderDataSource {
  const dir = resolve(data);
  if (!isCacheDir(dir)) {
    if (acoustic || mels) throw new Error(`--acoustic needs --data to be a preprocessed cache (a folder with index.json); ${data} has no index.json`);
    return { kind: 'wavs', dir };
  }
  if (!acoustic) {
    if (mels) throw new Error('--mels needs --acoustic');
    return { kind: 'cache', cache: dir };
  }
  return { kind: 'acoustic-mels', cache: dir, acoustic: resolve(acoustic), mels: resolve(mels ?? defaultAcousticMelDir(dir, acoustic, seed)), seed };
}
