import type { Command } from './command.js';
import { phonemize } from './phonemize.js';

/** Every sub-command, by name. Each lives in its own module under src/cli/. */
export const commands: Record<string, Command> = {
  phonemize,
};
