// `prodiff convert` on the tiny official-layout checkpoints (both formats), the converted weights
// passing a golden case, and `prodiff export`'s ONNX files agreeing with the library's inference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertProDiffCheckpoint, convertProDiffCheckpointFile, findProDiffStateDicts, loadProDiffWeights, WEIGHTS_FORMAT } from '../../src/model/checkpoint.js';
import { AcousticModel, lengthRegulator, samplerSteps, seededNoise, toMelLayout } from '../../src/model/index.js';
import { readSafetensors, type StTensor } from '../../src/engine/safetensors.js';
import { collectTensors, loadTorchFile } from '../../src/checkpoint/torch.js';
import { readFlatYaml } from '../../src/cli/convert.js';
import { casePassed, formatResult, loadCase, loadManifest, runCase, allRunners } from '../../src/parity/index.js';
import { goldenDir, repoRoot } from '../golden.js';
import { expectedParams, FIXTURES, INT64_BUFFER } from '../checkpoint/fixtures.js';

const LEGACY = join(FIXTURES, 'prodiff_tiny_legacy.ckpt');
const ZIP = join(FIXTURES, 'prodiff_tiny_zip.ckpt');
const F0 = { f0_mean: 206.5, f0_std: 47.25 };

function tmp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-convert-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
/** Runs the prodiff command line in a child process. */
function cli(...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf-8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('convert: both formats give the official keys, exact values and the hparams to rebuild', () => {
  const t = tmp();
  try {
    const expected = expectedParams();
    const golden = readSafetensors(join(goldenDir('prodiff'), 'teacher_train.safetensors'));
    const goldenHp = JSON.parse(golden.metadata.hparams!) as Record<string, unknown>;
    for (const [file, hp] of [[LEGACY, F0], [ZIP, {}]] as const) {
      const out = join(t.dir, 'w.safetensors');
      const r = convertProDiffCheckpointFile(file, out, { hparams: hp });
      const st = readSafetensors(out);
      // Every golden parameter (both names of the tied embedding included), exactly.
      for (const [k, e] of expected) {
        const got = st.tensors.get(k);
        assert.ok(got, `${file}: missing ${k}`);
        assert.equal(got.dtype, 'F32');
        assert.deepEqual(got.shape, e.shape);
        assert.deepEqual(got.data, e.data, `${file}: ${k}`);
      }
      const i64 = st.tensors.get('extra.int64_buffer')!;
      assert.equal(i64.dtype, 'I64');
      assert.deepEqual([...(i64.data as BigInt64Array)], INT64_BUFFER);
      assert.deepEqual(st.tensors.get('fs2.mel_out.weight')!.shape, [80, 32]);
      const extra = [...st.tensors.keys()].filter((k) => !expected.has(k)).sort();
      assert.deepEqual(extra, ['extra.int64_buffer', 'fs2.mel_out.bias', 'fs2.mel_out.weight']);
      assert.deepEqual(r.dropped.sort(), ['fs2.encoder.embed_positions._float_tensor', 'spec_max', 'spec_min']);
      // Metadata: everything the model is built from, agreeing with the golden case's hparams.
      assert.equal(st.metadata.format, WEIGHTS_FORMAT);
      const got = JSON.parse(st.metadata.hparams!) as Record<string, unknown>;
      for (const k of ['hidden_size', 'enc_layers', 'num_heads', 'enc_ffn_kernel_size', 'dur_predictor_layers', 'dur_predictor_kernel', 'predictor_layers', 'predictor_kernel',
        'residual_channels', 'residual_layers', 'dilation_cycle_length', 'audio_num_mel_bins', 'f0_mean', 'f0_std', 'use_pitch_embed', 'use_energy_embed', 'use_spk_id', 'timesteps', 'timescale']) {
        assert.deepEqual(got[k], goldenHp[k], `${file}: hparams.${k}`);
      }
      assert.equal(got.vocab_size, 40);
      assert.equal(got.predictor_hidden, 32);
      assert.deepEqual([st.metadata.teacher_steps, st.metadata.timesteps, st.metadata.timescale], ['4', '4', '1']);
      const w = loadProDiffWeights(out);
      assert.deepEqual(w.options, { teacherSteps: 4, numSteps: 4, timescale: 1 });
      assert.equal(w.params.has('fs2.encoder.embed_tokens.weight'), false, 'tied alias folded');
    }
  } finally {
    t.done();
  }
});

test('convert: the converted weights pass the golden teacher_train case', async () => {
  const t = tmp();
  try {
    const out = join(t.dir, 'w.safetensors');
    convertProDiffCheckpointFile(LEGACY, out, { hparams: F0 });
    const st = readSafetensors(out);
    const dir = goldenDir('prodiff');
    const { manifest, cases } = loadManifest(dir);
    const c = loadCase(dir, cases.find((x) => x.case === 'teacher_train')!, manifest);
    const tensors = new Map<string, StTensor>([...c.tensors].filter(([k]) => !k.startsWith('param.')));
    for (const [k, v] of st.tensors) if (v.dtype === 'F32') tensors.set(`param.${k}`, v);
    const r = await runCase({ ...c, tensors }, allRunners);
    assert.ok(casePassed(r), formatResult(r));
  } finally {
    t.done();
  }
});

test('convert: layouts, hparams checks and non-ProDiff checkpoints', () => {
  const root = loadTorchFile(LEGACY) as Map<string, unknown>;
  const model = (root.get('state_dict') as Map<string, unknown>).get('model') as Map<string, unknown>;
  // A bare state_dict; a student checkpoint with its teacher.
  assert.equal(findProDiffStateDicts(model, 'bare').layout, 'bare state_dict');
  const student = new Map([['state_dict', new Map<string, unknown>([['model', model], ['teacher', model]])]]);
  const s = convertProDiffCheckpoint(student, 'student', { hparams: F0 });
  assert.ok(s.tensors.has('teacher.denoise_fn.mlp.0.weight'));
  assert.ok(![...s.tensors.keys()].some((k) => k.startsWith('teacher.fs2.')));
  assert.ok(!convertProDiffCheckpoint(student, 'student', { hparams: F0, teacher: false }).tensors.has('teacher.denoise_fn.mlp.0.weight'));
  assert.throws(() => convertProDiffCheckpoint(root, 'x.ckpt', { hparams: { ...F0, hidden_size: 64 } }), /x\.ckpt: hparams say hidden_size = 64 but the weights have 32/);
  assert.throws(() => convertProDiffCheckpoint(root, 'x.ckpt', { hparams: { ...F0, num_heads: 3 } }), /num_heads 3 does not divide hidden size 32/);
  assert.throws(() => convertProDiffCheckpoint(root, 'x.ckpt'), /x\.ckpt: f0_mean and f0_std .* --f0-mean/);
  assert.throws(() => convertProDiffCheckpoint(new Map([['state_dict', new Map([['model', new Map([['w', collectTensors(model).get('betas')]])]])]]), 'y.ckpt'),
    /y\.ckpt: not a ProDiff checkpoint: state_dict\['model'\] has no 'denoise_fn\.input_projection\.weight'/);
  assert.throws(() => convertProDiffCheckpoint([1, 2], 'z.ckpt'), /z\.ckpt: not a ProDiff checkpoint: the file holds a list/);
  assert.throws(() => convertProDiffCheckpoint(new Map([['epoch', 1]]), 'z.ckpt'), /not a ProDiff checkpoint: no state_dict found \(top-level keys: epoch\)/);
  assert.deepEqual(readFlatYaml('num_heads: 2\nf0_mean: 206.5 # comment\nuse_uv: true\nname: "x"\nlist:\n  - 1\nsched: [1, 2]\n'), { num_heads: 2, f0_mean: 206.5, use_uv: true, name: 'x', sched: [1, 2] });
});

test('convert and export commands; the ONNX files agree with the library', async () => {
  const t = tmp();
  try {
    const cfgYaml = join(t.dir, 'config.yaml');
    writeFileSync(cfgYaml, 'num_heads: 2\nf0_mean: 206.5\nf0_std: 47.25\ndilation_cycle_length: 1\n');
    const weights = join(t.dir, 'tiny.safetensors');
    const c = cli('convert', LEGACY, weights, '--config', cfgYaml);
    assert.equal(c.status, 0, c.err);
    assert.match(c.out, /117 tensors -> .*tiny\.safetensors/);
    assert.equal(cli('convert', LEGACY).status, 2);
    assert.equal(cli('convert', LEGACY, weights, '--bogus').status, 2);
    const evil = cli('convert', join(FIXTURES, 'malicious_zip.ckpt'), join(t.dir, 'evil.safetensors'));
    assert.equal(evil.status, 1);
    assert.match(evil.err, /refusing to load 'posix\.system'/);

    const onnxDir = join(t.dir, 'onnx');
    const e = cli('export', t.dir, '--out', onnxDir); // a folder with one weights file
    assert.equal(e.status, 0, e.err);
    assert.deepEqual(readdirSync(onnxDir).sort(), ['adaptor.onnx', 'denoiser.onnx', 'encoder.onnx', 'prodiff.json']);

    // Drive the exported files with plain onnxruntime-node, as any host would.
    const w = loadProDiffWeights(weights);
    const model = await AcousticModel.create(w.cfg, w.params, w.options);
    const ids = [5, 12, 7, 30, 22, 9, 14];
    const ref = await model.synthesize(ids, { seed: 3 });
    const sess = async (n: string) => ort.InferenceSession.create(join(onnxDir, `${n}.onnx`));
    const [enc, ad, den] = [await sess('encoder'), await sess('adaptor'), await sess('denoiser')];
    const tokens = new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const eo = await enc.run({ txt_tokens: tokens });
    const lr = lengthRegulator(eo.dur!.data as BigInt64Array, 1, ids.length, { scale: 1 });
    assert.equal(lr.frames, ref.frames);
    const ao = await ad.run({
      encoder_out: eo.encoder_out!, txt_tokens: tokens, mel2ph: new ort.Tensor('int64', lr.mel2ph, [1, lr.frames]),
      pitch_shift: new ort.Tensor('float32', Float32Array.of(0), []), energy_scale: new ort.Tensor('float32', Float32Array.of(1), []),
    });
    const M = w.cfg.mels, T = lr.frames;
    const noise = seededNoise(3, M * T);
    let x = noise.init;
    const steps = samplerSteps(w.options.numSteps, w.options.timescale);
    for (let k = 0; k < steps.length; k++) {
      const r = await den.run({
        x_t: new ort.Tensor('float32', x, [1, 1, M, T]), step: new ort.Tensor('int64', BigInt64Array.of(BigInt(steps[k]!)), [1]),
        cond: ao.cond!, noise: new ort.Tensor('float32', noise.step(k), [1, 1, M, T]),
      });
      x = r.x_prev!.data as Float32Array;
    }
    const mel = toMelLayout(x, 1, M, T);
    let maxErr = 0;
    for (let i = 0; i < mel.length; i++) maxErr = Math.max(maxErr, Math.abs(mel[i]! - ref.mel[i]!));
    assert.ok(maxErr < 1e-5, `exported graphs differ from the library by ${maxErr}`);
    const desc = JSON.parse(readFileSync(join(onnxDir, 'prodiff.json'), 'utf-8')) as { sampler: { steps: number[] } };
    assert.deepEqual(desc.sampler.steps, steps);
  } finally {
    t.done();
  }
});
