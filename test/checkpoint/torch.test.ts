// PyTorch checkpoint files read without Python: both fixtures (made once by test/fixtures/make_ckpt.py
// with torch 1.13), every tensor against the values they were made from, non-contiguous views, the
// int64 buffer, the rest of the official layout; then malicious, truncated and foreign files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { collectTensors, loadTorchFile, parseTorchFile, TorchTensor } from '../../src/checkpoint/torch.js';
import { UnsafePickleError } from '../../src/checkpoint/pickle.js';
import { ZipArchive } from '../../src/checkpoint/zip.js';
import { expectedParams, FIXTURES, INT64_BUFFER } from './fixtures.js';

const LEGACY = join(FIXTURES, 'prodiff_tiny_legacy.ckpt');
const ZIP = join(FIXTURES, 'prodiff_tiny_zip.ckpt');

function modelTensors(file: string): Map<string, TorchTensor> {
  const root = loadTorchFile(file) as Map<string, unknown>;
  const all = collectTensors(root.get('state_dict'));
  return new Map([...all].map(([k, t]) => [k.replace(/^model\./, ''), t]));
}

test('torch checkpoints: legacy and zip fixtures give every tensor exactly', () => {
  const expected = expectedParams();
  for (const file of [LEGACY, ZIP]) {
    const got = modelTensors(file);
    for (const [k, e] of expected) {
      const t = got.get(k);
      assert.ok(t, `${file}: missing ${k}`);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual([...t.shape], e.shape, k);
      assert.deepEqual(t.data(), e.data, `${file}: ${k}`);
    }
    // The views the fixture made on purpose.
    const inProj = got.get('fs2.encoder.layers.0.op.self_attn.in_proj_weight')!;
    assert.equal(inProj.isContiguous, false);
    const mlp = got.get('denoise_fn.mlp.0.weight')!;
    assert.equal(mlp.isContiguous, false);
    assert.equal(mlp.storageOffset, 1);
    assert.deepEqual([...mlp.stride], [39, 1]);
    assert.equal(got.get('denoise_fn.residual_layers.1.dilated_conv.weight')!.storageOffset, 32 * 64 * 3);
    const i64 = got.get('extra.int64_buffer')!;
    assert.equal(i64.dtype, 'int64');
    assert.deepEqual([...(i64.data() as BigInt64Array)], INT64_BUFFER);
    assert.deepEqual(got.get('fs2.encoder.embed_tokens.weight')!.data(), expected.get('fs2.encoder_embed_tokens.weight')!.data);
    assert.deepEqual([...got.get('spec_min')!.shape], [1, 1, 0]);
    assert.equal(got.get('spec_min')!.data().length, 0);
  }
});

test('torch checkpoints: the rest of the official layout is plain data', () => {
  const legacy = loadTorchFile(LEGACY) as Map<string, unknown>;
  assert.equal(legacy.get('epoch'), 3);
  assert.equal(legacy.get('global_step'), 1200);
  assert.equal(legacy.get('checkpoint_callback_best'), 0.125); // a numpy float64
  const opt = (legacy.get('optimizer_states') as Map<string, unknown>[])[0]!;
  const group = (opt.get('param_groups') as Map<string, unknown>[])[0]!;
  assert.deepEqual([...(group.get('betas') as number[])], [0.9, 0.98]);
  assert.equal(group.get('lr'), 2e-4);
  const state = (opt.get('state') as Map<number, Map<string, unknown>>).get(0)!;
  assert.ok(state.get('exp_avg') instanceof TorchTensor);
  const zipped = loadTorchFile(ZIP) as Map<string, unknown>;
  assert.equal((zipped.get('hparams') as Map<string, unknown>).get('hidden_size'), 32);
  assert.deepEqual(zipped.get('lr_schedulers'), []);
});

test('torch checkpoints: a pickle that calls os.system is refused, and nothing runs', () => {
  const marker = join(FIXTURES, 'malicious_marker.txt');
  assert.throws(() => loadTorchFile(join(FIXTURES, 'malicious_zip.ckpt')), (e: unknown) => {
    assert.ok(e instanceof UnsafePickleError, String(e));
    assert.equal(e.global, 'posix.system');
    assert.match(e.message, /malicious_zip\.ckpt.*refusing to load 'posix\.system'/);
    return true;
  });
  assert.equal(existsSync(marker), false);
  // The same in the legacy layout: magic, protocol, sys info, then the evil object.
  const legacy = Buffer.concat([
    Buffer.from('80028a0a6c fc9c46f9 20 6aa8 50 19 2e'.replace(/ /g, ''), 'hex'),
    Buffer.from('80024de9032e', 'hex'),
    Buffer.from('80027d71002e', 'hex'),
    Buffer.from(`\x80\x02cos\nsystem\nq\x00X\x0c\x00\x00\x00touch /tmp/xq\x01\x85q\x02Rq\x03.`, 'latin1'),
  ]);
  assert.throws(() => parseTorchFile(legacy, 'evil.ckpt'), /evil\.ckpt: refusing to load 'os\.system'/);
});

test('torch checkpoints: truncated, corrupt and foreign files fail clearly', () => {
  const zip = readFileSync(ZIP);
  assert.throws(() => parseTorchFile(zip.subarray(0, zip.length >> 1), 'half.ckpt'), /half\.ckpt: truncated or corrupt zip archive: no end-of-central-directory/);
  assert.throws(() => parseTorchFile(zip.subarray(0, zip.length - 30), 'cut.ckpt'), /cut\.ckpt: .*(truncated|corrupt)/);
  // One flipped byte inside a storage.
  const flipped = Buffer.from(zip);
  const arch = new ZipArchive(flipped, 'z');
  const entry = arch.entries.get('prodiff_tiny_zip/data/0')!;
  flipped[entry.localHeaderOffset + 30 + flipped.readUInt16LE(entry.localHeaderOffset + 26) + flipped.readUInt16LE(entry.localHeaderOffset + 28)] ^= 0xff;
  assert.throws(() => parseTorchFile(flipped, 'flip.ckpt'), /flip\.ckpt: corrupt zip archive: CRC-32 mismatch in entry 'prodiff_tiny_zip\/data\/0'/);

  const legacy = readFileSync(LEGACY);
  assert.throws(() => parseTorchFile(legacy.subarray(0, legacy.length - 100), 'short.ckpt'), /short\.ckpt: truncated checkpoint: storage '\d+' needs \d+ bytes/);
  assert.throws(() => parseTorchFile(legacy.subarray(0, 5000), 'short.ckpt'), /short\.ckpt: truncated pickle/);

  assert.throws(() => parseTorchFile(Buffer.from('hello world, not a checkpoint'), 'text.ckpt'), /text\.ckpt: not a PyTorch checkpoint: .*wrong magic/);
  assert.throws(() => parseTorchFile(Buffer.from('80024b072e', 'hex'), 'seven.pkl'), /seven\.pkl: not a PyTorch checkpoint: a pickle without the torch\.save magic number/);
  assert.throws(() => parseTorchFile(storedZip({ 'x/readme.txt': Buffer.from('hi') }), 'other.zip'), /other\.zip: zip archive has no <name>\/data\.pkl/);
  // A deflated entry reads too (PyTorch stores, other tools may compress).
  const pkl = Buffer.from('80027d71005801000000617101284b014b0274710273', 'hex');
  const ok = parseTorchFile(storedZip({ 'a/data.pkl': Buffer.concat([pkl, Buffer.from('.')]) }, true), 'deflated.zip');
  assert.deepEqual([...((ok as Map<string, unknown[]>).get('a')!)], [1, 2]);
  assert.throws(() => loadTorchFile(join(FIXTURES, 'no-such.ckpt')), /no-such\.ckpt: cannot read \(ENOENT\)/);
});

/** A minimal zip writer for the tests (stored or deflated entries). */
function storedZip(files: Record<string, Buffer>, deflate = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const body = deflate ? zlib.deflateRawSync(data) : data;
    const crc = zlib.crc32 ? zlib.crc32(data) : 0;
    const n = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(20, 4); h.writeUInt16LE(deflate ? 8 : 0, 8);
    h.writeUInt32LE(crc, 14); h.writeUInt32LE(body.length, 18); h.writeUInt32LE(data.length, 22); h.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE(20, 4); c.writeUInt16LE(20, 6); c.writeUInt16LE(deflate ? 8 : 0, 10);
    c.writeUInt32LE(crc, 16); c.writeUInt32LE(body.length, 20); c.writeUInt32LE(data.length, 24); c.writeUInt16LE(n.length, 28); c.writeUInt32LE(offset, 42);
    locals.push(h, n, body);
    centrals.push(c, n);
    offset += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0); e.writeUInt16LE(Object.keys(files).length, 8); e.writeUInt16LE(Object.keys(files).length, 10);
  e.writeUInt32LE(cd.length, 12); e.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, e]);
}
