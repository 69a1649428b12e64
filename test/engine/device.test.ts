import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createSession, exportOnnx, Graph, op, ortTensor, ParamStore, parseDevice, probeDevice, Rng, schedules, Trainer, type Device, type TrainerSpec } from '../../src/engine/index.js';

const run = promisify(execFile);
const cli = new URL('../../src/cli/main.js', import.meta.url).pathname;

test('device names are checked', () => {
  assert.equal(parseDevice('cuda'), 'cuda');
  assert.throws(() => parseDevice('tpu', '--device'), /--device: unknown device 'tpu' \(expected one of: cpu, cuda\)/);
});

test('the CPU is always available and sessions run on it', async () => {
  assert.deepEqual(await probeDevice('cpu'), { available: true });
  const g = new Graph();
  g.output('y', op.mul(g.input('x', 'float32', [2]), 3));
  const s = await createSession(exportOnnx(g), { device: 'cpu' });
  assert.deepEqual(Array.from((await s.run({ x: ortTensor('float32', [1, -2], [2]) })).y!.data as Float32Array), [3, -6]);
});

const cuda = await probeDevice('cuda');

test('asking for CUDA where it is missing fails with the reason, before any work', { skip: cuda.available ? 'CUDA is available here' : false }, async () => {
  assert.match(cuda.reason ?? '', /cuda/);
  const r = await run(process.execPath, [cli, 'say', 'Hello.', '--device', 'cuda', '-o', '/dev/null']).catch((e: { code: number; stderr: string }) => e);
  assert.equal((r as { code: number }).code, 1);
  assert.match((r as { stderr: string }).stderr, /--device cuda: not available here: .*cuda/);
});

function convSpec(device: Device): TrainerSpec {
  return {
    build(g) {
      const x = g.input('x', 'float32', ['B', 4, 'T']);
      const w = g.param('w', [6, 4, 3], { kind: 'normal', std: 0.3 });
      const v = g.param('v', [1, 6, 1], { kind: 'normal', std: 0.3 });
      const y = op.conv(op.tanh(op.conv(x, w, null, { pads: [1, 1] })), v, null);
      return { loss: op.reduceMean(op.mul(y, y)) };
    },
    optimizer: { betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.01, clipGradNorm: 1 },
    schedule: schedules.constant(1e-2),
    session: { device },
  };
}

test('training steps on CUDA match the CPU', { skip: cuda.available ? false : `no CUDA here: ${cuda.reason}` }, async () => {
  const g = new Graph();
  convSpec('cpu').build(g, { training: true });
  const params = new ParamStore().initialize(g, new Rng(2));
  const x = ortTensor('float32', new Rng(3).normalArray(2 * 4 * 16), [2, 4, 16]);
  const out: Record<string, Float32Array> = {};
  for (const device of ['cpu', 'cuda'] as const) {
    const t = await Trainer.create(convSpec(device), params);
    for (let i = 0; i < 5; i++) await t.trainStep({ x });
    out[device] = t.exportParams(new ParamStore()).get('w').data;
    await t.close();
  }
  const diff = out.cpu!.reduce((m, v, i) => Math.max(m, Math.abs(v - out.cuda![i]!)), 0);
  assert.ok(diff < 1e-4, `max |cpu - cuda| = ${diff}`);
});
