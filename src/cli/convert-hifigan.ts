// `prodiff convert --hifigan generator.pt out.safetensors [--config config.json]`: an official
// HiFi-GAN generator checkpoint (jik876/hifi-gan: {'generator': state_dict}, weight norm) ->
// folded weights under the official names, with the configuration in the safetensors metadata.
import { convertHifiganCheckpointFile, hifiganConfigFromJson, hifiganHop, type HifiganConfig } from '../model/hifigan.js';
import { parseCommandArgs, UsageError } from './args.js';
import { readTextInput, requireInput } from './io.js';

const USAGE = `usage: prodiff convert --hifigan GENERATOR.pt OUT.safetensors [--config config.json]
  --config FILE   the official config.json (needed when the shapes cannot tell the dilations or rates)
  --mel-log ln|log10  the log base the generator was trained on (official models: ln, the default)`;

export async function run(args: string[]): Promise<number> {
  const p = parseCommandArgs(args, USAGE, { hifigan: { type: 'boolean' }, config: { type: 'string' }, 'mel-log': { type: 'string' } }, { maxPositionals: 2 });
  if (!p) return 0;
  const [input, output] = p.positionals;
  if (!input || !output) throw new UsageError('expected GENERATOR and OUT');
  const melLog = p.values['mel-log'];
  if (melLog !== undefined && melLog !== 'ln' && melLog !== 'log10') throw new UsageError(`--mel-log must be ln or log10, got '${melLog}'`);
  requireInput(input, 'generator checkpoint');
  const configText = p.values.config ? await readTextInput(p.values.config, 'config') : undefined;
  let cfg: HifiganConfig | undefined;
  try {
    if (p.values.config) cfg = hifiganConfigFromJson(JSON.parse(configText!) as Record<string, unknown>, p.values.config);
    if (cfg && melLog) cfg.melLog = melLog;
    let r = convertHifiganCheckpointFile(input, output, cfg);
    if (!cfg && melLog) r = convertHifiganCheckpointFile(input, output, { ...r.config, melLog });
    const c = r.config;
    process.stdout.write(
      `${input}: ${r.params.values.size} tensors (weight norm folded) -> ${output}\n` +
      `  ${c.mels} mels, ${c.upsampleInitialChannel} channels, rates [${c.upsampleRates.join(',')}] (hop ${hifiganHop(c)}), ` +
      `resblock ${c.resblock} kernels [${c.resblockKernelSizes.join(',')}] dilations ${JSON.stringify(c.resblockDilationSizes)}, ${c.melLog ?? 'ln'} mel\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`prodiff convert --hifigan: ${(e as Error).message}\n`);
    return 1;
  }
}
