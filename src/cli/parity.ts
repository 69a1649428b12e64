import { allRunners, casePassed, runParity } from '../parity/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { Command } from './command.js';

const USAGE = `usage: prodiff parity DIR [DIR...]

Runs every case of each folder (manifest.json + safetensors) and prints one line per case.
`;

export const parityCommand: Command = {
  summary: 'run golden reference cases: prodiff parity DIR [DIR...]',
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {});
    if (!p) return 0;
    if (p.positionals.length === 0) throw new UsageError('give at least one DIR of cases');
    let ok = true;
    for (const dir of p.positionals) {
      const results = await runParity(dir, allRunners, (line) => process.stdout.write(`${line}\n`));
      ok &&= results.every(casePassed);
    }
    return ok ? 0 : 1;
  },
};
