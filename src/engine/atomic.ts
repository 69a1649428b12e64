import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { writeError } from '../util/fs-errors.js';

/**
 * Writes a file so that readers see either the old content or the complete new one, never a part.
 * Errors name `path` (never the temporary file) and leave no temporary file behind.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw writeError(path, e);
  }
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf-8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw writeError(path, e);
  }
}
