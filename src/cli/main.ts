#!/usr/bin/env node
// prodiff command-line entry: a table of sub-commands, each in its own module.
import { parseDevice, probeDevice, setDefaultDevice } from '../engine/device.js';
import { needsAllocatorSettings, rerunWithAllocatorSettings } from './allocator.js';
import { commands } from './commands.js';

/** Commands that run training steps (see allocator.ts). */
const TRAINING_COMMANDS = new Set(['train', 'distill', 'train-vocoder']);

/**
 * Takes the global `--device cpu|cuda` (anywhere on the line, or $PRODIFF_DEVICE) out of the
 * arguments and makes it the default for every ORT session the command creates.
 */
async function applyDevice(argv: string[]): Promise<string[]> {
  let name = process.env.PRODIFF_DEVICE || undefined;
  let source = '$PRODIFF_DEVICE';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--device') {
      if (i + 1 >= argv.length) throw new Error('--device needs a value (cpu or cuda)');
      name = argv[++i]!;
      source = '--device';
    } else if (arg.startsWith('--device=')) {
      name = arg.slice('--device='.length);
      source = '--device';
    } else rest.push(arg);
  }
  if (name !== undefined) {
    const device = parseDevice(name, source);
    const probe = await probeDevice(device);
    if (!probe.available) throw new Error(`${source} ${device}: not available here: ${probe.reason}`);
    setDefaultDevice(device);
  }
  return rest;
}

async function main(args: string[]): Promise<number> {
  const argv = await applyDevice(args);
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (command && TRAINING_COMMANDS.has(name) && needsAllocatorSettings()) return rerunWithAllocatorSettings();
  if (!command) {
    process.stderr.write(`prodiff: unknown command '${name}'\n`);
    printUsage();
    return 2;
  }
  return command.run(rest);
}

function printUsage(): void {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  process.stderr.write(`usage: prodiff <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nglobal options:\n  --device cpu|cuda  where ONNX Runtime runs the model (default cpu; also $PRODIFF_DEVICE)\n`);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`prodiff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
