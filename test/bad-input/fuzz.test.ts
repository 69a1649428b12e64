// Property-based fuzzing of the readers that take files from users: WAV, safetensors, the
// restricted unpickler (and torch.save files through it), and the text front end and SSML parser.
// Each reader either returns well-formed data or throws its own error class with a one-line
// message; nothing else escapes, nothing takes long, and declared sizes never make it allocate more
// than the input holds. Random bytes and, more usefully, valid files with bytes flipped, cut off,
// appended or header fields overwritten. The seed is fixed (CI is deterministic); fast-check prints
// it with any failure, and FUZZ_SEED=n reruns with another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeWav, encodeWav, WavError } from '../../src/audio/wav.js';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from '../../src/engine/safetensors.js';
import { PickleError, PyGlobal, unpickle } from '../../src/checkpoint/pickle.js';
import { parseTorchFile } from '../../src/checkpoint/torch.js';
import { textToPhones, textToSentences } from '../../src/text/index.js';
import { parseSsml, SsmlError } from '../../src/text/ssml/index.js';
import { FIXTURES } from '../checkpoint/fixtures.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
/** Longest a single input may take, ms (generous: the machine is shared; a hang takes seconds). */
const CASE_MS = 1000;

/** Runs `fn` on every generated input: only `allowed` errors, single-line, each case quick. */
function fuzz<T>(arb: fc.Arbitrary<T>, numRuns: number, allowed: (abstract new (...a: never[]) => Error)[], fn: (x: T) => void): void {
  fc.assert(
    fc.property(arb, (x) => {
      const t0 = performance.now();
      try {
        fn(x);
      } catch (e) {
        if (!allowed.some((c) => e instanceof c)) throw e;
        const m = (e as Error).message;
        if (m.includes('\n') || m.length > 2000) throw new Error(`not a one-line message: ${m.slice(0, 300)}`);
      }
      const ms = performance.now() - t0;
      if (ms > CASE_MS) throw new Error(`one input took ${ms.toFixed(0)} ms`);
    }),
    { seed: SEED, numRuns, endOnFailure: true },
  );
}

/** Mutations of a valid file: flipped bytes, a cut, appended bytes, overwritten 32-bit fields. */
type Mutation =
  | { kind: 'flip'; at: number[]; xor: number }
  | { kind: 'cut'; at: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'u32'; at: number; value: number };

const U32_VALUES = fc.oneof(fc.constantFrom(0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff), fc.nat(0xffffffff), fc.nat(64));

function mutation(fieldsAt: number[]): fc.Arbitrary<Mutation[]> {
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.oneof(fc.constantFrom(...fieldsAt), fc.nat()), value: U32_VALUES }),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 });
}

function apply(base: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Uint8Array.from(base);
  for (const m of ms) {
    if (b.length === 0) break;
    if (m.kind === 'flip') for (const at of m.at) b[at % b.length]! ^= m.xor;
    else if (m.kind === 'cut') b = b.slice(0, m.at % b.length);
    else if (m.kind === 'extend') { const c = new Uint8Array(b.length + m.bytes.length); c.set(b); c.set(m.bytes, b.length); b = c; }
    else if (b.length >= 4) new DataView(b.buffer).setUint32(m.at % (b.length - 3), m.value, true);
  }
  return b;
}

// ---- WAV ---------------------------------------------------------------------------------------

const sine = (n: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i / 3));
const WAVS = [encodeWav(sine(300), 22050), encodeWav([sine(100), sine(100)], 16000, 'float32'), encodeWav(sine(1), 8000)];
/** Offsets of the RIFF size, fmt fields and the data size in the files above. */
const WAV_FIELDS = [4, 16, 20, 22, 24, 28, 32, 34, 40];

function checkWav(bytes: Uint8Array): void {
  const w = decodeWav(bytes, 'fuzz.wav');
  assert.equal(w.channels.length >= 1, true);
  // Never more samples than the bytes could hold: sizes are taken from the file, not the header.
  assert.ok(w.length * w.channels.length <= bytes.length, `${w.length} x ${w.channels.length} samples from ${bytes.length} bytes`);
  for (const c of w.channels) {
    assert.equal(c.length, w.length);
    for (const x of c) if (!Number.isFinite(x) || (!w.format.startsWith('float') && (x < -1 || x >= 1))) throw new Error(`sample ${x} out of range (${w.format})`);
  }
}

test('WAV: mutated valid files decode or fail with WavError', () => {
  fuzz(fc.tuple(fc.constantFrom(...WAVS), mutation(WAV_FIELDS)), 5000, [WavError], ([base, ms]) => checkWav(apply(base, ms)));
});

test('WAV: random bytes behind a RIFF header', () => {
  const header = fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([...Buffer.from('RIFF\0\0\0\0WAVEfmt '), ...b]));
  fuzz(fc.oneof(fc.uint8Array({ maxLength: 100 }), header), 3000, [WavError], checkWav);
});

// ---- safetensors -------------------------------------------------------------------------------

const ST = serializeSafetensors({
  a: { shape: [2, 3], data: new Float32Array(6).fill(1) },
  b: { shape: [4], data: new BigInt64Array(4) },
  c: { shape: [], data: new Float64Array([3]) },
}, { kind: 'fuzz' });

function checkSt(bytes: Uint8Array): void {
  const f = parseSafetensors(bytes, 'fuzz.safetensors');
  let total = 0;
  for (const [name, t] of f.tensors) {
    assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), name);
    total += t.data.byteLength;
  }
  assert.ok(total <= bytes.length, `${total} tensor bytes from a ${bytes.length}-byte file`);
  for (const v of Object.values(f.metadata)) assert.equal(typeof v, 'string');
}

test('safetensors: mutated valid files parse or fail with SafetensorsError', () => {
  fuzz(mutation([0, 4]).map((ms) => apply(ST, ms)), 5000, [SafetensorsError], checkSt);
});

test('safetensors: structured headers with hostile values', () => {
  const num = fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constantFrom(2 ** 31, 2 ** 53, 2 ** 64, 1.5, -0, NaN), fc.string({ maxLength: 3 }), fc.constant(null));
  const entry = fc.oneof(
    fc.record({ dtype: fc.constantFrom('F32', 'F64', 'I64', 'U8', 'BOOL', 'F16', 'x', 7), shape: fc.oneof(fc.array(num, { maxLength: 3 }), num), data_offsets: fc.oneof(fc.tuple(num, num), fc.array(num, { maxLength: 3 }), num) }, { requiredKeys: [] }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const header = fc.dictionary(fc.oneof(fc.constantFrom('__metadata__', 'w', '__proto__', 'constructor'), fc.string({ maxLength: 4 })), entry, { maxKeys: 4 });
  fuzz(fc.tuple(header, fc.nat(64), fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))), 4000, [SafetensorsError], ([h, dataLen, declared]) => {
    const json = Buffer.from(JSON.stringify(h));
    const b = Buffer.alloc(8 + json.length + dataLen);
    b.writeBigUInt64LE(declared ?? BigInt(json.length), 0);
    json.copy(b, 8);
    checkSt(b);
  });
});

// ---- pickle ------------------------------------------------------------------------------------

type Py = null | boolean | number | string | Uint8Array | Py[] | { tuple: Py[] } | Map<string, Py>;

/** Pickles (protocol 2 with memo puts) written by hand for generated values. */
function pickle(v: Py): Uint8Array {
  const out: number[] = [0x80, 0x02];
  let memo = 0;
  const u32 = (n: number) => out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  const put = () => { out.push(0x71, memo++ & 0xff); };
  const w = (x: Py): void => {
    if (x === null) out.push(0x4e);
    else if (x === true) out.push(0x88);
    else if (x === false) out.push(0x89);
    else if (typeof x === 'number') {
      if (Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31) { out.push(0x4a); u32(x >>> 0); } else { out.push(0x47); const d = new DataView(new ArrayBuffer(8)); d.setFloat64(0, x); for (let i = 0; i < 8; i++) out.push(d.getUint8(i)); }
    } else if (typeof x === 'string') { const s = Buffer.from(x, 'utf8'); out.push(0x58); u32(s.length); out.push(...s); put(); }
    else if (x instanceof Uint8Array) { out.push(0x43, x.length, ...x); }
    else if (Array.isArray(x)) { out.push(0x5d); put(); if (x.length) { out.push(0x28); x.forEach(w); out.push(0x65); } }
    else if (x instanceof Map) { out.push(0x7d); put(); if (x.size) { out.push(0x28); for (const [k, v] of x) { w(k); w(v); } out.push(0x75); } }
    else { out.push(0x28); x.tuple.forEach(w); out.push(0x74); }
  };
  w(v);
  out.push(0x2e);
  return Uint8Array.from(out);
}

const pyValue: fc.Arbitrary<Py> = fc.letrec<{ v: Py }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true }), fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => Buffer.from(s, 'utf8').toString('utf8') === s),
    fc.uint8Array({ maxLength: 8 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(tie('v'), { maxLength: 3 }).map((t) => ({ tuple: t })),
    fc.array(fc.tuple(fc.string({ maxLength: 4 }), tie('v')), { maxLength: 3 }).map((kv) => new Map(kv)),
  ),
})).v;

/** Fails if a value read holds a reference to a global (the only way to code). */
function noCode(x: unknown, depth = 0): void {
  if (depth > 100) return;
  if (x instanceof PyGlobal) throw new Error(`a global came back: ${x.qualname}`);
  if (Array.isArray(x)) for (const v of x) noCode(v, depth + 1);
  else if (x instanceof Map || x instanceof Set) for (const v of x.values()) noCode(v, depth + 1);
}

/** The value as unpickle gives it back. */
function expected(x: Py): unknown {
  if (Array.isArray(x)) return x.map(expected);
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [k, expected(v)]));
  if (x !== null && typeof x === 'object' && !(x instanceof Uint8Array)) return Object.freeze(x.tuple.map(expected));
  return x;
}

test('pickle: generated values round-trip', () => {
  fc.assert(fc.property(pyValue, (v) => {
    assert.deepEqual(unpickle(pickle(v)).value, expected(v));
  }), { seed: SEED, numRuns: 1000 });
});

test('pickle: mutated pickles read or fail with PickleError, and never call anything', () => {
  // No global is allowed here: whatever a damaged pickle names is refused (UnsafePickleError, a
  // PickleError), and a value that does come back holds no reference to code.
  fuzz(fc.tuple(pyValue, mutation([2, 3, 4, 5])), 5000, [PickleError], ([v, ms]) => {
    noCode(unpickle(apply(pickle(v), ms), { source: 'fuzz.pkl' }).value);
  });
});

test('pickle: random opcode soup', () => {
  // Bytes drawn mostly from real opcodes, so the reader gets past the first one.
  const ops = [0x28, 0x29, 0x2e, 0x30, 0x31, 0x32, 0x4a, 0x4b, 0x4e, 0x52, 0x58, 0x5d, 0x61, 0x62, 0x63, 0x65, 0x68, 0x71, 0x73, 0x74, 0x75, 0x7d, 0x81, 0x85, 0x86, 0x87, 0x88, 0x8a, 0x8b, 0x8c, 0x8d, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x0a, 0x49, 0x46, 0x53, 0x56, 0x67, 0x70];
  const byte = fc.oneof(fc.constantFrom(...ops).map((o) => [o]), fc.integer({ min: 0, max: 255 }).map((o) => [o]),
    fc.constantFrom('cos\nsystem\n', 'cbuiltins\neval\n', '\x8c\x02os\x8c\x06system\x93', 'V\\U0010ffff\n', 'V\\Uffffffff\n', 'I123\n', 'F1e999\n', "S'a\\x41'\n", 'g0\n', 'p0\n')
      .map((s) => [...Buffer.from(s, 'latin1')]));
  fuzz(fc.array(byte, { maxLength: 60 }).map((b) => Uint8Array.from([0x80, 0x02, ...b.flat()])), 10000, [PickleError], (b) => {
    noCode(unpickle(b, { source: 'fuzz.pkl' }).value);
  });
});

test('torch.save files: mutated zip and legacy checkpoints', () => {
  const zip = readFileSync(join(FIXTURES, 'prodiff_tiny_zip.ckpt'));
  const legacy = readFileSync(join(FIXTURES, 'prodiff_tiny_legacy.ckpt'));
  // Headers and pickles sit at the start (legacy) and the end (zip directory): aim most mutations there.
  const near = (n: number) => fc.oneof(fc.nat(2048), fc.integer({ min: n - 4096, max: n - 1 }), fc.nat(n - 1));
  const muts = (n: number) => fc.array(fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.array(near(n), { minLength: 1, maxLength: 3 }), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: near(n), value: U32_VALUES }),
    fc.record({ kind: fc.constant('cut' as const), at: near(n) }),
  ), { minLength: 1, maxLength: 2 });
  const arb = fc.oneof(fc.tuple(fc.constant(zip), muts(zip.length)), fc.tuple(fc.constant(legacy), muts(legacy.length)));
  fuzz(arb, 300, [Error], ([base, ms]) => {
    try {
      parseTorchFile(apply(base, ms as Mutation[]), 'fuzz.ckpt');
    } catch (e) {
      // Only the readers' own classes, naming the source.
      if (!['CheckpointError', 'ZipError', 'PickleError', 'UnsafePickleError'].includes((e as Error).name)) throw new TypeError(`${(e as Error).name}: ${(e as Error).message}`);
      if (!(e as Error).message.startsWith('fuzz.ckpt')) throw new TypeError(`message does not name the file: ${(e as Error).message}`);
      throw e;
    }
  });
});

// ---- text --------------------------------------------------------------------------------------

/** Any UTF-16 (lone surrogates included), with words, digits and punctuation mixed in. */
const anyText = fc.array(fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('Dr.', '$3.50', '1,000', '13:00', 'U.S.', ' ', '.', '...', '-', '%', '#1', '1st', '2024-01-02', 'e.g.', '\u0301', '\u200d', '😀', '你好', 'Привет'),
  fc.stringMatching(/^[A-Za-z0-9 ,.'"?!;:()-]{0,12}$/),
), { maxLength: 20 }).map((p) => p.join(''));

test('text front end: any string gives <BOS> phones <EOS>, never an error', () => {
  textToPhones('Warm up.'); // the first call loads the pronunciation dictionary (seconds on a loaded machine), not a per-input cost
  fuzz(anyText, 800, [], (t) => {
    const r = textToPhones(t);
    assert.equal(r.phones[0], '<BOS>');
    assert.equal(r.phones[r.phones.length - 1], '<EOS>');
    assert.equal(r.ids.length, r.phones.length);
    assert.ok(r.ids.every((i) => Number.isInteger(i) && i >= 0));
    for (const s of textToSentences(t)) assert.ok(s.phones.length >= 2);
  });
});

test('SSML: any markup parses or fails with SsmlError', () => {
  const tag = fc.constantFrom('speak', 'p', 's', 'break', 'prosody', 'say-as', 'sub', 'phoneme', 'emphasis', 'voice', 'audio', 'x:y');
  const attr = fc.tuple(fc.constantFrom('time', 'strength', 'rate', 'pitch', 'volume', 'interpret-as', 'format', 'alias', 'ph', 'alphabet', 'level', 'name', 'xml:lang'), fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('1s', '-5%', 'x-high', '+3st', 'ipa', 'cardinal', 'date', 'HH AH0', '999999s', 'NaN')));
  const open = fc.tuple(tag, fc.array(attr, { maxLength: 2 }), fc.boolean()).map(([t, as, self]) => `<${t}${as.map(([k, v]) => ` ${k}="${v.replace(/["<&]/g, '')}"`).join('')}${self ? '/' : ''}>`);
  const piece = fc.oneof(open, tag.map((t) => `</${t}>`), anyText, fc.constantFrom('&amp;', '&bogus;', '<!--', '-->', '<![CDATA[x]]>', '<?xml version="1.0"?>', '<!DOCTYPE speak>', '&#0;', '&#x110000;'));
  const doc = fc.array(piece, { maxLength: 12 }).map((p) => `<speak>${p.join('')}</speak>`);
  fuzz(fc.oneof(doc, anyText), 3000, [SsmlError], (s) => { parseSsml(s); });
});
