import type { Command } from './command.js';

/** Every sub-command, by name. Each lives in its own module under src/cli/. */
export const commands: Record<string, Command> = {};
