import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, exportOnnx, Graph, op, ortTensor, ParamStore, Rng, schedules, Trainer, type Tensor } from '../../src/engine/index.js';
import { istft, stftComplex, type StftConfig } from '../../src/audio/stft.js';
import { logMel, PRODIFF_MEL } from '../../src/audio/mel.js';
import { istftGraph, logMelGraph, reanalysisGraph, stftGraph } from '../../src/model/spectral.js';
import { vocosGenerator, type VocosConfig } from '../../src/model/vocos.js';
import { Scope } from '../../src/nn/index.js';
import { gradCheck } from '../engine/gradcheck.js';
import { maxAbsDiff } from '../compare.js';

const STFT: StftConfig = { nFft: 1024, hop: 256, winLength: 1024, padMode: 'constant' };

async function runGraph(build: (g: Graph) => Record<string, Tensor>, feeds: Record<string, ReturnType<typeof ortTensor>>, values?: ParamStore) {
  const g = new Graph('t');
  for (const [k, t] of Object.entries(build(g))) g.output(k, t);
  const s = await createSession(exportOnnx(g, values ? { values: (n) => values.get(n).data } : {}), { threads: 1 });
  return s.run(feeds);
}

function tone(n: number, sr: number, f0: number, seed = 0): Float32Array {
  const rng = new Rng(seed);
  const y = new Float32Array(n);
  let ph = 0;
  for (let i = 0; i < n; i++) {
    const f = f0 * (1 + 0.05 * Math.sin((2 * Math.PI * 3 * i) / sr));
    ph += (2 * Math.PI * f) / sr;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(h * ph) / h;
    y[i] = 0.2 * v + 0.002 * rng.normal();
  }
  return y;
}

test('iSTFT graph equals the audio layer iSTFT on the same frames (symbolic B and T)', async () => {
  const T = 9;
  const F = STFT.nFft / 2 + 1;
  const rng = new Rng(3);
  const re = rng.normalArray(T * F);
  const im = rng.normalArray(T * F);
  const ref = istft({ re: Float64Array.from(re), im: Float64Array.from(im), frames: T, bins: F }, STFT);
  const r = await runGraph((g) => {
    const a = g.input('re', 'float32', ['B', 'T', F]);
    const b = g.input('im', 'float32', ['B', 'T', F]);
    return { y: istftGraph(a, b, STFT) };
  }, {
    // Batch of two: the frames, then the frames scaled by -2.
    re: ortTensor('float32', Float32Array.from([...re, ...re.map((v) => -2 * v)]), [2, T, F]),
    im: ortTensor('float32', Float32Array.from([...im, ...im.map((v) => -2 * v)]), [2, T, F]),
  });
  const n = (T - 1) * STFT.hop;
  assert.deepEqual(r.y!.dims, [2, n]);
  const peak = Math.max(...Array.from(ref, Math.abs));
  const out = r.y!.data as Float32Array;
  const err = Math.max(maxAbsDiff(out.subarray(0, n), ref), maxAbsDiff(out.subarray(n).map((v) => v / -2), ref));
  assert.ok(err < 1e-5 * Math.max(1, peak), `max |graph - audio istft| = ${err} (peak ${peak})`);
});

test('STFT -> iSTFT graph reconstructs a signal to < 1e-4; STFT and log-mel graphs match the audio layer', async () => {
  const L = 16 * 256;
  const y = tone(L, 22050, 180);
  const spec = stftComplex(y, STFT);
  const F = spec.bins;
  const T = spec.frames;
  // Host STFT frames -> graph iSTFT.
  const toTF = (a: Float64Array) => Float32Array.from(a);
  const r = await runGraph((g) => {
    const a = g.input('re', 'float32', ['B', 'T', F]);
    const b = g.input('im', 'float32', ['B', 'T', F]);
    const w = g.input('wav', 'float32', [1, L]);
    const s = stftGraph(w, STFT);
    // Graph STFT -> graph iSTFT as well.
    const back = istftGraph(op.transpose(s.re, [0, 2, 1]), op.transpose(s.im, [0, 2, 1]), STFT);
    return { y: istftGraph(a, b, STFT), sre: s.re, sim: s.im, back, mel: logMelGraph(w, PRODIFF_MEL) };
  }, { re: ortTensor('float32', toTF(spec.re), [1, T, F]), im: ortTensor('float32', toTF(spec.im), [1, T, F]), wav: ortTensor('float32', y, [1, L]) });
  const err = maxAbsDiff(r.y!.data as Float32Array, y);
  assert.ok(err < 1e-4, `reconstruction error ${err}`);
  const err2 = maxAbsDiff(r.back!.data as Float32Array, y);
  assert.ok(err2 < 1e-4, `graph STFT -> graph iSTFT reconstruction error ${err2}`);
  // Graph STFT is [1, F, T]; the host one [T, F].
  const gre = r.sre!.data as Float32Array;
  const gim = r.sim!.data as Float32Array;
  let serr = 0;
  for (let t = 0; t < T; t++) for (let k = 0; k < F; k++) {
    serr = Math.max(serr, Math.abs(gre[k * T + t]! - spec.re[t * F + k]!), Math.abs(gim[k * T + t]! - spec.im[t * F + k]!));
  }
  assert.ok(serr < 2e-3, `graph STFT vs audio STFT: ${serr}`);
  const hostMel = logMel(y, PRODIFF_MEL);
  const gm = r.mel!.data as Float32Array;
  let merr = 0;
  for (let t = 0; t < T; t++) for (let m = 0; m < 80; m++) merr = Math.max(merr, Math.abs(gm[m * T + t]! - hostMel.data[t * 80 + m]!));
  assert.ok(merr < 1e-3, `graph log-mel vs audio log-mel: ${merr}`);
});

test('reanalysis graph = the audio layer STFT of its iSTFT (symbolic B and T; two frame sizes)', async () => {
  for (const cfg of [STFT, { nFft: 16, hop: 4, winLength: 12, padMode: 'constant' } as StftConfig]) {
    const T = 11;
    const F = cfg.nFft / 2 + 1;
    const rng = new Rng(5);
    // Random frames: not a consistent spectrogram, so the projection changes them.
    const re = rng.normalArray(T * F);
    const im = rng.normalArray(T * F);
    const ref = stftComplex(istft({ re: Float64Array.from(re), im: Float64Array.from(im), frames: T, bins: F }, cfg), cfg);
    assert.equal(ref.frames, T);
    const r = await runGraph((g) => {
      const a = g.input('re', 'float32', ['B', 'T', F]);
      const b = g.input('im', 'float32', ['B', 'T', F]);
      const p = reanalysisGraph(a, b, cfg);
      assert.deepEqual(p.re.shape, ['B', 'T', F]);
      return { pre: p.re, pim: p.im };
    }, {
      re: ortTensor('float32', Float32Array.from([...re, ...re.map((v) => 3 * v)]), [2, T, F]),
      im: ortTensor('float32', Float32Array.from([...im, ...im.map((v) => 3 * v)]), [2, T, F]),
    });
    assert.deepEqual(r.pre!.dims, [2, T, F]);
    const n = T * F;
    const peak = Math.max(...Array.from(ref.re, Math.abs), ...Array.from(ref.im, Math.abs));
    let err = 0, change = 0;
    for (const [out, host, input] of [[r.pre!.data, ref.re, re], [r.pim!.data, ref.im, im]] as const) {
      const o = out as Float32Array;
      err = Math.max(err, maxAbsDiff(o.subarray(0, n), host), maxAbsDiff(o.subarray(n).map((v) => v / 3), host));
      change = Math.max(change, maxAbsDiff(o.subarray(0, n), input));
    }
    assert.ok(err < 1e-5 * Math.max(1, peak), `nFft ${cfg.nFft}: max |graph - audio stft(istft)| = ${err} (peak ${peak})`);
    assert.ok(change > 0.1, `nFft ${cfg.nFft}: the projection must change inconsistent frames (${change})`);
  }
});

test('iSTFT graph gradient matches finite differences (nFft 8, hop 2)', async () => {
  const small: StftConfig = { nFft: 8, hop: 2, winLength: 8, padMode: 'constant' };
  await gradCheck(([a, b]) => istftGraph(a!, b!, small), [{ name: 're', shape: [1, 4, 5] }, { name: 'im', shape: [1, 4, 5] }], { dtype: 'float32', eps: 1e-2, atol: 3e-3, rtol: 3e-2 });
});

test('a tiny generator overfits one clip (gradients flow through the iSTFT head)', async () => {
  const cfg: VocosConfig = { mels: 80, dim: 32, intermediate: 64, layers: 2, kernel: 7, stft: STFT };
  const L = 12 * 256;
  const y = tone(L, 22050, 150, 1);
  const mel = logMel(y, PRODIFF_MEL);
  const melCF = new Float32Array(80 * mel.frames);
  for (let t = 0; t < mel.frames; t++) for (let m = 0; m < 80; m++) melCF[m * mel.frames + t] = mel.data[t * 80 + m]!;
  const spec = {
    build(g: Graph) {
      const m = g.input('mel', 'float32', [1, 80, mel.frames]);
      const w = g.input('wav', 'float32', [1, L]);
      const out = vocosGenerator(new Scope(g, 'generator.'), cfg, m);
      const loss = op.reduceMean(op.abs(op.sub(logMelGraph(out.wav, PRODIFF_MEL), logMelGraph(w, PRODIFF_MEL))));
      return { loss: op.mul(loss, Math.LN10) };
    },
    optimizer: { betas: [0.8, 0.9] as [number, number], eps: 1e-8, weightDecay: 0 },
    schedule: schedules.constant(3e-3),
    session: { threads: 1 },
  };
  const pg = new Graph();
  spec.build(pg);
  const params = new ParamStore().initialize(pg, new Rng(2));
  const trainer = await Trainer.create(spec, params);
  const batch = { mel: ortTensor('float32', melCF, [1, 80, mel.frames]), wav: ortTensor('float32', y, [1, L]) };
  const first = (await trainer.trainStep(batch)).loss;
  let last = first;
  for (let i = 0; i < 60; i++) last = (await trainer.trainStep(batch)).loss;
  assert.ok(Number.isFinite(last) && last < 0.5 * first, `mel L1 went from ${first} to ${last}`);
});
