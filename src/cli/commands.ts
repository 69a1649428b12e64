import type { Command } from './command.js';
import { parityCommand } from './parity.js';

/** Every sub-command, by name. Each lives in its own module under src/cli/. */
export const commands: Record<string, Command> = {
  parity: parityCommand,
  convert: { summary: 'official checkpoint (.ckpt, zip or legacy) -> safetensors weights', run: async (a) => (await import('./convert.js')).run(a) },
  export: { summary: 'write the inference graphs as plain ONNX files (WEIGHTS --out DIR)', run: async (a) => (await import('./export.js')).run(a) },
  features: { summary: 'compute log-mel, energy and pitch of a WAV (--png, --out)', run: async (a) => (await import('./features.js')).run(a) },
};
