// `prodiff make-voice RUN --out DIR`: packages a training run (RUN/model.safetensors, or any ProDiff
// weights) into a voice directory: voice.json, model.safetensors, optional vocoder weights,
// MODEL_CARD.md. With --random CONFIG.json instead of RUN it makes a random-weight voice of that
// size (for timing only).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageVoice, type PackageVoiceOptions } from '../voice/package.js';
import { makeRandomVoice } from '../voice/random.js';
import { parseHparams } from '../model/hparams.js';
import { VOCODER_TYPES, type VocoderType } from '../voice/config.js';
import { CliError, optionalNumberFlag, parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { readTextInput } from './io.js';

const USAGE = `usage: prodiff make-voice RUN|WEIGHTS --out DIR [options]
       prodiff make-voice --random CONFIG.json --out DIR [options]

  RUN                    a training run directory (model.safetensors, config.json, log.jsonl)
  WEIGHTS                a .safetensors file (prodiff train or prodiff convert output)
  --random CONFIG.json   random weights of the size CONFIG describes (timing only)
  --out DIR              the voice directory to create (its base name is the voice name)
  --name NAME            voice name (default: the base name of --out)
  --language CODE        default en_US
  --quality Q            x_low | low | medium | high (default medium)
  --dataset TEXT         one line about the training data
  --license TEXT         the training data's licence (stated in the model card)
  --phone-set FILE       official phone_set.json, for weights without a vocabulary
  --vocoder-type T       ${VOCODER_TYPES.join(' | ')} (default griffin-lim)
  --vocoder-file FILE    the vocoder's weights (copied into the voice)
  --gl-iterations N      Griffin-Lim iterations (default 32)
  --speakers A,B,...     speaker names by id (default: the ones the model was trained with)
  --keep-stress          do not map stress 2 to 1 (for models trained on all three stress levels)
  --length-scale X       default duration scale
  --sentence-silence S   default silence between sentences (seconds)
  --notes TEXT           appended to the model card
  --force                replace an existing voice directory
`;

/** --speakers a,b,c: non-empty, unique names. */
function speakerList(text: string): string[] {
  const names = text.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new UsageError(`--speakers: an empty name in '${text}' (give NAME,NAME,...)`);
  if (new Set(names).size !== names.length) throw new UsageError(`--speakers: a name appears twice in '${text}'`);
  return names;
}

export const makeVoiceCommand: Command = {
  summary: 'package a training run as a voice: make-voice RUN --out voices/NAME (or --random CONFIG)',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {
      out: { type: 'string' }, name: { type: 'string' }, language: { type: 'string' }, quality: { type: 'string' },
      dataset: { type: 'string' }, license: { type: 'string' }, 'phone-set': { type: 'string' }, 'vocoder-type': { type: 'string' },
      'vocoder-file': { type: 'string' }, 'gl-iterations': { type: 'string' }, 'keep-stress': { type: 'boolean', default: false },
      'length-scale': { type: 'string' }, 'sentence-silence': { type: 'string' }, notes: { type: 'string' }, speakers: { type: 'string' },
      force: { type: 'boolean', default: false }, random: { type: 'string' },
    }, { maxPositionals: 1 });
    if (!p) return 0;
    const v = p.values;
    const input = p.positionals[0];
    if (!v.out) throw new UsageError('--out DIR is required');
    if (v.random && input) throw new UsageError('give either RUN|WEIGHTS or --random CONFIG, not both');
    if (!v.random && !input) throw new UsageError('give a training run directory or a weights file (or --random CONFIG.json)');
    const vocoderType = v['vocoder-type'];
    if (vocoderType !== undefined && !(VOCODER_TYPES as readonly string[]).includes(vocoderType)) {
      throw new UsageError(`--vocoder-type: '${vocoderType}' is not one of ${VOCODER_TYPES.join(', ')}`);
    }
    const iterations = optionalNumberFlag('gl-iterations', v['gl-iterations'], { integer: true, min: 1 });
    const lengthScale = optionalNumberFlag('length-scale', v['length-scale'], { min: 0.1, max: 10 });
    const silence = optionalNumberFlag('sentence-silence', v['sentence-silence'], { min: 0, max: 10 });
    const inference: NonNullable<PackageVoiceOptions['inference']> = {
      ...(lengthScale !== undefined ? { length_scale: lengthScale } : {}), ...(silence !== undefined ? { sentence_silence: silence } : {}),
    };
    const vocoder = vocoderType || v['vocoder-file'] || iterations !== undefined
      ? { type: (vocoderType ?? 'griffin-lim') as VocoderType, ...(v['vocoder-file'] ? { file: v['vocoder-file'] } : {}), ...(iterations !== undefined ? { iterations } : {}) }
      : undefined;
    const common = {
      out: v.out,
      ...(v.name !== undefined ? { name: v.name } : {}), ...(v.language !== undefined ? { language: v.language } : {}),
      ...(v.quality !== undefined ? { quality: v.quality } : {}), ...(v.dataset !== undefined ? { dataset: v.dataset } : {}),
      ...(v.license !== undefined ? { license: v.license } : {}), ...(v['phone-set'] !== undefined ? { phoneSet: v['phone-set'] } : {}),
      ...(v.notes !== undefined ? { notes: v.notes } : {}), ...(v.force ? { force: true } : {}),
      ...(v['keep-stress'] ? { stressPolicy: {} } : {}), ...(Object.keys(inference).length ? { inference } : {}),
      ...(vocoder ? { vocoder } : {}),
      ...(v.speakers !== undefined ? { speakers: speakerList(v.speakers) } : {}),
    };
    let result;
    if (v.random) {
      const text = await readTextInput(v.random, 'config');
      let config: Record<string, unknown>;
      try {
        config = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        throw new CliError(`${v.random}: not valid JSON (${(e as Error).message})`);
      }
      parseHparams(config, v.random); // errors name the file and the key
      result = makeRandomVoice(v.out, config, common);
    } else {
      const model = existsSync(input!) && statSync(input!).isDirectory() ? join(input!, 'model.safetensors') : input!;
      if (!existsSync(model)) throw new CliError(`${model}: not found (train first: prodiff train ... --out RUN)`);
      result = packageVoice({ ...common, model, ...(model !== input ? { run: input! } : {}) } as PackageVoiceOptions);
    }
    process.stdout.write(`wrote ${result.dir} (voice '${result.config.name}', ${result.config.schedule.timesteps} steps, vocoder ${result.config.vocoder.type})\n`);
    return 0;
  },
};
