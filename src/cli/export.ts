// `prodiff export WEIGHTS --out DIR`: writes the forward-only inference graphs (encoder + duration
// predictor, frame adaptor, one denoiser step) as plain ONNX files with their weights, plus a JSON
// description of how to drive them. Each file is written atomically.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { loadProDiffWeights } from '../model/checkpoint.js';
import { samplerSteps } from '../model/sampler.js';
import { AcousticModel } from '../model/inference.js';
import { CliError, parseCommandArgs, UsageError } from './args.js';

const USAGE = `usage: prodiff export WEIGHTS --out DIR
  WEIGHTS is a safetensors file from 'prodiff convert' (or a folder holding exactly one).
  Writes DIR/encoder.onnx, DIR/adaptor.onnx, DIR/denoiser.onnx and DIR/prodiff.json.`;

/** A weights file, or the single .safetensors file of a folder. */
function resolveWeights(path: string): string {
  if (!existsSync(path)) throw new CliError(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return path;
  const found = readdirSync(path).filter((f) => f.endsWith('.safetensors'));
  if (found.length !== 1) throw new Error(`${path}: expected one .safetensors file in the folder, found ${found.length}`);
  return join(path, found[0]!);
}

/** Writes the ONNX graphs and their description; returns the paths written. */
async function exportOnnxModels(weights: string, outDir: string): Promise<string[]> {
  const w = loadProDiffWeights(resolveWeights(weights));
  const model = await AcousticModel.create(w.cfg, w.params, w.options);
  const graphs = model.onnxModels();
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, bytes] of Object.entries(graphs)) {
    const p = join(outDir, `${name}.onnx`);
    writeFileAtomic(p, bytes);
    written.push(p);
  }
  const d = w.cfg.fs2.spkEmbedDim ?? 0;
  const speakerInputs = d > 0 ? [`spk_embed float32 [B, ${d}] (external speaker embedding)`] : w.cfg.fs2.numSpk > 0 ? [`spk_id int64 [B] (0..${w.cfg.fs2.numSpk})`] : [];
  const description = {
    format: 'prodiff-onnx/1',
    graphs: {
      encoder: { file: 'encoder.onnx', inputs: ['txt_tokens int64 [B, L]', ...speakerInputs], outputs: ['encoder_out', 'dur_log', 'dur int64 [B, L]'] },
      adaptor: { file: 'adaptor.onnx', inputs: ['encoder_out', 'txt_tokens', 'mel2ph int64 [B, T] (1-based phone index per frame, from dur)', ...speakerInputs, 'pitch_shift float32 [] (semitones)', 'energy_scale float32 []'], outputs: ['cond [B, H, T]', 'f0_denorm', '...'] },
      denoiser: { file: 'denoiser.onnx', inputs: ['x_t float32 [B, 1, M, T]', 'step int64 [B]', 'cond', 'noise float32 [B, 1, M, T]'], outputs: ['x0_pred', 'x_prev'] },
    },
    sampler: { steps: samplerSteps(w.options.numSteps, w.options.timescale), init: 'x ~ N(0, 1); then for each step: x = x_prev(x, step, cond, z ~ N(0, 1)); the mel is x as [B, T, M]' },
    mels: w.cfg.mels,
    hparams: w.hparams,
  };
  const p = join(outDir, 'prodiff.json');
  writeFileAtomic(p, `${JSON.stringify(description, null, 2)}\n`);
  written.push(p);
  return written;
}

export async function run(args: string[]): Promise<number> {
  const p = parseCommandArgs(args, USAGE, { out: { type: 'string' } }, { maxPositionals: 1 });
  if (!p) return 0;
  if (p.positionals.length !== 1 || !p.values.out) throw new UsageError('expected WEIGHTS and --out DIR');
  for (const f of await exportOnnxModels(p.positionals[0]!, p.values.out)) process.stdout.write(`wrote ${f}\n`);
  return 0;
}
