// `prodiff convert official.ckpt out.safetensors`: reads an official ProDiff checkpoint (PyTorch's
// zip or legacy format, without Python and without executing any pickled code) and writes the
// weights under their official key names, with the hparams needed to rebuild the model.
import { convertProDiffCheckpointFile } from '../model/checkpoint.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import { readTextInput, requireInput } from './io.js';

const USAGE = `usage: prodiff convert CHECKPOINT.ckpt OUT.safetensors [options]
  --config FILE      the run's config.yaml (top-level scalar keys are read: num_heads, f0_mean, ...)
  --hparams JSON     hparams as a JSON object (override the config and the checkpoint's own)
  --f0-mean HZ       training-set f0 mean (train_f0s_mean_std.npy), when no config has it
  --f0-std HZ        training-set f0 standard deviation
  --num-heads N      attention heads (shapes cannot tell; official 2)
  --no-teacher       leave out a student checkpoint's teacher denoiser
       prodiff convert --hifigan GENERATOR.pt OUT.safetensors [--config config.json]  (official HiFi-GAN generator)`;

/** Top-level `key: scalar` lines of a YAML file (enough for the official config.yaml's numbers and flags). */
export function readFlatYaml(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^([A-Za-z_][\w.-]*):[ \t]*(.*?)[ \t]*$/.exec(raw);
    if (!m || m[1] === '__proto__') continue;
    const [, key, value] = m as unknown as [string, string, string];
    const v = value.replace(/[ \t]+#.*$/, '');
    if (v === '' || v === '|' || v === '>') continue; // a block follows: not a scalar
    if (/^(true|True)$/.test(v)) out[key] = true;
    else if (/^(false|False)$/.test(v)) out[key] = false;
    else if (/^(null|~|None)$/.test(v)) out[key] = null;
    else if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) out[key] = Number(v);
    else if (/^'.*'$/.test(v)) out[key] = v.slice(1, -1).replace(/''/g, "'");
    else if (/^".*"$/.test(v)) { try { out[key] = JSON.parse(v); } catch { out[key] = v.slice(1, -1); } }
    else if (/^\[.*\]$/.test(v)) { try { out[key] = JSON.parse(v.replace(/'/g, '"')); } catch { /* not a simple list */ } }
    else out[key] = v;
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--hifigan')) return (await import('./convert-hifigan.js')).run(args);
  const p = parseCommandArgs(args, USAGE, {
    config: { type: 'string' }, hparams: { type: 'string' }, 'f0-mean': { type: 'string' }, 'f0-std': { type: 'string' },
    'num-heads': { type: 'string' }, 'no-teacher': { type: 'boolean', default: false },
  }, { maxPositionals: 2 });
  if (!p) return 0;
  const [input, output] = p.positionals;
  if (!input || !output) throw new UsageError('expected CHECKPOINT and OUT');
  requireInput(input, 'checkpoint');
  const hp: Record<string, unknown> = {};
  if (p.values.config) Object.assign(hp, readFlatYaml(await readTextInput(p.values.config, 'config')));
  if (p.values.hparams) {
    let j: unknown;
    try { j = JSON.parse(p.values.hparams); } catch (e) { throw new UsageError(`--hparams is not JSON (${(e as Error).message})`); }
    if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new UsageError('--hparams must be a JSON object');
    for (const [k, v] of Object.entries(j)) if (k !== '__proto__') hp[k] = v;
  }
  const numbers: [string, string][] = [['f0-mean', 'f0_mean'], ['f0-std', 'f0_std'], ['num-heads', 'num_heads']];
  for (const [opt, key] of numbers) {
    const v = p.values[opt as 'f0-mean'];
    if (v !== undefined) hp[key] = numberFlag(opt, v);
  }
  const r = convertProDiffCheckpointFile(input, output, { hparams: hp, teacher: !p.values['no-teacher'] });
  const h = r.hparams;
  process.stdout.write(
    `${input}: ${r.tensors.size} tensors -> ${output}\n` +
    `  encoder: vocab ${String(h.vocab_size)}, hidden ${String(h.hidden_size)}, ${String(h.enc_layers)} layers, ${String(h.num_heads)} heads; ` +
    `denoiser: ${String(h.residual_layers)} x ${String(h.residual_channels)}; ${String(h.timesteps)} steps at time scale ${String(h.timescale)} (teacher ${String(h.teacher_steps)})\n` +
    (r.dropped.length ? `  left out (dummy or empty): ${r.dropped.join(', ')}\n` : '') +
    r.notes.map((n) => `  note: ${n}\n`).join(''),
  );
  return 0;
}
