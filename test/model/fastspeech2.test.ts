// Host-side pieces of the variance adaptor and the predictors' gradient scaling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, exportOnnx, gradients, Graph, op, ortTensor, ParamStore, Rng } from '../../src/engine/index.js';
import { durationPredictor, energyToIndex, f0ToCoarse, fastspeechEncoder, lengthRegulator, roundHalfEven, type FastSpeech2Config } from '../../src/model/fastspeech2.js';
import { silenceIdsFromVocab } from '../../src/model/losses.js';
import { Scope } from '../../src/nn/index.js';

test('length regulator: durations -> 1-based mel2ph, padding masked, T = longest item', () => {
  const r = lengthRegulator([2, 2, 3, 0, 1, 0, 5, 9], 2, 4, { padMask: [0, 0, 0, 1, 0, 0, 0, 1] });
  assert.equal(r.frames, 7);
  assert.deepEqual(r.perItem, [7, 6]);
  assert.deepEqual(Array.from(r.mel2ph, Number), [1, 1, 2, 2, 3, 3, 3, 1, 3, 3, 3, 3, 3, 0]);
  const s = lengthRegulator([3, 1], 1, 2, { scale: 0.5 });
  assert.deepEqual(Array.from(s.mel2ph, Number), [1, 1]); // round(1.5) = 2, round(0.5) = 0
});

test('round half to even (torch.round)', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, 3]);
});

test('silence ids from the official phone list', () => {
  const vocab = ['!', ',', '.', '<BOS>', '<EOS>', '?', 'AA0', 'B', '|'];
  assert.deepEqual(silenceIdsFromVocab(vocab), [0, 1, 2, 3, 4, 5, 6, 7, 10]);
});

test('f0 coarse bins and energy bins', async () => {
  const g = new Graph('bins');
  const f0 = g.input('f0', 'float32', [6]);
  const e = g.input('e', 'float32', [4]);
  g.output('coarse', f0ToCoarse(f0));
  g.output('eidx', energyToIndex(e));
  const s = await createSession(exportOnnx(g));
  const hz = [0, 50, 1100, 5000, 220, 440];
  const r = await s.run({ f0: ortTensor('float32', hz, [6]), e: ortTensor('float32', [0.01, 1.5, 10, -0.2], [4]) });
  const mel = (f: number) => 1127 * Math.log(1 + f / 700);
  const ref = hz.map((f) => {
    let m = mel(f);
    if (m > 0) m = ((m - mel(50)) * 254) / (mel(1100) - mel(50)) + 1;
    return Math.floor(Math.min(Math.max(m, 1), 255) + 0.5);
  });
  assert.deepEqual(Array.from(r.coarse!.data as BigInt64Array, Number), ref);
  assert.deepEqual(Array.from(r.eidx!.data as BigInt64Array, Number), [0, 96, 255, 0]);
});

const tiny: FastSpeech2Config = {
  vocabSize: 10, hidden: 8, encLayers: 1, heads: 2, encFfnKernel: 3, durPredictorLayers: 1, durPredictorKernel: 3,
  predictorLayers: 1, predictorKernel: 3, predictorHidden: 8, dropout: 0, predictorDropout: 0, predictorGrad: 0.1,
  f0Mean: 200, f0Std: 50, usePitch: true, useEnergy: true, numSpk: 0,
};

test('the duration loss reaches the encoder scaled by predictor_grad', async () => {
  const grads: number[][] = [];
  let store: ParamStore | undefined;
  for (const scale of [1, 0.1]) {
    const cfg = { ...tiny, predictorGrad: scale };
    const g = new Graph('scale');
    const tokens = g.input('txt_tokens', 'int64', ['B', 'L']);
    const fs2 = new Scope(g).child('fs2');
    const enc = fastspeechEncoder(fs2, cfg, tokens);
    const nonPad = op.cast(op.greater(tokens, 0), 'float32');
    const dur = durationPredictor(fs2, cfg, enc, nonPad);
    const loss = op.reduceSum(op.mul(dur, dur));
    const w = g.params.get('fs2.encoder.layer_norm.weight')!.tensor;
    g.output('g', gradients(loss, [w])[0]!);
    store ??= new ParamStore().initialize(g, new Rng(3));
    const s = await createSession(exportOnnx(g, { values: (n) => store!.get(n).data }));
    const r = await s.run({ txt_tokens: ortTensor('int64', [3, 4, 5, 0], [1, 4]) });
    grads.push(Array.from(r.g!.data as Float32Array));
  }
  const [full, scaled] = grads as [number[], number[]];
  assert.ok(full.some((v) => Math.abs(v) > 1e-6));
  full.forEach((v, i) => assert.ok(Math.abs(scaled[i]! - 0.1 * v) < 1e-6 + 1e-4 * Math.abs(v)));
});

test('tied token embedding: aliases fold onto one parameter and are restored for saving', async () => {
  const { foldTiedParameters, withTiedAliases } = await import('../../src/model/fastspeech2.js');
  const s = new ParamStore();
  s.set('fs2.encoder_embed_tokens.weight', [2, 2], Float32Array.of(1, 2, 3, 4));
  s.set('fs2.encoder.embed_tokens.weight', [2, 2], Float32Array.of(1, 2, 3, 4));
  foldTiedParameters(s);
  assert.equal(s.has('fs2.encoder.embed_tokens.weight'), false);
  withTiedAliases(s);
  assert.deepEqual(s.get('fs2.encoder.embed_tokens.weight').data, Float32Array.of(1, 2, 3, 4));
  s.set('fs2.encoder.embed_tokens.weight', [2, 2], Float32Array.of(1, 2, 3, 5));
  assert.throws(() => foldTiedParameters(s), /differ/);
});

test('multi-speaker: the speaker embedding enters durations and the condition', async () => {
  const { buildAdaptorGraph, buildEncoderGraph } = await import('../../src/model/prodiff.js');
  const cfg = { fs2: { ...tiny, numSpk: 3 }, denoiser: { mels: 4, condChannels: 8, residualChannels: 4, residualLayers: 1, dilationCycle: 1 }, mels: 4 };
  const eg = buildEncoderGraph(cfg);
  const ag = buildAdaptorGraph(cfg);
  assert.ok(eg.params.has('fs2.spk_embed_proj.weight') && ag.params.has('fs2.spk_embed_proj.weight'));
  const store = new ParamStore().initialize(eg, new Rng(4)).initialize(ag, new Rng(5));
  const enc = await createSession(exportOnnx(eg, { values: (n) => store.get(n).data }));
  const ad = await createSession(exportOnnx(ag, { values: (n) => store.get(n).data }));
  const tokens = ortTensor('int64', [3, 4, 5], [1, 3]);
  const conds: Float32Array[] = [];
  for (const spk of [1, 2]) {
    const e = await enc.run({ txt_tokens: tokens, spk_id: ortTensor('int64', [spk], [1]) });
    const a = await ad.run({ encoder_out: e.encoder_out!, txt_tokens: tokens, mel2ph: ortTensor('int64', [1, 2, 2, 3], [1, 4]), spk_id: ortTensor('int64', [spk], [1]) });
    conds.push(a.cond!.data as Float32Array);
  }
  assert.notDeepEqual(conds[0], conds[1]);
});
