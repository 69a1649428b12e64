// A restricted pickle reader. It understands the data opcodes of protocols 0-5 (numbers, strings,
// bytes, None/bools, lists, tuples, dicts, sets, the memo, frames) and nothing that runs code:
// a GLOBAL (or STACK_GLOBAL) is accepted only when the caller names it in `globals`, with a pure
// data handler of its own; every other reference (os.system, builtins.eval, a model class, ...)
// stops the read with an UnsafePickleError naming it, before anything could be called.
//
// Python values come back as: None -> null, bool -> boolean, int -> number (bigint beyond 2^53),
// float -> number, str -> string, bytes/bytearray -> Uint8Array, list -> array, tuple -> frozen
// array, dict -> Map, set/frozenset -> Set. Whatever a handler returns stands for the rest.

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

/** A pickle referred to a global that this reader does not allow. Nothing was executed. */
export class UnsafePickleError extends PickleError {
  constructor(source: string, readonly global: string, at: number) {
    super(`${source}: refusing to load '${global}' (pickle byte ${at}): only plain data and tensors can be read from this file; nothing in it was executed`);
    this.name = 'UnsafePickleError';
  }
}

/** Pure data constructors standing in for an allowed global. */
export interface GlobalHandler {
  /** REDUCE / NEWOBJ with the argument tuple. */
  call?: (args: readonly unknown[]) => unknown;
  /** BUILD (setstate) on an object that `call` returned; returns the object to keep. */
  build?: (obj: unknown, state: unknown) => unknown;
}

export interface UnpickleOptions {
  /** Names the file in errors. */
  source?: string;
  /** Allowed globals by 'module.name'. */
  globals?: Record<string, GlobalHandler>;
  /** Resolves persistent ids (PERSID / BINPERSID); absent: such pickles are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Where the pickle starts in `bytes` (several pickles may follow each other). */
  offset?: number;
}

export interface UnpickleResult {
  value: unknown;
  /** The offset just past the STOP opcode. */
  end: number;
}

/** A reference to an allowed global, as it sits on the stack until REDUCE/NEWOBJ uses it. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string, readonly handler: GlobalHandler) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);

function intFromBytes(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  // Through hex: linear in the length (a shift per byte would be quadratic for a long LONG4).
  let hex = '';
  for (let i = b.length - 1; i >= 0; i--) hex += b[i]!.toString(16).padStart(2, '0');
  let v = BigInt(`0x${hex}`);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(s: string): number | bigint {
  const t = s.endsWith('L') ? s.slice(0, -1) : s;
  if (!/^[-+]?\d+$/.test(t)) throw new Error(`bad integer literal '${s}'`);
  const v = BigInt(t);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Python's repr of a str as protocol 0 writes it: quotes and backslash escapes. */
function unquote(s: string): string {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) throw new Error(`bad string literal ${s.slice(0, 40)}`);
  const body = s.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' } as Record<string, string>)[e] ?? `\\${e}`;
  });
}

function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a?: string, b?: string) => {
    const cp = parseInt((a ?? b)!, 16);
    if (cp > 0x10ffff) throw new Error(`bad \\U escape: 0x${cp.toString(16)} is beyond Unicode`);
    return String.fromCodePoint(cp);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Reads one pickle from `bytes` at `offset`. */
export function unpickle(bytes: Uint8Array, o: UnpickleOptions = {}): UnpickleResult {
  const source = o.source ?? '<pickle>';
  const globals = o.globals ?? {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = o.offset ?? 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const madeBy = new WeakMap<object, GlobalHandler>();
  let opAt = pos;

  const fail = (problem: string): never => {
    throw new PickleError(`${source}: ${problem} (pickle byte ${opAt})`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated pickle: needs ${n} more bytes at offset ${pos} but the data ends at ${bytes.length}`);
  };
  const take = (n: number): Uint8Array => {
    if (!Number.isSafeInteger(n) || n < 0) fail(`bad length ${n}`);
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const u8 = () => { need(1); return bytes[pos++]!; };
  const u16 = () => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail('truncated pickle: a text argument has no end of line');
    const s = latin1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const str = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail('corrupt pickle: stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('corrupt pickle: empty stack');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('corrupt pickle: no MARK');
    return stack.splice(m!);
  };
  const global = (module: string, name: string): PyGlobal => {
    const q = `${module}.${name}`;
    const h = Object.prototype.hasOwnProperty.call(globals, q) ? globals[q] : undefined;
    if (!h) throw new UnsafePickleError(source, q, opAt);
    return new PyGlobal(module, name, h);
  };
  const call = (f: unknown, args: unknown, how: string): unknown => {
    if (!(f instanceof PyGlobal)) return fail(`corrupt or unsupported pickle: ${how} on a ${describe(f)}`);
    if (!f.handler.call) return fail(`${how} of '${f.qualname}' is not supported`);
    if (!Array.isArray(args)) return fail(`${how} of '${f.qualname}' without an argument tuple`);
    let r: unknown;
    try {
      r = f.handler.call(args);
    } catch (e) {
      return fail(`cannot rebuild '${f.qualname}': ${(e as Error).message}`);
    }
    if (typeof r === 'object' && r !== null) madeBy.set(r, f.handler);
    return r;
  };
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof Map)) fail(`corrupt pickle: SETITEM(S) on a ${describe(d)}`);
    if (items.length % 2 !== 0) fail('corrupt pickle: odd number of dict items');
    for (let i = 0; i < items.length; i += 2) (d as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const append = (l: unknown, items: unknown[]) => {
    if (!Array.isArray(l) || Object.isFrozen(l)) fail(`corrupt pickle: APPEND(S) on a ${describe(l)}`);
    for (const x of items) (l as unknown[]).push(x);
  };

  for (;;) {
    opAt = pos;
    if (pos >= bytes.length) fail(`truncated pickle: no STOP opcode before the end of the data (${bytes.length} bytes)`);
    const code = bytes[pos++]!;
    switch (code) {
      case 0x80: { // PROTO
        const p = u8();
        if (p > 5) fail(`unsupported pickle protocol ${p}`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length !== 0) fail('corrupt pickle: STOP with a stack of ' + stack.length);
        return { value: stack[0], end: pos };
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      // numbers
      case 0x49: { // INT (protocol 0; "01"/"00" are True/False)
        const s = line();
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else try { stack.push(parseIntText(s)); } catch (e) { fail((e as Error).message); }
        break;
      }
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4c: try { stack.push(parseIntText(line())); } catch (e) { fail((e as Error).message); } break; // LONG
      case 0x8a: stack.push(intFromBytes(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(intFromBytes(take(n)));
        break;
      }
      case 0x46: { // FLOAT
        const v = Number(line());
        if (Number.isNaN(v)) fail('bad float literal');
        stack.push(v);
        break;
      }
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      // singletons
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      // strings and bytes
      case 0x53: try { stack.push(unquote(line())); } catch (e) { fail((e as Error).message); } break; // STRING
      case 0x54: { const n = i32(); if (n < 0) fail('negative BINSTRING length'); stack.push(str(take(n))); break; } // BINSTRING
      case 0x55: stack.push(str(take(u8()))); break; // SHORT_BINSTRING
      case 0x56: try { stack.push(rawUnicodeEscape(line())); } catch (e) { fail((e as Error).message); } break; // UNICODE
      case 0x58: stack.push(str(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(str(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(str(take(u64()))); break; // BINUNICODE8
      case 0x42: stack.push(Uint8Array.from(take(u32()))); break; // BINBYTES
      case 0x43: stack.push(Uint8Array.from(take(u8()))); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: stack.push(Uint8Array.from(take(u64()))); break; // BINBYTES8, BYTEARRAY8
      // containers
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const x = pop(); append(top(), [x]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(tuple(popMark())); break; // TUPLE
      case 0x85: { const a = pop(); stack.push(tuple([a])); break; } // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; } // TUPLE3
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`corrupt pickle: ADDITEMS on a ${describe(s)}`);
        for (const x of items) (s as Set<unknown>).add(x);
        break;
      }
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      // memo
      case 0x70: { const k = Number(line()); if (!Number.isInteger(k)) fail('bad PUT index'); memo.set(k, top()); break; } // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: case 0x68: case 0x6a: { // GET, BINGET, LONG_BINGET
        const k = code === 0x67 ? Number(line()) : code === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`corrupt pickle: memo entry ${k} was never stored`);
        stack.push(memo.get(k));
        break;
      }
      // references to code: only allowed globals, with our own data handlers
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('corrupt pickle: STACK_GLOBAL without two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); const f = pop(); stack.push(call(f, args, 'REDUCE')); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args, 'NEWOBJ')); break; } // NEWOBJ
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) fail('NEWOBJ_EX with keyword arguments is not supported');
        stack.push(call(cls, args, 'NEWOBJ_EX'));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        const h = typeof obj === 'object' && obj !== null ? madeBy.get(obj) : undefined;
        if (!h?.build) fail(`BUILD (setstate) on a ${describe(obj)} is not supported`);
        let r: unknown;
        try {
          r = h!.build!(obj, state);
        } catch (e) {
          fail(`cannot set the state of a ${describe(obj)}: ${(e as Error).message}`);
        }
        if (typeof r === 'object' && r !== null) madeBy.set(r, h!);
        stack.push(r);
        break;
      }
      case 0x50: case 0x51: { // PERSID, BINPERSID
        const pid = code === 0x50 ? line() : pop();
        if (!o.persistentLoad) fail('pickle refers to external data (a persistent id) that this reader cannot resolve');
        try {
          stack.push(o.persistentLoad!(pid));
        } catch (e) {
          fail((e as Error).message);
        }
        break;
      }
      case 0x69: { // INST: module, name, then a class instantiation
        const module = line();
        const name = line();
        throw new UnsafePickleError(source, `${module}.${name}`, opAt);
      }
      case 0x6f: { // OBJ
        const items = popMark();
        const cls = items[0];
        if (cls instanceof PyGlobal) { stack.push(call(cls, items.slice(1), 'OBJ')); break; }
        return fail('corrupt or unsupported pickle: OBJ without an allowed class');
      }
      case 0x82: case 0x83: case 0x84: // EXT1/2/4: the extension registry names globals indirectly
        return fail('pickle uses the copyreg extension registry (EXT opcodes), which this reader refuses');
      case 0x97: case 0x98: // NEXT_BUFFER, READONLY_BUFFER
        return fail('pickle uses out-of-band buffers (protocol 5), which this reader does not support');
      default:
        return fail(`not a pickle or corrupt: unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
    }
  }
}

function describe(x: unknown): string {
  if (x === null) return 'None';
  if (x instanceof PyGlobal) return `global '${x.qualname}'`;
  if (x instanceof Map) return 'dict';
  if (Array.isArray(x)) return Object.isFrozen(x) ? 'tuple' : 'list';
  if (x instanceof Uint8Array) return 'bytes';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}
