// A minimal, read-only zip reader over an in-memory buffer: the central directory (with ZIP64),
// stored and deflated entries, CRC-32 checks. Enough for PyTorch's archives (which store every
// entry uncompressed) with exact error messages, and stored entries come back as zero-copy views.
import * as zlib from 'node:zlib';

export class ZipError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

/** True when the bytes start like a zip archive (a local file header or an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24);
  return sig >>> 0 === SIG_LOCAL || sig >>> 0 === SIG_EOCD;
}

let crcTable: Uint32Array | undefined;
function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  if (typeof native === 'function') return native(data) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly source = '<zip>') {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  private fail(problem: string): never {
    throw new ZipError(this.source, problem);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  private u64(at: number): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`zip field ${v} is too large`);
    return Number(v);
  }

  private readCentralDirectory(): void {
    const n = this.bytes.length;
    if (n < 22) this.fail(`truncated zip archive (${n} bytes, no end-of-central-directory record)`);
    let eocd = -1;
    for (let i = n - 22; i >= Math.max(0, n - 22 - 0xffff); i--) {
      if (this.u32(i) === SIG_EOCD) { eocd = i; break; }
    }
    if (eocd < 0) this.fail('truncated or corrupt zip archive: no end-of-central-directory record (was the file cut short?)');
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || this.u32(loc) !== SIG_ZIP64_LOCATOR) this.fail('corrupt zip archive: ZIP64 locator missing');
      const rec = this.u64(loc + 8);
      if (rec + 56 > n || this.u32(rec) !== SIG_ZIP64_EOCD) this.fail('corrupt zip archive: ZIP64 end-of-central-directory record missing');
      count = this.u64(rec + 32);
      cdSize = this.u64(rec + 40);
      cdOffset = this.u64(rec + 48);
    }
    if (cdOffset + cdSize > n) this.fail(`truncated zip archive: central directory [${cdOffset}, ${cdOffset + cdSize}) lies past the end (${n} bytes)`);
    let p = cdOffset;
    for (let k = 0; k < count; k++) {
      if (p + 46 > n || this.u32(p) !== SIG_CENTRAL) this.fail(`corrupt zip archive: central directory entry ${k} is damaged`);
      const method = this.u16(p + 10);
      const crc = this.u32(p + 16);
      let compressedSize = this.u32(p + 20);
      let size = this.u32(p + 24);
      const nameLen = this.u16(p + 28);
      const extraLen = this.u16(p + 30);
      const commentLen = this.u16(p + 32);
      let localHeaderOffset = this.u32(p + 42);
      if (p + 46 + nameLen + extraLen > n) this.fail(`corrupt zip archive: central directory entry ${k} runs past the end`);
      const name = new TextDecoder().decode(this.bytes.subarray(p + 46, p + 46 + nameLen));
      // ZIP64 extended information: the fields that are 0xffffffff, in this order.
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = this.u16(e);
        const len = this.u16(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) { size = this.u64(q); q += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = this.u64(q); q += 8; }
          if (localHeaderOffset === 0xffffffff) { localHeaderOffset = this.u64(q); }
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, crc32: crc, localHeaderOffset });
      p = eEnd + commentLen;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entry's contents (a view into the archive for stored entries), CRC-checked. */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) this.fail(`zip archive has no entry '${name}'`);
    const h = e.localHeaderOffset;
    if (h + 30 > this.bytes.length || this.u32(h) !== SIG_LOCAL) this.fail(`corrupt zip archive: local header of '${name}' is damaged`);
    const start = h + 30 + this.u16(h + 26) + this.u16(h + 28);
    const end = start + e.compressedSize;
    if (end > this.bytes.length) this.fail(`truncated zip archive: entry '${name}' ends at byte ${end} but the file has ${this.bytes.length}`);
    const raw = this.bytes.subarray(start, end);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        // At most the size the directory declares: a zip bomb stops there instead of filling memory.
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
      } catch (err) {
        this.fail(`corrupt zip archive: entry '${name}' does not inflate (${(err as Error).message})`);
      }
    } else this.fail(`zip entry '${name}' uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    if (data.length !== e.size) this.fail(`corrupt zip archive: entry '${name}' has ${data.length} bytes, the directory says ${e.size}`);
    if (crc32(data) !== e.crc32) this.fail(`corrupt zip archive: CRC-32 mismatch in entry '${name}'`);
    return data;
  }
}
