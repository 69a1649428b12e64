#!/usr/bin/env node
// prodiff command-line entry: a table of sub-commands, each in its own module.
import { commands } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`prodiff: unknown command '${name}'\n`);
    printUsage();
    return 2;
  }
  return command.run(rest);
}

function printUsage(): void {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  process.stderr.write(`usage: prodiff <command> [options]\n\ncommands:\n${lines.join('\n')}\n`);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`prodiff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
