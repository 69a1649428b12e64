// `prodiff convert --hifigan generator.pt out.safetensors [--config config.json]`: an official
// HiFi-GAN generator checkpoint (jik876/hifi-gan: {'generator': state_dict}, weight norm) ->
// folded weights under the official names, with the configuration in the safetensors metadata.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { convertHifiganCheckpointFile, hifiganConfigFromJson, hifiganHop, type HifiganConfig } from '../model/hifigan.js';

const USAGE = `usage: prodiff convert --hifigan GENERATOR.pt OUT.safetensors [--config config.json]
  --config FILE   the official config.json (needed when the shapes cannot tell the dilations or rates)
  --mel-log ln|log10  the log base the generator was trained on (official models: ln, the default)`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { process.stdout.write(`${USAGE}\n`); return 0; }
  let p;
  try {
    p = parseArgs({ args, allowPositionals: true, strict: true, options: { hifigan: { type: 'boolean' }, config: { type: 'string' }, 'mel-log': { type: 'string' } } });
  } catch (e) {
    process.stderr.write(`prodiff convert --hifigan: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [input, output, ...extra] = p.positionals;
  if (!input || !output || extra.length > 0) { process.stderr.write(`prodiff convert --hifigan: expected GENERATOR and OUT\n${USAGE}\n`); return 2; }
  const melLog = p.values['mel-log'];
  if (melLog !== undefined && melLog !== 'ln' && melLog !== 'log10') { process.stderr.write('prodiff convert --hifigan: --mel-log must be ln or log10\n'); return 2; }
  let cfg: HifiganConfig | undefined;
  try {
    if (p.values.config) cfg = hifiganConfigFromJson(JSON.parse(readFileSync(p.values.config, 'utf-8')) as Record<string, unknown>, p.values.config);
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
