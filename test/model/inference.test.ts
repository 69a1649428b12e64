// The inference API on the golden end-to-end case's weights: durations and f0 as the reference
// predicts them, controls, seeded reproducibility, standalone ONNX graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, ortTensor, ParamStore } from '../../src/engine/index.js';
import { AcousticModel } from '../../src/model/index.js';
import { TIED_PARAMETERS } from '../../src/model/fastspeech2.js';
import { loadCase, loadManifest, prodiffConfigFromHparams } from '../../src/parity/index.js';
import { goldenDir } from '../golden.js';

async function setup() {
  const dir = goldenDir('prodiff');
  const { manifest, cases } = loadManifest(dir);
  const c = loadCase(dir, cases.find((x) => x.case === 'teacher_infer_e2e')!, manifest);
  const store = new ParamStore();
  for (const [n, t] of c.tensors) if (n.startsWith('param.') && t.data instanceof Float32Array && !TIED_PARAMETERS[n.slice(6)]) store.set(n.slice(6), t.shape, t.data);
  const cfg = prodiffConfigFromHparams(JSON.parse(c.metadata.hparams!) as Record<string, unknown>);
  return { c, model: await AcousticModel.create(cfg, store, { teacherSteps: 4, numSteps: 4, timescale: 1 }) };
}

test('synthesize: reference durations and f0, controls, seeds, exported graphs', async () => {
  const { c, model } = await setup();
  const tok = c.tensors.get('input.txt_tokens')!;
  const L = tok.shape[1]!;
  // Item 1 is unpadded. (A padded item would not reproduce: in the reference, the encoder's FFN conv
  // sees LayerNorm(0) = bias at padded tokens, so outputs depend on how much padding a batch has.)
  const ids = Array.from((tok.data as BigInt64Array).subarray(L, 2 * L), Number);
  assert.ok(ids.every((v) => v > 0));
  const refDur = Array.from((c.tensors.get('output.dur')!.data as BigInt64Array).subarray(L, 2 * L), Number);
  const T = c.tensors.get('output.mel2ph')!.shape[1]!;
  const refF0 = (c.tensors.get('output.f0_denorm')!.data as Float32Array).subarray(T, 2 * T);

  const r = await model.synthesize(ids, { seed: 1 });
  assert.deepEqual(r.durations, refDur);
  assert.equal(r.frames, refDur.reduce((a, b) => a + b, 0));
  assert.equal(r.mel.length, r.frames * 80);
  for (let t = 0; t < r.frames; t++) assert.ok(Math.abs(r.f0[t]! - refF0[t]!) < 1e-3, `f0[${t}] ${r.f0[t]} vs ${refF0[t]}`);
  assert.equal(r.frames, T);
  assert.ok(r.mel.every(Number.isFinite));

  const again = await model.synthesize(ids, { seed: 1 });
  assert.deepEqual(again.mel, r.mel);
  const other = await model.synthesize(ids, { seed: 2 });
  assert.notDeepEqual(other.mel, r.mel);

  const slow = await model.synthesize(ids, { durationScale: 2 });
  assert.deepEqual(slow.durations, refDur.map((d) => 2 * d));
  const up = await model.synthesize(ids, { pitchShift: 12 });
  for (let t = 0; t < r.frames; t++) assert.ok(Math.abs(up.f0[t]! - 2 * r.f0[t]!) < 1e-3);

  const onnx = model.onnxModels();
  const enc = await createSession(onnx.encoder);
  const out = await enc.run({ txt_tokens: ortTensor('int64', ids, [1, ids.length]) });
  assert.deepEqual(Array.from(out.dur!.data as BigInt64Array, Number), refDur);
});
