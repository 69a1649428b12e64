// Packages a training run (RUN/model.safetensors, or any ProDiff weights) into a voice directory:
// voice.json, model.safetensors, optional vocoder weights, MODEL_CARD.md.
//
//   npm run build && node dist/scripts/make-voice.js RUN --out voices/en_US-festival-small \
//     --dataset "Festival kal_diphone, 2,000 public-domain sentences" --license "..." [--vocoder-file F --vocoder-type vocos]
//
// With --random CONFIG.json instead of RUN it makes a random-weight voice of that size (timing only).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageVoice, type PackageVoiceOptions } from '../src/voice/package.js';
import { makeRandomVoice } from '../src/voice/random.js';
import { VOCODER_TYPES, type VocoderType } from '../src/voice/config.js';

const USAGE = `usage: node dist/scripts/make-voice.js RUN|WEIGHTS --out DIR [options]
       node dist/scripts/make-voice.js --random CONFIG.json --out DIR [options]

  RUN                    a training run directory (model.safetensors, config.json, log.jsonl)
  WEIGHTS                a .safetensors file (prodiff train or prodiff convert output)
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
  --keep-stress          do not map stress 2 to 1 (for models trained on all three stress levels)
  --length-scale X       default duration scale
  --sentence-silence S   default silence between sentences (seconds)
  --notes TEXT           appended to the model card
  --force                replace an existing voice directory
`;

function main(argv: string[]): number {
  const o: Partial<PackageVoiceOptions> & { vocoderType?: VocoderType; vocoderFile?: string; gl?: number } = {};
  let input: string | undefined;
  let random: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    switch (a) {
      case '-h': case '--help': process.stdout.write(USAGE); return 0;
      case '--out': o.out = v(); break;
      case '--name': o.name = v(); break;
      case '--language': o.language = v(); break;
      case '--quality': o.quality = v(); break;
      case '--dataset': o.dataset = v(); break;
      case '--license': o.license = v(); break;
      case '--phone-set': o.phoneSet = v(); break;
      case '--vocoder-type': {
        const t = v();
        if (!(VOCODER_TYPES as readonly string[]).includes(t)) throw new Error(`--vocoder-type: '${t}' is not one of ${VOCODER_TYPES.join(', ')}`);
        o.vocoderType = t as VocoderType;
        break;
      }
      case '--vocoder-file': o.vocoderFile = v(); break;
      case '--gl-iterations': o.gl = Number(v()); break;
      case '--keep-stress': o.stressPolicy = {}; break;
      case '--length-scale': o.inference = { ...o.inference, length_scale: Number(v()) }; break;
      case '--sentence-silence': o.inference = { ...o.inference, sentence_silence: Number(v()) }; break;
      case '--notes': o.notes = v(); break;
      case '--force': o.force = true; break;
      case '--random': random = v(); break;
      default:
        if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
        if (input) throw new Error('give one RUN or WEIGHTS');
        input = a;
    }
  }
  if (!o.out) throw new Error('--out DIR is required');
  const vocoder = o.vocoderType || o.vocoderFile || o.gl !== undefined
    ? { type: o.vocoderType ?? 'griffin-lim', ...(o.vocoderFile ? { file: o.vocoderFile } : {}), ...(o.gl !== undefined ? { iterations: o.gl } : {}) }
    : undefined;
  const common = { ...o, out: o.out, ...(vocoder ? { vocoder } : {}) };
  delete (common as Record<string, unknown>).vocoderType;
  delete (common as Record<string, unknown>).vocoderFile;
  delete (common as Record<string, unknown>).gl;
  let result;
  if (random) {
    const config = JSON.parse(readFileSync(random, 'utf8')) as Record<string, unknown>;
    result = makeRandomVoice(o.out, config, common);
  } else {
    if (!input) throw new Error('give a training run directory or a weights file');
    const model = existsSync(input) && statSync(input).isDirectory() ? join(input, 'model.safetensors') : input;
    if (!existsSync(model)) throw new Error(`${model}: not found (train first: prodiff train ... --out RUN)`);
    result = packageVoice({ ...common, model, ...(model !== input ? { run: input } : {}) } as PackageVoiceOptions);
  }
  process.stdout.write(`wrote ${result.dir} (voice '${result.config.name}', ${result.config.schedule.timesteps} steps, vocoder ${result.config.vocoder.type})\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`make-voice: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
