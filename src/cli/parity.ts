import { allRunners, casePassed, runParity } from '../parity/index.js';
import type { Command } from './command.js';

export const parityCommand: Command = {
  summary: 'run golden reference cases: prodiff parity DIR [DIR...]',
  async run(args) {
    if (args.length === 0 || args.includes('--help')) {
      process.stderr.write('usage: prodiff parity DIR [DIR...]\n  Runs every case of each folder (manifest.json + safetensors) and prints one line per case.\n');
      return args.length === 0 ? 2 : 0;
    }
    let ok = true;
    for (const dir of args) {
      const results = await runParity(dir, allRunners, (line) => process.stdout.write(`${line}\n`));
      ok &&= results.every(casePassed);
    }
    return ok ? 0 : 1;
  },
};
