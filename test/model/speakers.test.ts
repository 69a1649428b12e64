// Multi-speaker ProDiff (the official FastSpeech2's use_spk_id / use_split_spk_id / use_spk_embed)
// checked in closed form against the single-speaker model: a speaker vector v enters exactly as
// "encoder output + v" (duration, pitch and energy predictors, and the denoiser condition), so the
// multi-speaker graphs must equal the single-speaker graphs fed encoder_out + v; a zero speaker row
// must give the single-speaker model; and converted multi-speaker checkpoints keep their tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, exportOnnx, Graph, op, ortTensor, ParamStore, Rng, type ort } from '../../src/engine/index.js';
import { durationPredictor, speakerEmbedding, SPK_EMBED_DIM, varianceAdaptor, type FastSpeech2Config } from '../../src/model/fastspeech2.js';
import { convertProDiffCheckpoint, loadProDiffWeights } from '../../src/model/checkpoint.js';
import { AcousticModel } from '../../src/model/inference.js';
import { parseHparams } from '../../src/model/hparams.js';
import { prodiffConfigFromHparams } from '../../src/model/prodiff.js';
import { writeSafetensors } from '../../src/engine/safetensors.js';
import { loadTorchFile, TorchTensor } from '../../src/checkpoint/torch.js';
import { Scope } from '../../src/nn/index.js';
import { speakersFromSpkMap } from '../../src/cli/convert.js';
import { packageVoice } from '../../src/voice/package.js';
import { PhoneVocab } from '../../src/text/index.js';
import { FIXTURES } from '../checkpoint/fixtures.js';

const H = 8;
const base: FastSpeech2Config = {
  vocabSize: 10, hidden: H, encLayers: 1, heads: 2, encFfnKernel: 3, durPredictorLayers: 1, durPredictorKernel: 3,
  predictorLayers: 1, predictorKernel: 3, predictorHidden: 8, dropout: 0, predictorDropout: 0, predictorGrad: 0.1,
  f0Mean: 200, f0Std: 50, usePitch: true, useEnergy: true, numSpk: 0,
};

const L = 3;
const TOKENS = [3, 4, 5];
const MEL2PH = [1, 1, 2, 3, 3, 3, 0];
const T = MEL2PH.length;

/** Duration predictor and variance adaptor on a given encoder output (what follows the encoder). */
function afterEncoder(cfg: FastSpeech2Config): Graph {
  const g = new Graph('after_encoder');
  const fs2 = new Scope(g).child('fs2');
  const enc = g.input('encoder_out', 'float32', [1, L, H]);
  const tokens = g.input('txt_tokens', 'int64', [1, L]);
  const mel2ph = g.input('mel2ph', 'int64', [1, T]);
  const who = (cfg.spkEmbedDim ?? 0) > 0 ? { embed: g.input('spk_embed', 'float32', [1, cfg.spkEmbedDim!]) } : cfg.numSpk > 0 ? { id: g.input('spk_id', 'int64', [1]) } : {};
  const nonPad = op.cast(op.not(op.equal(tokens, 0)), 'float32');
  const sDur = speakerEmbedding(fs2, cfg, who, 'dur');
  const dur = durationPredictor(fs2, cfg, op.mul(sDur ? op.add(enc, sDur) : enc, op.unsqueeze(nonPad, [2])), nonPad);
  const v = varianceAdaptor(fs2, cfg, { tokens, encoderOut: enc, mel2ph, spk: who.id, spkEmbed: who.embed });
  g.output('dur', dur);
  g.output('cond', v.cond);
  g.output('pitch_pred', v.pitchPred!);
  g.output('energy_pred', v.energyPred!);
  return g;
}

async function run(g: Graph, store: ParamStore, feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const s = await createSession(exportOnnx(g, { values: (n) => store.get(n).data }));
  const r = await s.run(feeds);
  await s.release();
  return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.data as Float32Array]));
}

const ENC = new Rng(11).normalArray(L * H);
const feeds = (enc: Float32Array, extra: Record<string, ort.Tensor> = {}) => ({
  encoder_out: ortTensor('float32', enc, [1, L, H]), txt_tokens: ortTensor('int64', TOKENS, [1, L]), mel2ph: ortTensor('int64', MEL2PH, [1, T]), ...extra,
});
/** encoder_out + v on every token (the single-speaker model's view of a speaker vector v). */
const shifted = (v: ArrayLike<number>) => ENC.map((x, i) => x + v[i % H]!);
const row = (store: ParamStore, name: string, r: number) => store.get(name).data.slice(r * H, (r + 1) * H);

function close(a: Float32Array, b: Float32Array, what: string, tol = 2e-5): void {
  assert.equal(a.length, b.length, what);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  assert.ok(worst <= tol, `${what}: max rel err ${worst}`);
}

async function fixture(cfg: FastSpeech2Config, seed: number) {
  const single = afterEncoder(base);
  const multi = afterEncoder(cfg);
  const store = new ParamStore().initialize(multi, new Rng(seed));
  for (const k of single.params.keys()) assert.ok(store.has(k), `shared parameter ${k}`);
  return { single, multi, store };
}

test('use_spk_id: the speaker row adds exactly to the encoder output (durations, pitch, energy, condition)', async () => {
  const cfg = { ...base, numSpk: 3 };
  const { single, multi, store } = await fixture(cfg, 5);
  assert.deepEqual(store.get('fs2.spk_embed_proj.weight').shape, [4, H], 'num_spk + 1 rows, as the official Embedding');
  for (const id of [0, 2, 3]) {
    const m = await run(multi, store, feeds(ENC, { spk_id: ortTensor('int64', [id], [1]) }));
    const s = await run(single, store, feeds(shifted(row(store, 'fs2.spk_embed_proj.weight', id))));
    for (const k of ['dur', 'cond', 'pitch_pred', 'energy_pred']) close(m[k]!, s[k]!, `speaker ${id}: ${k}`);
  }
  // A zero row is the single-speaker model.
  store.get('fs2.spk_embed_proj.weight').data.fill(0, H, 2 * H);
  const m = await run(multi, store, feeds(ENC, { spk_id: ortTensor('int64', [1], [1]) }));
  const s = await run(single, store, feeds(ENC));
  for (const k of ['dur', 'cond', 'pitch_pred', 'energy_pred']) close(m[k]!, s[k]!, `zero row: ${k}`, 1e-6);
  // Two speakers differ.
  const a = await run(multi, store, feeds(ENC, { spk_id: ortTensor('int64', [0], [1]) }));
  assert.notDeepEqual(a.cond, m.cond);
});

test('use_split_spk_id: duration table -> duration predictor, f0 table -> pitch/energy predictors, main table -> condition only', async () => {
  const cfg = { ...base, numSpk: 2, splitSpk: true };
  const { single, multi, store } = await fixture(cfg, 6);
  for (const k of ['fs2.spk_embed_proj.weight', 'fs2.spk_embed_dur.weight', 'fs2.spk_embed_f0.weight']) assert.deepEqual(store.get(k).shape, [3, H]);
  const id = 1;
  // Only the duration table set: durations move as for enc + v, nothing else does.
  const zeroRow = (name: string) => store.get(name).data.fill(0, id * H, (id + 1) * H);
  zeroRow('fs2.spk_embed_proj.weight');
  zeroRow('fs2.spk_embed_f0.weight');
  const spk = { spk_id: ortTensor('int64', [id], [1]) };
  let m = await run(multi, store, feeds(ENC, spk));
  const plain = await run(single, store, feeds(ENC));
  const durShift = await run(single, store, feeds(shifted(row(store, 'fs2.spk_embed_dur.weight', id))));
  close(m.dur!, durShift.dur!, 'dur table: dur');
  for (const k of ['cond', 'pitch_pred', 'energy_pred']) close(m[k]!, plain[k]!, `dur table: ${k}`, 1e-6);
  // Only the main table set (row c): predictors untouched, the condition is the single model's + c at every frame but padding.
  zeroRow('fs2.spk_embed_dur.weight');
  const c = new Rng(8).normalArray(H);
  store.get('fs2.spk_embed_proj.weight').data.set(c, id * H);
  m = await run(multi, store, feeds(ENC, spk));
  for (const k of ['dur', 'pitch_pred', 'energy_pred']) close(m[k]!, plain[k]!, `main table: ${k}`, 1e-6);
  const expected = plain.cond!.map((x, i) => x + (MEL2PH[i % T]! > 0 ? c[Math.floor(i / T)]! : 0)); // cond is [1, H, T]
  close(m.cond!, expected, 'main table: cond = single + c');
  // Only the f0 table set: the predictors see enc + v, the condition changes only through the pitch/energy embeddings.
  store.get('fs2.spk_embed_proj.weight').data.fill(0, id * H, (id + 1) * H);
  store.get('fs2.spk_embed_f0.weight').data.set(c, id * H);
  m = await run(multi, store, feeds(ENC, spk));
  const f0Shift = await run(single, store, feeds(shifted(c)));
  close(m.dur!, plain.dur!, 'f0 table: dur', 1e-6);
  close(m.pitch_pred!, f0Shift.pitch_pred!, 'f0 table: pitch_pred');
  close(m.energy_pred!, f0Shift.energy_pred!, 'f0 table: energy_pred');
});

test('use_spk_embed: Linear(256 -> H, bias) of the external embedding adds exactly to the encoder output', async () => {
  const cfg = { ...base, spkEmbedDim: SPK_EMBED_DIM };
  const { single, multi, store } = await fixture(cfg, 9);
  const W = store.get('fs2.spk_embed_proj.weight');
  assert.deepEqual(W.shape, [H, SPK_EMBED_DIM]);
  store.get('fs2.spk_embed_proj.bias').data.set(new Rng(10).normalArray(H));
  const b = store.get('fs2.spk_embed_proj.bias').data;
  const e = new Rng(12).normalArray(SPK_EMBED_DIM);
  const v = Array.from({ length: H }, (_, o) => b[o]! + e.reduce((a, x, i) => a + W.data[o * SPK_EMBED_DIM + i]! * x, 0));
  const m = await run(multi, store, feeds(ENC, { spk_embed: ortTensor('float32', e, [1, SPK_EMBED_DIM]) }));
  const s = await run(single, store, feeds(shifted(v)));
  for (const k of ['dur', 'cond', 'pitch_pred', 'energy_pred']) close(m[k]!, s[k]!, `spk_embed: ${k}`);
});

test('hparams: speaker options as the official code allows them', () => {
  const hp = { hidden_size: 8, enc_layers: 1, enc_ffn_kernel_size: 3, residual_channels: 4, residual_layers: 1, vocab_size: 10, f0_mean: 200, f0_std: 50 };
  assert.equal(prodiffConfigFromHparams({ ...hp, use_spk_id: true, num_spk: 3 }).fs2.numSpk, 3);
  assert.equal(prodiffConfigFromHparams({ ...hp, use_spk_embed: true }).fs2.spkEmbedDim, 256);
  assert.equal(prodiffConfigFromHparams({ ...hp, use_spk_id: true, use_split_spk_id: true }).fs2.splitSpk, true);
  assert.throws(() => prodiffConfigFromHparams({ ...hp, use_spk_id: true, use_spk_embed: true }, 'c.json'), /c\.json: hparams 'use_spk_embed' and use_spk_id cannot both be true/);
  assert.throws(() => prodiffConfigFromHparams({ ...hp, use_split_spk_id: true }, 'c.json'), /'use_split_spk_id' needs use_spk_id/);
  assert.throws(() => parseHparams({ num_spk: 0 }, 'c.json'), /'num_spk' must be >= 1/);
});

/** A float32 tensor as the checkpoint reader would give it. */
function torchTensor(shape: number[], values: Float32Array): TorchTensor {
  const stride = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return new TorchTensor({ key: 'test', dtype: 'float32', elementSize: 4, numel: values.length, bytes: new Uint8Array(values.buffer.slice(0)) }, 0, shape, stride, 'test');
}

test('convert: official multi-speaker state dicts (use_spk_id, split, use_spk_embed) round-trip and synthesise', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-spk-'));
  try {
    const root = loadTorchFile(join(FIXTURES, 'prodiff_tiny_legacy.ckpt')) as Map<string, unknown>;
    const model = (root.get('state_dict') as Map<string, unknown>).get('model') as Map<string, TorchTensor>;
    const Hc = model.get('fs2.encoder_embed_tokens.weight')!.shape[1]!;
    const F0 = { f0_mean: 206.5, f0_std: 47.25 };
    const withTensors = (extra: Record<string, TorchTensor>) => new Map([['state_dict', new Map([['model', new Map([...model, ...Object.entries(extra)])]])]]);
    const load = (conv: ReturnType<typeof convertProDiffCheckpoint>, name: string) => {
      const p = join(dir, name);
      writeSafetensors(p, conv.tensors, conv.metadata);
      return loadProDiffWeights(p);
    };
    const single = load(convertProDiffCheckpoint(withTensors({}), 'single', { hparams: F0 }), 'single.safetensors');
    assert.equal(single.cfg.fs2.numSpk, 0);

    // use_spk_id, 3 speakers (4 rows); row 2 zero.
    const table = new Rng(3).normalArray(4 * Hc).map((x) => 0.5 * x);
    table.fill(0, 2 * Hc, 3 * Hc);
    const conv = convertProDiffCheckpoint(withTensors({ 'fs2.spk_embed_proj.weight': torchTensor([4, Hc], table) }), 'multi', { hparams: F0 });
    assert.deepEqual([conv.hparams.use_spk_id, conv.hparams.num_spk, conv.hparams.use_split_spk_id, conv.hparams.use_spk_embed], [true, 3, false, false]);
    const multi = load(conv, 'multi.safetensors');
    assert.equal(multi.cfg.fs2.numSpk, 3);
    assert.deepEqual(multi.params.get('fs2.spk_embed_proj.weight').data, table, 'the table round-trips exactly');
    const phones = [5, 9, 12, 7, 20, 3];
    const synth = async (w: typeof single, o: Parameters<AcousticModel['synthesize']>[1]) => {
      const m = await AcousticModel.create(w.cfg, w.params, { ...w.options, threads: 1 });
      try { return await m.synthesize(phones, { seed: 4, ...o }); } finally { await m.dispose(); }
    };
    const ref = await synth(single, {});
    const zero = await synth(multi, { speaker: 2 });
    assert.deepEqual(zero.durations, ref.durations);
    close(zero.mel, ref.mel, 'zero speaker row = the single-speaker model', 1e-5);
    const other = await synth(multi, { speaker: 1 });
    assert.notDeepEqual(other.mel, ref.mel);
    await assert.rejects(synth(multi, { speaker: 4 }), /speaker 4 out of range \[0, 3\]/);
    assert.throws(() => convertProDiffCheckpoint(withTensors({ 'fs2.spk_embed_proj.weight': torchTensor([4, Hc], table) }), 'x.ckpt', { hparams: { ...F0, use_spk_id: true, num_spk: 5 } }),
      /x\.ckpt: hparams say num_spk = 5 but the weights have 3/);

    // Names from the binarizer's spk_map.json travel with the weights into a voice package.
    const names = speakersFromSpkMap('{"bob": 1, "ann": 0, "cy": 2}', 'spk_map.json');
    assert.deepEqual(names, ['ann', 'bob', 'cy']);
    assert.throws(() => speakersFromSpkMap('{"a": 0, "b": 0}', 'm.json'), /m\.json: speakers 'a' and 'b' share id 0/);
    assert.throws(() => speakersFromSpkMap('{"a": 1}', 'm.json'), /m\.json: speaker 'a' has id 1; ids must be the integers 0\.\.0/);
    assert.throws(() => speakersFromSpkMap('[1]', 'm.json'), /expected a JSON object/);
    const named = convertProDiffCheckpoint(withTensors({ 'fs2.spk_embed_proj.weight': torchTensor([4, Hc], table) }), 'named', { hparams: { ...F0, speakers: names, vocab: PhoneVocab.default().tokens.slice(0, 40) } });
    writeSafetensors(join(dir, 'named.safetensors'), named.tensors, named.metadata);
    const voice = packageVoice({ model: join(dir, 'named.safetensors'), out: join(dir, 'voice') });
    assert.deepEqual([voice.config.num_speakers, { ...voice.config.speaker_id_map }], [3, { ann: 0, bob: 1, cy: 2 }]);
    assert.throws(() => convertProDiffCheckpoint(withTensors({ 'fs2.spk_embed_proj.weight': torchTensor([4, Hc], table) }), 'n.ckpt', { hparams: { ...F0, speakers: ['a', 'b', 'c', 'd'] } }),
      /n\.ckpt: 4 speaker names for a speaker table of 3 speakers/);
    assert.throws(() => convertProDiffCheckpoint(withTensors({}), 's.ckpt', { hparams: { ...F0, speakers: ['a'] } }), /s\.ckpt: speaker names given \(a\) but the weights have no speaker-id table/);

    // use_split_spk_id: the two extra tables are recognised and kept.
    const split = convertProDiffCheckpoint(withTensors({
      'fs2.spk_embed_proj.weight': torchTensor([4, Hc], table), 'fs2.spk_embed_f0.weight': torchTensor([4, Hc], table), 'fs2.spk_embed_dur.weight': torchTensor([4, Hc], table),
    }), 'split', { hparams: F0 });
    assert.equal(split.hparams.use_split_spk_id, true);
    const splitW = load(split, 'split.safetensors');
    close((await synth(splitW, { speaker: 2 })).mel, ref.mel, 'split tables, zero rows', 1e-5);
    assert.throws(() => convertProDiffCheckpoint(withTensors({ 'fs2.spk_embed_proj.weight': torchTensor([4, Hc], table), 'fs2.spk_embed_f0.weight': torchTensor([3, Hc], table.slice(0, 3 * Hc)) }), 'y.ckpt', { hparams: F0 }),
      /y\.ckpt: missing tensor 'fs2.spk_embed_dur.weight'|fs2\.spk_embed_f0\.weight is \[3,/);

    // use_spk_embed: Linear(256, H) with bias; a zero embedding and zero bias is the single-speaker model.
    const W = new Rng(5).normalArray(Hc * SPK_EMBED_DIM).map((x) => 0.05 * x);
    const ext = convertProDiffCheckpoint(withTensors({ 'fs2.spk_embed_proj.weight': torchTensor([Hc, SPK_EMBED_DIM], W), 'fs2.spk_embed_proj.bias': torchTensor([Hc], new Float32Array(Hc)) }), 'ext', { hparams: F0 });
    assert.deepEqual([ext.hparams.use_spk_embed, ext.hparams.use_spk_id], [true, false]);
    const extW = load(ext, 'ext.safetensors');
    assert.equal(extW.cfg.fs2.spkEmbedDim, SPK_EMBED_DIM);
    close((await synth(extW, { speakerEmbedding: new Float32Array(SPK_EMBED_DIM) })).mel, ref.mel, 'zero external embedding', 1e-5);
    assert.notDeepEqual((await synth(extW, { speakerEmbedding: new Rng(6).normalArray(SPK_EMBED_DIM) })).mel, ref.mel);
    await assert.rejects(synth(extW, {}), /external speaker embedding of 256 values \(got none\)/);
    assert.throws(() => convertProDiffCheckpoint(withTensors({ 'fs2.spk_embed_proj.weight': torchTensor([Hc, 100], new Float32Array(Hc * 100)), 'fs2.spk_embed_proj.bias': torchTensor([Hc], new Float32Array(Hc)) }), 'z.ckpt', { hparams: F0 }),
      /z\.ckpt: .*speaker projection fs2\.spk_embed_proj\.weight is \[\d+,100\], expected \[\d+, 256\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
