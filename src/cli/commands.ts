import type { Command } from './command.js';
import { parityCommand } from './parity.js';

/** Every sub-command, by name. Each lives in its own module under src/cli/. */
export const commands: Record<string, Command> = {
  parity: parityCommand,
};
