import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, readSafetensors, requireTensor, serializeSafetensors, writeSafetensors, ParamStore } from '../../src/engine/index.js';

function withDir(fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-st-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('round trip of every dtype, metadata and 8-byte aligned data', () => {
  withDir((dir) => {
    const path = join(dir, 'a.safetensors');
    writeSafetensors(path, {
      'layer.0.weight': { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) },
      'ids': { shape: [3], data: BigInt64Array.of(1n, -2n, 3n) },
      'f64': { shape: [], data: Float64Array.of(Math.PI) },
      'mask': { shape: [2], data: Uint8Array.of(1, 0), dtype: 'BOOL' },
      'i32': { shape: [1], data: Int32Array.of(-7) },
    }, { note: 'hello' });
    const bytes = readFileSync(path);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + headerLen) % 8, 0);
    const f = readSafetensors(path);
    assert.equal(f.metadata.note, 'hello');
    assert.deepEqual(Array.from(f.tensors.get('layer.0.weight')!.data as Float32Array), [1, 2, 3, 4, 5, 6.5]);
    assert.deepEqual(f.tensors.get('ids')!.data, BigInt64Array.of(1n, -2n, 3n));
    assert.equal(f.tensors.get('f64')!.data[0], Math.PI);
    assert.equal(f.tensors.get('mask')!.dtype, 'BOOL');
    assert.deepEqual(readdirSync(dir), ['a.safetensors'], 'no temporary file is left behind');
  });
});

test('corrupt and truncated files give errors naming the file and tensor', () => {
  const good = serializeSafetensors({ w: { shape: [4], data: Float32Array.of(1, 2, 3, 4) } });
  assert.throws(() => parseSafetensors(good.subarray(0, 5), 'x.st'), /x.st: truncated/);
  assert.throws(() => parseSafetensors(good.subarray(0, good.length - 4), 'x.st'), /x.st: tensor 'w'.*truncated/);
  const badLen = Uint8Array.from(good);
  new DataView(badLen.buffer).setBigUint64(0, 10n ** 12n, true);
  assert.throws(() => parseSafetensors(badLen, 'x.st'), /header length .* exceeds/);
  const badJson = Uint8Array.from(good);
  badJson[8] = 0x7b + 1;
  assert.throws(() => parseSafetensors(badJson, 'x.st'), /not valid JSON/);
  const h = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }));
  const wrong = Buffer.concat([Buffer.alloc(8), h, Buffer.alloc(16)]);
  wrong.writeBigUInt64LE(BigInt(h.length), 0);
  assert.throws(() => parseSafetensors(wrong, 'x.st'), /tensor 'w': data_offsets \[0, 16\] do not hold 3 x F32/);
  assert.throws(() => readSafetensors('/nonexistent/file.safetensors'), /file.safetensors: cannot read \(ENOENT\)/);
  const file = parseSafetensors(good, 'x.st');
  assert.throws(() => requireTensor(file, 'missing', 'x.st'), /x.st: missing tensor 'missing'/);
  assert.throws(() => requireTensor(file, 'w', 'x.st', [2, 2]), /x.st: tensor 'w' has shape \[4\], expected \[2,2\]/);
});

const python3Missing = spawnSync('python3', ['--version']).error ? 'python3 is not installed' : false;

test('files written here load in Python safetensors conventions (header parsed independently)', { skip: python3Missing }, () => {
  // An independent reader: Python's json + struct (no safetensors package needed).
  withDir((dir) => {
    const path = join(dir, 'p.safetensors');
    const store = new ParamStore();
    store.set('denoise_fn.mlp.0.weight', [2, 2], Float32Array.of(1, -1, 0.5, 2));
    store.save(path, { format: 'pt' });
    const out = execFileSync('python3', ['-c', `
import json, struct, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8+n])
e = h['denoise_fn.mlp.0.weight']
s, end = e['data_offsets']
vals = struct.unpack('<4f', b[8+n+s:8+n+end])
print(json.dumps({'dtype': e['dtype'], 'shape': e['shape'], 'vals': vals, 'meta': h['__metadata__']}))
`, path], { encoding: 'utf-8' });
    assert.deepEqual(JSON.parse(out), { dtype: 'F32', shape: [2, 2], vals: [1, -1, 0.5, 2], meta: { format: 'pt' } });
  });
});

test('a ParamStore refuses values whose count does not match the shape', () => {
  assert.throws(() => new ParamStore().set('w', [2, 2], new Float32Array(3)), /'w': 3 values for shape \[2,2\]/);
  withDir((dir) => {
    writeFileSync(join(dir, 'x.safetensors'), serializeSafetensors({ w: { shape: [1], data: Int32Array.of(1) } }));
    assert.throws(() => ParamStore.fromSafetensors(join(dir, 'x.safetensors')), /'w' is I32, expected F32/);
  });
});
