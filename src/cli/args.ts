// The one argument parser of every command: node:util parseArgs in strict mode, with --help/-h
// added, and parse errors turned into one-line UsageErrors that name the flag as typed.
import { parseArgs } from 'node:util';

/** A bad command line: main prints the message on one line and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure with a message fit for the user as it is (no stack trace): main exits with 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

type OptionsConfig = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;
type OptionValue<C> = C extends { type: 'boolean' } ? boolean : string;

/** What parseCommandArgs gives: each option's value (undefined when not given and no default) and the other arguments. */
export interface ParsedCommandLine<O extends OptionsConfig> {
  values: { [K in keyof O]?: OptionValue<O[K]> };
  positionals: string[];
}
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** The parsed command line, or null when --help was given (the usage is then on stdout). */
export function parseCommandArgs<const O extends OptionsConfig>(
  args: string[],
  usage: string,
  options: O,
  o: { maxPositionals?: number } = {},
): ParsedCommandLine<O> | null {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, options), options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(describeParseError(e as Error & { code?: string }, options));
  }
  if (parsed.values.help) {
    process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    return null;
  }
  const max = o.maxPositionals ?? Infinity;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]!;
    throw new UsageError(max === 0 ? `unexpected argument '${extra}' (this command takes options only)` : `unexpected argument '${extra}'`);
  }
  return parsed as ParsedCommandLine<O>;
}

/**
 * `--pitch -2` as `--pitch=-2`: parseArgs would take the negative number for an option, and
 * numbers are the only values starting with '-' that people type without '='.
 */
function joinNegativeValues(args: string[], options: OptionsConfig): string[] {
  const takesValue = (arg: string): boolean => {
    if (arg.startsWith('--')) return options[arg.slice(2)]?.type === 'string';
    if (/^-[A-Za-z]$/.test(arg)) return Object.values(options).some((o) => o.short === arg[1] && o.type === 'string');
    return false;
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (next !== undefined && takesValue(arg) && /^-(\d|\.\d)/.test(next)) {
      out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** node:util's messages are long and sometimes several sentences; this keeps the flag and the problem. */
function describeParseError(e: Error & { code?: string }, options: OptionsConfig): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.replace(/ <value>$/, '');
      const name = /--([\w-]+)/.exec(flag)?.[1] ?? '';
      if (options[name]?.type === 'boolean') return `${flag} takes no value`;
      return /ambiguous/.test(e.message) ? `${flag} needs a value (one starting with '-' is written ${flag}=VALUE)` : `${flag} needs a value`;
    }
    default:
      return e.message.split(/\.\s/)[0]!.replace(/\.$/, '');
  }
}

/** A number-valued flag: `--name` must hold a finite number (an integer if asked) in [min, max]. */
export function numberFlag(name: string, value: string, o: { integer?: boolean; min?: number; max?: number } = {}): number {
  const x = Number(value);
  const what = o.integer ? 'an integer' : 'a number';
  if (value.trim() === '' || !Number.isFinite(x) || (o.integer && !Number.isInteger(x))) throw new UsageError(`--${name}: '${value}' is not ${what}`);
  if ((o.min !== undefined && x < o.min) || (o.max !== undefined && x > o.max)) {
    if (o.integer && o.min === 1 && o.max === undefined) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
    const range = o.max === undefined ? `>= ${o.min}` : o.min === undefined ? `<= ${o.max}` : `in [${o.min}, ${o.max}]`;
    throw new UsageError(`--${name} must be ${what} ${range}, got '${value}'`);
  }
  return x;
}

/** The optional number flag, or undefined when not given. */
export function optionalNumberFlag(name: string, value: string | undefined, o: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  return value === undefined ? undefined : numberFlag(name, value, o);
}
