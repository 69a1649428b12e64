import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, gradients, exportOnnx, createSession, ortTensor, op } from '../../src/engine/index.js';

async function run(g: Graph, feeds: Record<string, number[]>, shapes: Record<string, number[]>) {
  const s = await createSession(exportOnnx(g));
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, ortTensor('float32', v, shapes[k]!)])));
  return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
}

test('stop-gradient and gradient scaling (x.detach() + 0.1 (x - x.detach()))', async () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [3]);
  // f = sum(a * sg(a)) + 10 * sum(scale(a, 0.1)); autodiff gives df/da = a + 1, the forward value is sum(a^2) + 10 sum(a).
  const f = op.add(op.reduceSum(op.mul(a, op.stopGradient(a))), op.mul(op.reduceSum(op.scaleGradient(a, 0.1)), 10));
  const [ga] = gradients(f, [a]);
  g.output('f', f);
  g.output('ga', ga!);
  const r = await run(g, { a: [1, -2, 0.5] }, { a: [3] });
  assert.ok(Math.abs(r.f![0]! - (1 + 4 + 0.25 + 10 * (1 - 2 + 0.5))) < 1e-5);
  assert.deepEqual(r.ga!.map((v) => +v.toFixed(5)), [2, -1, 1.5]);
});

test('tied parameters receive the sum of their uses', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  const w = g.param('w', [2]);
  const w2 = g.param('w', [2]); // the same parameter, declared twice
  assert.equal(w, w2);
  const f = op.reduceSum(op.add(op.mul(x, w), op.mul(op.mul(x, x), w2)));
  const [gw] = gradients(f, [w]);
  g.output('gw', gw!);
  const s = await createSession(exportOnnx(g, { values: () => Float32Array.of(0, 0) }));
  const r = await s.run({ x: ortTensor('float32', [3, -1], [2]) });
  assert.deepEqual(Array.from(r.gw!.data as Float32Array), [3 + 9, -1 + 1]);
});

test('no gradient flows through integer ops or into unrelated tensors', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [4]);
  const y = g.input('y', 'float32', [4]);
  const idx = op.cast(op.floor(op.abs(x)), 'int64');
  const f = op.reduceSum(op.mul(op.cast(idx, 'float32'), x));
  const [gx, gy] = gradients(f, [x, y]);
  assert.equal(gy, null);
  g.output('gx', gx!);
  const r = await run(g, { x: [1.5, 2.5, -3.5, 0.2] }, { x: [4] });
  // Only the direct factor x contributes: d/dx (floor|x| * x) = floor|x|.
  assert.deepEqual(r.gx, [1, 2, 3, 0]);
});

test('symbolic batch and time dims: one graph serves every shape', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 3, 'T']);
  const w = g.param('w', [4, 3, 3]);
  const y = op.conv(x, w, null, { pads: [1, 1] });
  assert.deepEqual(y.shape, ['B', 4, 'T']);
  const merged = op.reshape(op.transpose(y, [0, 2, 1]), [-1, 4]);
  assert.deepEqual(merged.shape, ['B*T', 4]);
  const back = op.reshape(merged, ['B', 'T', 4]);
  const loss = op.reduceMean(op.mul(back, back));
  const [gw, gx] = gradients(loss, [w, x]);
  g.output('loss', loss);
  g.output('gw', gw!);
  g.output('gx', gx!);
  const s = await createSession(exportOnnx(g, { values: () => Float32Array.from({ length: 36 }, (_, i) => Math.sin(i)) }));
  for (const [b, t] of [[1, 5], [3, 11]] as const) {
    const r = await s.run({ x: ortTensor('float32', Array.from({ length: b * 3 * t }, (_, i) => Math.cos(i)), [b, 3, t]) });
    assert.deepEqual(r.gx!.dims, [b, 3, t]);
    assert.deepEqual(r.gw!.dims, [4, 3, 3]);
  }
});

test('shape mismatches name the op and the shapes', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [4]);
  assert.throws(() => op.add(a, b), /Add\(a:float32\[2, 3\], b:float32\[4\]\).*do not broadcast/);
  assert.throws(() => op.matmul(a, g.input('c', 'float32', [4, 2])), /MatMul.*inner dims differ/);
  assert.throws(() => op.conv(g.input('x', 'float32', [1, 5, 9]), g.param('w', [2, 3, 3]), null), /Conv.*5 channels/);
});

test('an op without a gradient rule on the path is reported', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [3]);
  const m = op.reduceMin(a);
  assert.throws(() => gradients(m, [a]), /ReduceMin.*no gradient rule/);
});
