// A streamed audio file: bytes go to a temporary file next to the target, the header patches
// (exact sizes) are written over its start at the end, and it is renamed into place; abort()
// leaves nothing. Errors name the target, never the temporary file.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { writeError } from '../../util/fs-errors.js';
import type { HeaderPatch } from './index.js';

export class StreamFileWriter {
  private readonly tmp: string;
  private fd: number;

  constructor(readonly path: string) {
    this.tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw writeError(path, e);
    }
  }

  write(b: Uint8Array): void {
    if (this.fd < 0) throw new Error(`${this.path}: the writer is closed`);
    try {
      let n = 0;
      while (n < b.length) n += writeSync(this.fd, b, n, b.length - n);
    } catch (e) {
      this.abort();
      throw writeError(this.path, e);
    }
  }

  finish(patches: HeaderPatch[]): void {
    try {
      for (const p of patches) writeSync(this.fd, p.bytes, 0, p.bytes.length, p.offset);
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
      renameSync(this.tmp, this.path);
    } catch (e) {
      this.abort();
      throw writeError(this.path, e);
    }
  }

  abort(): void {
    if (this.fd >= 0) {
      try { closeSync(this.fd); } catch { /* closed */ }
      this.fd = -1;
    }
    try { unlinkSync(this.tmp); } catch { /* gone */ }
  }
}
