// `prodiff convert official.ckpt out.safetensors`: reads an official ProDiff checkpoint (PyTorch's
// zip or legacy format, without Python and without executing any pickled code) and writes the
// weights under their official key names, with the hparams needed to rebuild the model.
import { convertProDiffCheckpointFile } from '../model/checkpoint.js';
import { CliError, numberFlag, parseCommandArgs, UsageError } from './args.js';
import { readTextInput, requireInput } from './io.js';

const USAGE = `usage: prodiff convert CHECKPOINT.ckpt OUT.safetensors [options]
  --config FILE      the run's config.yaml (top-level scalar keys are read: num_heads, f0_mean, ...)
  --hparams JSON     hparams as a JSON object (override the config and the checkpoint's own)
  --f0-mean HZ       training-set f0 mean (train_f0s_mean_std.npy), when no config has it
  --f0-std HZ        training-set f0 standard deviation
  --num-heads N      attention heads (shapes cannot tell; official 2)
  --no-teacher       leave out a student checkpoint's teacher denoiser
  --speaker-map FILE the binarizer's spk_map.json ({"name": id}) of a multi-speaker checkpoint: names by id
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

/** The official spk_map.json ({"name": id, ...}, ids 0..n-1) -> names by id. */
export function speakersFromSpkMap(text: string, source: string): string[] {
  let j: unknown;
  try { j = JSON.parse(text); } catch (e) { throw new CliError(`${source}: not JSON (${(e as Error).message})`); }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new CliError(`${source}: expected a JSON object {"speaker name": id, ...}`);
  const entries = Object.entries(j as Record<string, unknown>);
  const names = new Array<string | undefined>(entries.length);
  for (const [name, id] of entries) {
    if (!(typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < entries.length)) throw new CliError(`${source}: speaker '${name}' has id ${JSON.stringify(id)}; ids must be the integers 0..${entries.length - 1}`);
    if (names[id] !== undefined) throw new CliError(`${source}: speakers '${names[id]}' and '${name}' share id ${id}`);
    names[id] = name;
  }
  return names as string[];
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--hifigan')) return (await import('./convert-hifigan.js')).run(args);
  const p = parseCommandArgs(args, USAGE, {
    config: { type: 'string' }, hparams: { type: 'string' }, 'f0-mean': { type: 'string' }, 'f0-std': { type: 'string' },
    'num-heads': { type: 'string' }, 'no-teacher': { type: 'boolean', default: false }, 'speaker-map': { type: 'string' },
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
  if (p.values['speaker-map']) hp.speakers = speakersFromSpkMap(await readTextInput(p.values['speaker-map'], 'speaker map'), p.values['speaker-map']);
  const r = convertProDiffCheckpointFile(input, output, { hparams: hp, teacher: !p.values['no-teacher'] });
  const h = r.hparams;
  process.stdout.write(
    `${input}: ${r.tensors.size} tensors -> ${output}\n` +
    `  encoder: vocab ${String(h.vocab_size)}, hidden ${String(h.hidden_size)}, ${String(h.enc_layers)} layers, ${String(h.num_heads)} heads; ` +
    `denoiser: ${String(h.residual_layers)} x ${String(h.residual_channels)}; ${String(h.timesteps)} steps at time scale ${String(h.timescale)} (teacher ${String(h.teacher_steps)})\n` +
    (h.use_spk_id ? `  speakers: ${String(h.num_spk)}${Array.isArray(h.speakers) ? ` (${(h.speakers as string[]).join(', ')})` : ' (no names: give --speaker-map spk_map.json)'}\n` : '') +
    (h.use_spk_embed ? '  speakers: an external 256-value speaker embedding per call (use_spk_embed)\n' : '') +
    (r.dropped.length ? `  left out (dummy or empty): ${r.dropped.join(', ')}\n` : '') +
    r.notes.map((n) => `  note: ${n}\n`).join(''),
  );
  return 0;
}
