// Slice bounds "to the end" (sliceAxis's default) and full reversals, on numeric and symbolic axes:
// the inferred shape and the values ORT computes against plain array slicing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, exportOnnx, Graph, op, ortTensor } from '../../src/engine/index.js';

test('sliceAxis to the end of an axis and flip: shapes and values (numeric and symbolic dims)', async () => {
  for (const rows of [7, 'T'] as const) {
    const g = new Graph('slice');
    const x = g.input('x', 'float32', [rows, 3]);
    const tail = op.sliceAxis(x, 0, 2); // rows 2 ..
    const lastCols = op.sliceAxis(x, 1, 1); // columns 1 ..
    const reversed = op.flip(x, 0);
    assert.deepEqual(tail.shape, [typeof rows === 'number' ? rows - 2 : 'T-2', 3]);
    assert.deepEqual(lastCols.shape, [rows, 2]);
    assert.deepEqual(reversed.shape, [rows, 3]);
    g.output('tail', tail);
    g.output('last_cols', lastCols);
    g.output('reversed', reversed);
    const s = await createSession(exportOnnx(g), { threads: 1 });
    const data = Float32Array.from({ length: 21 }, (_, i) => i);
    const r = await s.run({ x: ortTensor('float32', data, [7, 3]) });
    assert.deepEqual(r.tail!.dims, [5, 3]);
    assert.deepEqual(Array.from(r.tail!.data as Float32Array), Array.from(data.subarray(6)));
    assert.deepEqual(Array.from(r.last_cols!.data as Float32Array), Array.from({ length: 7 }, (_, i) => [3 * i + 1, 3 * i + 2]).flat());
    assert.deepEqual(Array.from(r.reversed!.data as Float32Array), Array.from({ length: 7 }, (_, i) => [3 * (6 - i), 3 * (6 - i) + 1, 3 * (6 - i) + 2]).flat());
  }
});
