// safetensors I/O: u64 little-endian header length, JSON header, raw little-endian tensor bytes.
// Written by hand: the format is tiny, and we need exact error messages and atomic writes.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';

export type StDType = 'F64' | 'F32' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';
export type StData = Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface StTensor {
  dtype: StDType;
  shape: number[];
  data: StData;
}

export interface SafetensorsFile {
  tensors: Map<string, StTensor>;
  metadata: Record<string, string>;
}

const BYTES: Record<StDType, number> = { F64: 8, F32: 4, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export class SafetensorsError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

function isDType(s: unknown): s is StDType {
  return typeof s === 'string' && s in BYTES;
}

function typedView(dtype: StDType, bytes: Uint8Array, count: number): StData {
  // Copy into a fresh, aligned buffer: header lengths need not be multiples of 8.
  const buf = new ArrayBuffer(count * BYTES[dtype]);
  new Uint8Array(buf).set(bytes);
  switch (dtype) {
    case 'F64': return new Float64Array(buf);
    case 'F32': return new Float32Array(buf);
    case 'I64': return new BigInt64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'I16': return new Int16Array(buf);
    case 'I8': return new Int8Array(buf);
    case 'U8': case 'BOOL': return new Uint8Array(buf);
  }
}

/** Parses a safetensors buffer; `file` names the source in error messages. */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  if (bytes.length < 8) throw new SafetensorsError(file, `truncated: ${bytes.length} bytes, no header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8 || headerLen > 100_000_000) {
    throw new SafetensorsError(file, `header length ${headerLen} exceeds the file (${bytes.length} bytes): truncated or not safetensors`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError(file, 'header is not a JSON object');
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, StTensor>();
  const spans: [number, number, string][] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw new SafetensorsError(file, '__metadata__ must be an object of strings');
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new SafetensorsError(file, `tensor '${name}': entry must be an object with dtype, shape and data_offsets (got ${JSON.stringify(entry)})`);
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDType(e.dtype)) throw new SafetensorsError(file, `tensor '${name}': unsupported dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, `tensor '${name}': bad shape ${JSON.stringify(e.shape)}`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) {
      throw new SafetensorsError(file, `tensor '${name}': bad data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count * BYTES[e.dtype])) throw new SafetensorsError(file, `tensor '${name}': shape [${e.shape}] is too large`);
    if (end < begin || end - begin !== count * BYTES[e.dtype]) {
      throw new SafetensorsError(file, `tensor '${name}': data_offsets [${begin}, ${end}] do not hold ${count} x ${e.dtype}`);
    }
    if (end > dataLen) {
      throw new SafetensorsError(file, `tensor '${name}': data ends at ${end} but only ${dataLen} data bytes exist (truncated)`);
    }
    spans.push([begin, end, name]);
    tensors.set(name, {
      dtype: e.dtype,
      shape: e.shape as number[],
      data: typedView(e.dtype, bytes.subarray(dataStart + begin, dataStart + end), count),
    });
  }
  // Two tensors sharing bytes is a corrupt (or crafted) header: the reference reader refuses it too.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < spans.length; i++) {
    const [b, , n] = spans[i]!;
    const [, pe, pn] = spans[i - 1]!;
    if (b < pe) throw new SafetensorsError(file, `tensors '${pn}' and '${n}' overlap (bytes ${b}..${pe})`);
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

function dtypeOf(data: StData): StDType {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  return 'U8';
}

/** Serialises tensors (sorted by name, as Python's safetensors does) with optional string metadata. */
export function serializeSafetensors(
  tensors: Map<string, { shape: number[]; data: StData; dtype?: StDType }> | Record<string, { shape: number[]; data: StData; dtype?: StDType }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`safetensors: tensor '${name}' has shape [${t.shape}] (${count} elements) but ${t.data.length} values`);
    }
    const dtype = t.dtype ?? dtypeOf(t.data);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf-8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically (temporary file, then rename). */
export function writeSafetensors(
  path: string,
  tensors: Parameters<typeof serializeSafetensors>[0],
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** Looks up a tensor, failing with the file and tensor name; checks the shape when given. */
export function requireTensor(file: SafetensorsFile, name: string, source: string, shape?: number[]): StTensor {
  const t = file.tensors.get(name);
  if (!t) throw new SafetensorsError(source, `missing tensor '${name}'`);
  if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
    throw new SafetensorsError(source, `tensor '${name}' has shape [${t.shape}], expected [${shape}]`);
  }
  return t;
}
