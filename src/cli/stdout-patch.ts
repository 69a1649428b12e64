// A streamed file on standard output gets its real header once the stream ends, when standard
// output is a regular file opened without O_APPEND (`> out.wav`): header patches are written at
// their offsets. A pipe or terminal keeps the streaming header ("unknown length"), which readers
// of a pipe read to its end.
import { fstatSync, readFileSync, writeSync } from 'node:fs';
import type { HeaderPatch } from '../audio/encode/index.js';

const O_APPEND = 0o2000;

/**
 * Where in fd 1 the stream that wrote `written` bytes began, when fd 1 is a regular file that
 * positional writes reach (Linux: not O_APPEND); undefined otherwise.
 */
function streamStart(written: number): number | undefined {
  try {
    if (!fstatSync(1).isFile()) return undefined;
    const info = readFileSync('/proc/self/fdinfo/1', 'utf8');
    const flags = /^flags:\s*([0-7]+)/m.exec(info);
    const pos = /^pos:\s*(\d+)/m.exec(info);
    if (!flags || !pos || (parseInt(flags[1]!, 8) & O_APPEND) !== 0) return undefined;
    const start = Number(pos[1]) - written;
    return start >= 0 ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Applies the patches to standard output when it is such a file; returns whether it did. */
export function patchStdout(patches: HeaderPatch[], written: number): boolean {
  const start = patches.length ? streamStart(written) : undefined;
  if (start === undefined) return false;
  for (const p of patches) writeSync(1, p.bytes, 0, p.bytes.length, start + p.offset);
  return true;
}
