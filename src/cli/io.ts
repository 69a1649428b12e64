// Files named on the command line: '-' is standard input (for text) or standard output (for
// outputs); errors name the path as the user gave it, on one line.
import { closeSync, constants, accessSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../engine/atomic.js';
import { fsErrorReason } from '../util/fs-errors.js';
import { CliError } from './args.js';

/** All of standard input as UTF-8, failing past `maxBytes`. */
export async function readStdinText(maxBytes = Infinity): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    n += (c as Buffer).length;
    if (n > maxBytes) throw new CliError(`text too long: more than ${maxBytes} bytes on standard input`);
  }
  return utf8Text(Buffer.concat(chunks), 'standard input');
}

/** Bytes as UTF-8 text (a leading BOM dropped); anything else is an error naming `where`, not silent U+FFFDs. */
function utf8Text(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let ok = 0;
    // The first offending byte, for the message: the longest prefix that decodes.
    for (let lo = 0, hi = bytes.length; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      try { new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid)); ok = mid; lo = mid + 1; } catch { hi = mid - 1; }
    }
    throw new CliError(`${where}: not UTF-8 text (invalid byte 0x${bytes[ok]?.toString(16).padStart(2, '0') ?? '??'} at offset ${ok}); save it as UTF-8`);
  }
}

/** A text input file ('-' = standard input); `what` names it in errors ("sentences file"). */
export async function readTextInput(path: string, what: string, maxBytes = Infinity): Promise<string> {
  if (path === '-') return readStdinText(maxBytes);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new CliError(`${path}: is a directory, not a ${what}`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${path}: cannot read the ${what} (${fsErrorReason(e)})`);
  }
  if (size > maxBytes) throw new CliError(`${path}: ${what} too long (${size} bytes)`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CliError(`${path}: cannot read the ${what} (${fsErrorReason(e)})`);
  }
  return utf8Text(bytes, `${path}: ${what}`);
}

/** An input file or folder that must exist (one-line error otherwise). */
export function requireInput(path: string, what: string): void {
  try {
    statSync(path);
  } catch (e) {
    throw new CliError(`${path}: cannot read the ${what} (${fsErrorReason(e)})`);
  }
}

/**
 * Fails early (before any work) when a file cannot be created at `path`: it tries, with a probe
 * file next to it, what the atomic write will do.
 */
export function checkWritable(path: string, what: string): void {
  if (path === '-') return;
  const abs = resolve(path);
  try {
    if (statSync(abs).isDirectory()) throw new CliError(`${path}: is a directory, cannot write the ${what} there`);
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
  const dir = dirname(abs);
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
    const probe = `${abs}.${process.pid}.probe.tmp`;
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw new CliError(`${path}: cannot write the ${what} (directory ${dir}: ${fsErrorReason(e)})`);
  }
}

/** Writes to standard output, resolving once the bytes are handed over. */
export function writeStdout(bytes: Uint8Array | string): Promise<void> {
  return new Promise((res, rej) => {
    process.stdout.write(bytes, (err) => (err ? rej(err) : res()));
  });
}

/** An output: standard output for '-', else the file, written atomically. */
export async function writeOutput(path: string, data: Uint8Array | string): Promise<void> {
  if (path === '-') return writeStdout(data);
  writeFileAtomic(path, data);
}
