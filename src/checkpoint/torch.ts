// Reads files written by torch.save without Python and without executing anything: the zip format
// (default since PyTorch 1.6: `<name>/data.pkl` + raw storages `<name>/data/<key>`) and the legacy
// format (`_use_new_zipfile_serialization=False`: magic number, protocol, sys info, the object
// pickle, the storage key list, then each storage as an int64 element count and raw bytes).
// Only state_dict-like contents are accepted: plain data, OrderedDict, tensors (any strides and
// storage offset, materialised contiguous), torch.Size, numpy scalars. Knows nothing of speech.
import { readFileSync } from 'node:fs';
import { unpickle, type GlobalHandler } from './pickle.js';
import { looksLikeZip, ZipArchive } from './zip.js';

export class CheckpointError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'CheckpointError';
  }
}

export type TorchDType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_TYPES: Record<string, { dtype: TorchDType; size: number }> = {
  DoubleStorage: { dtype: 'float64', size: 8 },
  FloatStorage: { dtype: 'float32', size: 4 },
  HalfStorage: { dtype: 'float16', size: 2 },
  BFloat16Storage: { dtype: 'bfloat16', size: 2 },
  LongStorage: { dtype: 'int64', size: 8 },
  IntStorage: { dtype: 'int32', size: 4 },
  ShortStorage: { dtype: 'int16', size: 2 },
  CharStorage: { dtype: 'int8', size: 1 },
  ByteStorage: { dtype: 'uint8', size: 1 },
  BoolStorage: { dtype: 'bool', size: 1 },
};

/** A storage: filled from the archive (zip) or after the object pickle (legacy). */
interface Storage {
  key: string;
  dtype: TorchDType;
  elementSize: number;
  numel: number;
  bytes?: Uint8Array;
}

/** Values of a tensor, contiguous (row-major). Half precision comes back as float32. */
export type TensorData = Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export class TorchTensor {
  private cached?: TensorData;

  constructor(
    private readonly storage: Storage,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    private readonly source: string,
  ) {}

  get dtype(): TorchDType {
    return this.storage.dtype;
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** True when the elements are laid out row-major from the offset (no copy needed). */
  get isContiguous(): boolean {
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d]! !== 1 && this.stride[d]! !== expect) return false;
      expect *= this.shape[d]!;
    }
    return true;
  }

  /** The values, materialised row-major (a copy for views with other strides). */
  data(): TensorData {
    if (!this.cached) this.cached = this.materialise();
    return this.cached;
  }

  private materialise(): TensorData {
    const s = this.storage;
    if (!s.bytes) throw new CheckpointError(this.source, `storage '${s.key}' was never read (truncated file?)`);
    const n = this.numel;
    const nd = this.shape.length;
    if (n > 0) {
      let last = this.storageOffset;
      for (let d = 0; d < nd; d++) last += (this.shape[d]! - 1) * this.stride[d]!;
      if (this.storageOffset < 0 || last >= s.numel) {
        throw new CheckpointError(this.source, `tensor [${this.shape}] (stride [${this.stride}], offset ${this.storageOffset}) reaches past its storage '${s.key}' of ${s.numel} elements`);
      }
    }
    const all = decodeStorage(s);
    const out = newArray(s.dtype, n);
    if (n === 0) return out;
    if (this.isContiguous) {
      (out as { set(a: ArrayLike<unknown>): void }).set(all.subarray(this.storageOffset, this.storageOffset + n) as ArrayLike<unknown>);
      return out;
    }
    // Strided gather, innermost dimension in a tight loop.
    const idx = new Array<number>(nd).fill(0);
    const inner = nd > 0 ? this.shape[nd - 1]! : 1;
    const innerStride = nd > 0 ? this.stride[nd - 1]! : 0;
    const dst = out as unknown as { [i: number]: number | bigint };
    const src = all as unknown as { [i: number]: number | bigint };
    for (let o = 0; o < n; o += inner) {
      let base = this.storageOffset;
      for (let d = 0; d < nd - 1; d++) base += idx[d]! * this.stride[d]!;
      for (let j = 0; j < inner; j++) dst[o + j] = src[base + j * innerStride]!;
      for (let d = nd - 2; d >= 0; d--) {
        if (++idx[d]! < this.shape[d]!) break;
        idx[d] = 0;
      }
    }
    return out;
  }
}

function newArray(dtype: TorchDType, n: number): TensorData {
  switch (dtype) {
    case 'float64': return new Float64Array(n);
    case 'float32': case 'float16': case 'bfloat16': return new Float32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int16': return new Int16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const decoded = new WeakMap<Storage, TensorData>();
/** The whole storage as a typed array (little-endian bytes copied to an aligned buffer). */
function decodeStorage(s: Storage): TensorData {
  const hit = decoded.get(s);
  if (hit) return hit;
  const bytes = s.bytes!.subarray(0, s.numel * s.elementSize);
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  let out: TensorData;
  switch (s.dtype) {
    case 'float64': out = new Float64Array(buf); break;
    case 'float32': out = new Float32Array(buf); break;
    case 'int64': out = new BigInt64Array(buf); break;
    case 'int32': out = new Int32Array(buf); break;
    case 'int16': out = new Int16Array(buf); break;
    case 'int8': out = new Int8Array(buf); break;
    case 'uint8': case 'bool': out = new Uint8Array(buf); break;
    case 'float16': case 'bfloat16': {
      const u16 = new Uint16Array(buf);
      const f = new Float32Array(u16.length);
      if (s.dtype === 'float16') for (let i = 0; i < u16.length; i++) f[i] = halfToFloat(u16[i]!);
      else {
        const u32 = new Uint32Array(f.buffer);
        for (let i = 0; i < u16.length; i++) u32[i] = u16[i]! << 16;
      }
      out = f;
      break;
    }
  }
  decoded.set(s, out);
  return out;
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
const intTuple = (x: unknown, what: string): number[] => {
  if (!Array.isArray(x) || !x.every((v) => isInt(v) && v >= 0)) throw new Error(`${what} must be a tuple of non-negative ints`);
  return x as number[];
};

/** A numpy dtype as the pickle describes it (code like 'f8', byte order from setstate). */
class NumpyDType {
  order = '<';
  constructor(readonly code: string) {}
}

function numpyScalar(args: readonly unknown[]): number | bigint | boolean {
  const [dt, raw] = args;
  if (!(dt instanceof NumpyDType) || !(raw instanceof Uint8Array)) throw new Error('expected (dtype, bytes)');
  if (dt.order === '>') throw new Error('big-endian numpy scalars are not supported');
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const need = (n: number) => { if (raw.length !== n) throw new Error(`numpy ${dt.code} scalar of ${raw.length} bytes`); };
  switch (dt.code) {
    case 'f8': need(8); return v.getFloat64(0, true);
    case 'f4': need(4); return v.getFloat32(0, true);
    case 'f2': need(2); return halfToFloat(v.getUint16(0, true));
    case 'i8': { need(8); const b = v.getBigInt64(0, true); return Number.isSafeInteger(Number(b)) ? Number(b) : b; }
    case 'i4': need(4); return v.getInt32(0, true);
    case 'u8': { need(8); const b = v.getBigUint64(0, true); return Number.isSafeInteger(Number(b)) ? Number(b) : b; }
    case 'u4': need(4); return v.getUint32(0, true);
    case 'b1': need(1); return raw[0] !== 0;
    default: throw new Error(`numpy scalar of dtype '${dt.code}' is not supported`);
  }
}

/** Every global a state_dict checkpoint may name, each with a pure data handler. */
function allowedGlobals(source: string): Record<string, GlobalHandler> {
  const rebuildTensor = (args: readonly unknown[]): TorchTensor => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) throw new Error('first argument is not a storage');
    if (!isInt(offset) || offset < 0) throw new Error('bad storage offset');
    const shape = intTuple(size, 'size');
    const strides = intTuple(stride, 'stride');
    if (shape.length !== strides.length) throw new Error(`size [${shape}] and stride [${strides}] differ in rank`);
    return new TorchTensor(storage.storage, storage.offset + offset, shape, strides, source);
  };
  const orderedDict: GlobalHandler = {
    call: (args) => {
      const m = new Map<unknown, unknown>();
      const items = args[0];
      if (Array.isArray(items)) for (const kv of items) if (Array.isArray(kv) && kv.length === 2) m.set(kv[0], kv[1]);
      return m;
    },
    build: (obj) => obj, // the state is `_metadata` (module versions): not data
  };
  const dtype: GlobalHandler = {
    call: (args) => {
      if (typeof args[0] !== 'string') throw new Error('dtype name is not a string');
      return new NumpyDType(args[0]);
    },
    build: (obj, state) => {
      if (Array.isArray(state) && typeof state[1] === 'string') (obj as NumpyDType).order = state[1];
      return obj;
    },
  };
  const g: Record<string, GlobalHandler> = {
    'collections.OrderedDict': orderedDict,
    'torch._utils._rebuild_tensor_v2': { call: rebuildTensor },
    'torch._utils._rebuild_tensor': { call: rebuildTensor },
    'torch._utils._rebuild_parameter': { call: (args) => { if (!(args[0] instanceof TorchTensor)) throw new Error('not a tensor'); return args[0]; } },
    'torch.Size': { call: (args) => tuple(intTuple(args[0] ?? [], 'torch.Size')) },
    'numpy.dtype': dtype,
    'numpy.core.multiarray.scalar': { call: numpyScalar },
    'numpy._core.multiarray.scalar': { call: numpyScalar },
    // Protocol 2 writes Python 3 bytes as _codecs.encode(str, 'latin1').
    '_codecs.encode': {
      call: (args) => {
        if (typeof args[0] !== 'string' || (args[1] !== 'latin1' && args[1] !== 'latin-1')) throw new Error('only latin1 text is accepted');
        return Uint8Array.from(args[0], (c) => c.charCodeAt(0));
      },
    },
  };
  for (const name of Object.keys(STORAGE_TYPES)) g[`torch.${name}`] = {};
  return g;
}

const tuple = (xs: number[]): readonly number[] => Object.freeze([...xs]);

/** What a persistent id resolves to: a storage (or a legacy view of one at an element offset). */
class StorageRef {
  constructor(readonly storage: Storage, readonly offset = 0) {}
}

function storageTypeOf(x: unknown): { dtype: TorchDType; size: number } {
  const name = (x as { module?: string; name?: string } | null)?.name;
  const module = (x as { module?: string } | null)?.module;
  const t = module === 'torch' && name ? STORAGE_TYPES[name] : undefined;
  if (!t) throw new Error(`unsupported storage type ${module ?? '?'}.${name ?? String(x)}`);
  return t;
}

function readCheckpointBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CheckpointError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Loads a torch.save file; tensors come back as TorchTensor, containers as Map/arrays. */
export function loadTorchFile(path: string): unknown {
  return parseTorchFile(readCheckpointBytes(path), path);
}

/** Parses torch.save bytes. Errors (CheckpointError, ZipError, PickleError, UnsafePickleError) name `source`. */
export function parseTorchFile(bytes: Uint8Array, source = '<checkpoint>'): unknown {
  if (looksLikeZip(bytes)) return parseZip(bytes, source);
  if (bytes.length >= 2 && bytes[0] === 0x80) return parseLegacy(bytes, source);
  if (bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new CheckpointError(source, 'this is a tar archive (PyTorch < 0.4 format), which is not supported');
  }
  throw new CheckpointError(source, 'not a PyTorch checkpoint: neither a zip archive nor a pickle (wrong magic bytes)');
}

function parseZip(bytes: Uint8Array, source: string): unknown {
  const zip = new ZipArchive(bytes, source);
  const pkl = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new CheckpointError(source, 'zip archive has no <name>/data.pkl: not a PyTorch checkpoint');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = zip.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
  if (order !== 'little') throw new CheckpointError(source, `byte order '${order}' is not supported`);
  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new Error(`unsupported persistent id ${JSON.stringify(pid)}`);
    const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
    if (typeof key !== 'string' || !isInt(numel)) throw new Error('bad storage persistent id');
    let s = storages.get(key);
    if (!s) {
      const t = storageTypeOf(type);
      const name = `${prefix}data/${key}`;
      if (!zip.has(name)) throw new Error(`storage '${key}' is missing from the archive`);
      const data = zip.read(name);
      if (data.length < numel * t.size) throw new Error(`storage '${key}' has ${data.length} bytes, ${numel} x ${t.dtype} need ${numel * t.size}`);
      s = { key, dtype: t.dtype, elementSize: t.size, numel, bytes: data };
      storages.set(key, s);
    }
    return new StorageRef(s);
  };
  return unpickle(zip.read(pkl), { source: `${source} (${pkl})`, globals: allowedGlobals(source), persistentLoad }).value;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function parseLegacy(bytes: Uint8Array, source: string): unknown {
  const magic = unpickle(bytes, { source });
  if (magic.value !== LEGACY_MAGIC) throw new CheckpointError(source, 'not a PyTorch checkpoint: a pickle without the torch.save magic number (wrong magic)');
  const proto = unpickle(bytes, { source, offset: magic.end });
  if (proto.value !== 1001) throw new CheckpointError(source, `unsupported legacy checkpoint protocol ${String(proto.value)}`);
  const sys = unpickle(bytes, { source, offset: proto.end });
  if (sys.value instanceof Map && sys.value.get('little_endian') === false) throw new CheckpointError(source, 'big-endian checkpoints are not supported');
  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new Error(`unsupported persistent id ${JSON.stringify(pid)}`);
    const [, type, key, , numel, view] = pid as [string, unknown, unknown, unknown, unknown, unknown];
    if (typeof key !== 'string' || !isInt(numel)) throw new Error('bad storage persistent id');
    const t = storageTypeOf(type);
    let s = storages.get(key);
    if (!s) {
      s = { key, dtype: t.dtype, elementSize: t.size, numel };
      storages.set(key, s);
    }
    if (Array.isArray(view)) {
      // (view_key, offset, view_size): a view into the root storage, offset in elements.
      const off = view[1];
      if (!isInt(off)) throw new Error('bad storage view');
      return new StorageRef(s, off);
    }
    return new StorageRef(s);
  };
  const main = unpickle(bytes, { source, offset: sys.end, globals: allowedGlobals(source), persistentLoad });
  const keys = unpickle(bytes, { source, offset: main.end });
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) throw new CheckpointError(source, 'corrupt legacy checkpoint: no storage key list after the object');
  let pos = keys.end;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.value as string[]) {
    const s = storages.get(key);
    if (!s) throw new CheckpointError(source, `corrupt legacy checkpoint: storage '${key}' is not used by the object`);
    if (pos + 8 > bytes.length) throw new CheckpointError(source, `truncated checkpoint: storage '${key}' is missing (file ends at ${bytes.length} bytes)`);
    const numel = Number(view.getBigInt64(pos, true));
    pos += 8;
    if (numel < s.numel) throw new CheckpointError(source, `corrupt legacy checkpoint: storage '${key}' holds ${numel} elements, ${s.numel} expected`);
    const len = numel * s.elementSize;
    if (pos + len > bytes.length) throw new CheckpointError(source, `truncated checkpoint: storage '${key}' needs ${len} bytes at offset ${pos}, the file ends at ${bytes.length}`);
    s.bytes = bytes.subarray(pos, pos + len);
    s.numel = numel;
    pos += len;
  }
  for (const s of storages.values()) if (!s.bytes) throw new CheckpointError(source, `truncated checkpoint: storage '${s.key}' is missing`);
  return main.value;
}

/** Every tensor in a nested container, keyed by dotted path ('state_dict.model.fs2....'). */
export function collectTensors(root: unknown, prefix = ''): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  const walk = (x: unknown, path: string) => {
    if (x instanceof TorchTensor) out.set(path, x);
    else if (x instanceof Map) for (const [k, v] of x) walk(v, path ? `${path}.${String(k)}` : String(k));
    else if (Array.isArray(x)) x.forEach((v, i) => walk(v, path ? `${path}.${i}` : String(i)));
  };
  walk(root, prefix);
  return out;
}
