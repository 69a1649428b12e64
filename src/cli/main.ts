#!/usr/bin/env node
// prodiff command-line entry: a table of sub-commands, each in its own module.
import { readFileSync } from 'node:fs';
import { fsErrorReason, isFsError } from '../util/fs-errors.js';
import { needsAllocatorSettings, rerunWithAllocatorSettings } from './allocator.js';
import { CliError, UsageError } from './args.js';
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
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--device') {
      if (i + 1 >= argv.length) throw new UsageError('--device needs a value (cpu or cuda)');
      name = argv[++i]!;
      source = '--device';
    } else if (arg.startsWith('--device=')) {
      name = arg.slice('--device='.length);
      source = '--device';
    } else rest.push(arg);
  }
  if (name !== undefined) {
    // Loaded only when asked for: it loads ONNX Runtime, which --help and --version do not need.
    const { parseDevice, probeDevice, setDefaultDevice } = await import('../engine/device.js');
    let device;
    try {
      device = parseDevice(name, source);
    } catch (e) {
      throw source === '--device' ? new UsageError((e as Error).message) : e;
    }
    const probe = await probeDevice(device);
    if (!probe.available) throw new CliError(`${source} ${device}: not available here: ${probe.reason}`);
    setDefaultDevice(device);
  }
  return rest;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(13)} ${c.summary}`);
  return `usage: prodiff <command> [options]     (prodiff <command> --help for a command's options)

commands:
${lines.join('\n')}

global options:
  --device cpu|cuda  where ONNX Runtime runs the model (default cpu; also $PRODIFF_DEVICE)
  -h, --help         this help
  -V, --version      the version of prodiff
`;
}

/** The command's name, for messages; set once it is known. */
let commandName = '';

async function main(args: string[]): Promise<number> {
  const argv = await applyDevice(args);
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`prodiff ${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    if (rest[0] === undefined) { process.stdout.write(usage()); return 0; }
    return main([rest[0], '--help']);
  }
  if (!name) {
    process.stderr.write(usage());
    return 2;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command '${name}' (prodiff --help lists them)`);
  commandName = name;
  if (TRAINING_COMMANDS.has(name) && !rest.some((a) => a === '--help' || a === '-h') && needsAllocatorSettings()) return rerunWithAllocatorSettings();
  return command.run(rest);
}

/** One line about a failure: the message as it is, file-system errors in words about their path. */
function describeFailure(err: unknown): string {
  if (isFsError(err) && err.path && err.message.startsWith(`${err.code}:`)) return `${err.path}: ${fsErrorReason(err)}`;
  if (err instanceof Error) return err.message.split('\n')[0]!;
  return String(err);
}

// A reader that goes away (`prodiff say ... -o - | head -c 1000`) is not a failure of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`prodiff: standard output: ${fsErrorReason(err)}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    const prefix = commandName ? `prodiff ${commandName}` : 'prodiff';
    if ((err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') { process.exitCode = 0; return; }
    if (err instanceof UsageError) {
      const hint = commandName ? ` (prodiff ${commandName} --help for usage)` : '';
      process.stderr.write(`${prefix}: ${err.message}${hint}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${prefix}: ${describeFailure(err)}\n`);
    if (process.env.PRODIFF_DEBUG && err instanceof Error && !(err instanceof CliError)) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
