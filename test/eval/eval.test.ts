// `prodiff eval` end to end on a tiny model: preprocess the committed tiny corpus, train a teacher a
// few steps, distil one stage (4 -> 2), evaluate; check the report's structure and its sanity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocess } from '../../src/data/preprocess.js';
import { trainTeacher } from '../../src/train/teacher.js';
import { distill } from '../../src/train/distill.js';
import { evaluate, formatTable, type EvalReport } from '../../src/eval/evaluate.js';
import { pocketsphinxMissing } from '../../src/eval/asr.js';
import { commands } from '../../src/cli/commands.js';
import { CORPUS_TINY, TINY_TEACHER } from '../tiny.js';
import { withHparams } from '../../src/model/hparams.js';
import { repoRoot } from '../golden.js';

const BUNDLED_VOCODER = join(repoRoot, 'voices', 'en_US-slt-prodiff-small', 'vocoder.safetensors');


test('prodiff eval on a tiny teacher and its 2-step student: rows, table, JSON, finite metrics', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-eval-'));
  try {
    const cache = join(dir, 'cache');
    await preprocess(CORPUS_TINY, cache, { workers: 1 });
    const quiet = () => {};
    const teacher = join(dir, 'teacher');
    await trainTeacher({ config: TINY_TEACHER, cache, out: teacher, resume: false, maxSteps: 4, log: quiet });
    const student = join(dir, 'student');
    await distill({ teacher, out: student, steps: 2, stageSteps: 2, resume: false, log: quiet });

    const asrMissing = pocketsphinxMissing();
    const report: EvalReport = await evaluate({ runs: [teacher, student], cache, split: 'test', asr: true, griffinLimIterations: 4, threads: 1, seeds: 2, ndbBins: 4, plot: join(dir, 'mels.png'), vocoder: BUNDLED_VOCODER });
    const labels = report.rows.map((r) => r.label);
    const expected = [
      ...(asrMissing ? [] : ['corpus recording (ASR ceiling)']),
      'ground-truth mel + Griffin-Lim', 'teacher 4 steps', "teacher naive 2 steps (DDPM, student's step indices)", 'teacher naive 2 steps (DDIM)', 'student 2 steps (distilled from 4)',
    ];
    assert.deepEqual(labels, expected);
    assert.equal(report.asr.used, !asrMissing);
    if (asrMissing) assert.ok(report.rows.every((r) => r.wer === null && r.werVocoder === null), 'no WER without ASR');
    assert.ok(report.utterances.length >= 1);
    const gt = report.rows.find((r) => r.kind === 'ground-truth-mel')!;
    assert.equal(gt.melL1, 0);
    assert.equal(gt.mcd, 0);
    assert.ok(Math.abs(gt.ssim! - 1) < 1e-12);
    assert.equal(gt.rtf, null);
    for (const r of report.rows.filter((x) => x.kind !== 'recording')) {
      for (const k of ['melL1', 'ssim', 'mcd', 'vde', 'ffe'] as const) assert.ok(Number.isFinite(r[k]), `${r.label} ${k} = ${r[k]}`);
      assert.ok(r.frames > 0);
      if (r.kind !== 'ground-truth-mel') {
        assert.ok(Number.isFinite(r.rtf) && r.rtf! > 0, `${r.label} rtf`);
        assert.ok(r.melL1! > 0, `${r.label} mel L1`);
      }
    }
    // The mel plot: a PNG with the ground truth and every generated row.
    const png = readFileSync(join(dir, 'mels.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.readUInt32BE(20) > 200 * (report.rows.filter((r) => r.kind !== 'recording').length), `plot height ${png.readUInt32BE(20)}`);
    // Diversity: diffusion rows spread across seeds; NDB/JSD in range; none for the ground truth.
    assert.equal(gt.seedSpread, null);
    assert.equal(gt.ndb, null);
    for (const r of report.rows.filter((x) => x.kind !== 'recording' && x.kind !== 'ground-truth-mel')) {
      assert.ok(r.seedSpread! > 0, `${r.label} seed spread ${r.seedSpread}`);
      assert.ok(r.ndb! >= 0 && r.ndb! <= 1, `${r.label} NDB ${r.ndb}`);
      assert.ok(r.jsd! >= 0 && r.jsd! <= 1, `${r.label} JSD ${r.jsd}`);
    }
    // The naive rows run the teacher's weights with the student's step count.
    const naive = report.rows.filter((r) => r.kind === 'teacher-naive');
    assert.deepEqual(naive.map((r) => [r.steps, r.timescale, r.sampler]), [[2, 2, 'ddpm'], [2, 2, 'ddim']]);
    assert.notEqual(naive[0]!.melL1, naive[1]!.melL1);

    const table = formatTable(report);
    const lines = table.trim().split('\n');
    assert.match(lines[2]!, /^\| system \| steps \| mel L1 \| SSIM \| MCD \(dB\) \| logF0 RMSE \(cents\) \| V\/UV error \| FFE \| acoustic RTF \| ASR WER \|( WER \(vocoder\) \|)? seed spread \| NDB\/K \| JSD \|$/);
    assert.equal(lines.length, 4 + report.rows.length);
    assert.match(table, /\| ground-truth mel \+ Griffin-Lim \| – \| 0\.0000 \| 1\.0000 \| 0\.00 \|/);

    // The CLI: markdown on stdout, the JSON report on disk.
    const out = join(dir, 'eval.json');
    const write = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof process.stdout.write;
    let rc: number;
    try {
      rc = await commands.eval!.run([teacher, '--data', cache, '--limit', '1', '--naive', 'ddim', '--gl-iterations', '2', '--json', out]);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(rc, 0);
    assert.match(printed, /\| teacher naive 2 steps \(DDIM\) \| 2 \|/);
    assert.ok(existsSync(out));
    const json = JSON.parse(readFileSync(out, 'utf-8')) as EvalReport;
    assert.deepEqual(json.rows.map((r) => r.label), ['ground-truth mel + Griffin-Lim', 'teacher 4 steps', 'teacher naive 2 steps (DDIM)']);
    assert.equal(json.utterances.length, 1);
    assert.match(json.definitions.mcd!, /DCT-II/);
    assert.equal(json.asr.used, false);
    assert.equal(json.perUtterance.length, 3);
    // Last, after process.stdout is restored: the test runner reports subtests through it.
    await t.test('ASR WER (pocketsphinx) of every row', { skip: asrMissing ? `ASR not exercised: ${asrMissing}` : false }, () => {
      assert.equal(report.rows[0]!.kind, 'recording');
      for (const r of report.rows) assert.ok(Number.isFinite(r.wer) && r.wer! >= 0, `${r.label} wer ${r.wer}`);
      // --vocoder: every row also transcribed through the neural vocoder; the recording row is the same audio either way.
      for (const r of report.rows) assert.ok(Number.isFinite(r.werVocoder) && r.werVocoder! >= 0, `${r.label} vocoder wer ${r.werVocoder}`);
      assert.equal(report.rows[0]!.werVocoder, report.rows[0]!.wer);
      const gtUtt = report.perUtterance.filter((u) => u.system === 'ground-truth mel + Griffin-Lim');
      assert.ok(gtUtt.every((u) => typeof u.vocoderHypothesis === 'string' && u.vocoderWordErrors !== undefined));
      assert.match(formatTable(report), /\| ASR WER \| WER \(vocoder\) \|/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prodiff eval: two teachers of the same kind get a row each, named by their runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-eval-two-'));
  try {
    const cache = join(dir, 'cache');
    await preprocess(CORPUS_TINY, cache, { workers: 1 });
    const quiet = () => {};
    const a = join(dir, 'a'), b = join(dir, 'b');
    await trainTeacher({ config: TINY_TEACHER, cache, out: a, resume: false, maxSteps: 1, log: quiet });
    await trainTeacher({ config: withHparams(TINY_TEACHER, { seed: 8 }), cache, out: b, resume: false, maxSteps: 6, log: quiet });
    const both = await evaluate({ runs: [a, b], cache, split: 'test', griffinLimIterations: 2, threads: 1, naive: [] });
    assert.deepEqual(both.rows.map((r) => r.label), ['ground-truth mel + Griffin-Lim', 'teacher 4 steps (a)', 'teacher 4 steps (b)']);
    // Each row is its own model's: the same numbers as that teacher evaluated alone.
    for (const [run, label] of [[a, 'teacher 4 steps (a)'], [b, 'teacher 4 steps (b)']] as const) {
      const alone = await evaluate({ runs: [run], cache, split: 'test', griffinLimIterations: 2, threads: 1, naive: [] });
      assert.equal(alone.rows[1]!.label, 'teacher 4 steps');
      assert.equal(both.rows.find((r) => r.label === label)!.mcd, alone.rows[1]!.mcd, label);
    }
    assert.notEqual(both.rows[1]!.mcd, both.rows[2]!.mcd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prodiff eval: an epsilon teacher and a regression model get rows of their own; the regression mel does not depend on the seed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-eval-targets-'));
  try {
    const cache = join(dir, 'cache');
    await preprocess(CORPUS_TINY, cache, { workers: 1 });
    const quiet = () => {};
    const eps = join(dir, 'eps'), reg = join(dir, 'reg');
    await trainTeacher({ config: withHparams(TINY_TEACHER, { diffusion_target: 'epsilon', timesteps: 8 }), cache, out: eps, resume: false, maxSteps: 3, log: quiet });
    await trainTeacher({ config: withHparams(TINY_TEACHER, { diffusion_target: 'regression', timesteps: 1 }), cache, out: reg, resume: false, maxSteps: 3, log: quiet });
    const report = await evaluate({ runs: [eps, reg], cache, split: 'test', griffinLimIterations: 2, threads: 1, seeds: 2, ndbBins: 2, naive: ['ddim'], naiveSteps: [4, 1] });
    assert.deepEqual(report.rows.map((r) => [r.label, r.steps]), [
      ['ground-truth mel + Griffin-Lim', null], ['epsilon teacher 8 steps', 8], ['epsilon teacher naive 4 steps (DDIM)', 4], ['epsilon teacher naive 1 steps (DDIM)', 1],
      ['regression (same network, no diffusion)', 1],
    ]);
    const regression = report.rows.find((r) => r.kind === 'regression')!;
    assert.equal(regression.seedSpread, 0);
    for (const r of report.rows.filter((x) => x.kind === 'teacher' || x.kind === 'teacher-naive')) assert.ok(r.seedSpread! > 0, r.label);
    await assert.rejects(distill({ teacher: reg, out: join(dir, 'reg-student'), steps: 1, stageSteps: 1, resume: false, log: quiet }), /regression model/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
