import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, exportOnnx, gradients, Graph, op, ortTensor } from '../../src/engine/index.js';

async function dropoutSession(seed: number) {
  const g = new Graph();
  const x = g.input('x', 'float32', [1000]);
  const y = op.dropout(x, 0.25, { training: true, seed });
  const [gx] = gradients(op.reduceSum(op.mul(y, 2)), [x]);
  g.output('y', y);
  g.output('gx', gx!);
  return createSession(exportOnnx(g));
}

test('seeded dropout: inverted scaling, gradient through the mask, reproducible per seed', async () => {
  const feeds = { x: ortTensor('float32', new Array(1000).fill(1), [1000]) };
  const a = await dropoutSession(42);
  const r1 = await a.run(feeds);
  const y = Array.from(r1.y!.data as Float32Array);
  const kept = y.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6), 'kept values are scaled by 1/(1-p)');
  assert.ok(Math.abs(kept.length / 1000 - 0.75) < 0.05, `kept fraction ${kept.length / 1000}`);
  // dy/dx is 2/(1-p) where kept, 0 where dropped.
  Array.from(r1.gx!.data as Float32Array).forEach((gv, i) => assert.ok(Math.abs(gv - (y[i]! === 0 ? 0 : 2 / 0.75)) < 1e-5));
  const r2 = await a.run(feeds);
  assert.notDeepEqual(Array.from(r2.y!.data as Float32Array), y, 'each run draws a new mask');
  const b = await dropoutSession(42);
  assert.deepEqual(Array.from((await b.run(feeds)).y!.data as Float32Array), y, 'same seed, same first mask');
});

test('dropout outside training is the identity', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  assert.equal(op.dropout(x, 0.5, { training: false }), x);
  assert.throws(() => op.dropout(x, 1.5, { training: true }), /ratio/);
});

test('the dropout gradient needs the ratio as a known constant', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  const ratio = g.input('ratio', 'float32', []);
  const [y] = g.addNode('Dropout', [x, ratio, g.constant({ dtype: 'bool', shape: [], values: [1] })]);
  assert.throws(() => gradients(op.reduceSum(y!), [x]), /Dropout gradient: the ratio .* must be a scalar constant/);
});
