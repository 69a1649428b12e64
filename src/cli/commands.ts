import type { Command } from './command.js';
import { parityCommand } from './parity.js';

/** Every sub-command, by name. Each lives in its own module under src/cli/. */
export const commands: Record<string, Command> = {
  parity: parityCommand,
  'train-vocoder': { summary: 'train the Vocos-style vocoder (GAN) on a folder of WAV files; resumable', run: async (a) => (await import('./train-vocoder.js')).run(a) },
  features: { summary: 'compute log-mel, energy and pitch of a WAV (--png, --out)', run: async (a) => (await import('./features.js')).run(a) },
};
