// `prodiff eval-vocoder` on the committed tiny corpus: a tiny vocoder run and a tiny teacher, every
// row of the table (recording, ground-truth and acoustic mels through Griffin-Lim and the vocoder)
// with sane values, the JSON report, and a WAV folder (no texts, so no WER).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocess } from '../../src/data/preprocess.js';
import { CacheVocoderCorpus } from '../../src/data/cache-vocoder-corpus.js';
import { pocketsphinxMissing } from '../../src/eval/asr.js';
import { evaluateVocoders, formatVocoderTable, type VocoderEvalReport } from '../../src/eval/vocoder-eval.js';
import { VOCODER_SMALL } from '../../src/model/vocoder-gan.js';
import { trainTeacher } from '../../src/train/teacher.js';
import { trainVocoder, VOCODER_TRAIN_DEFAULTS } from '../../src/train/vocoder.js';
import { commands } from '../../src/cli/commands.js';
import { CORPUS_TINY, TINY_TEACHER, twoSpeakerCorpus } from '../tiny.js';


test('eval-vocoder: recording, ground-truth and acoustic mels through Griffin-Lim and a vocoder; table and JSON', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-veval-'));
  try {
    const cache = join(dir, 'cache');
    await preprocess(CORPUS_TINY, cache, { workers: 1 });
    const teacher = join(dir, 'teacher');
    await trainTeacher({ config: TINY_TEACHER, cache, out: teacher, resume: false, maxSteps: 2, log: () => {} });
    const voc = join(dir, 'voc');
    const model = { ...VOCODER_SMALL, generator: { ...VOCODER_SMALL.generator, dim: 16, intermediate: 32, layers: 1 }, mpd: { ...VOCODER_SMALL.mpd, periods: [2], channels: [4, 4, 4, 4, 4] }, mrd: { resolutions: [[512, 128]] as [number, number][], channels: 4 } };
    await trainVocoder(new CacheVocoderCorpus(cache), voc, { ...VOCODER_TRAIN_DEFAULTS, model, batch: 1, segmentFrames: 8 }, { steps: 1, checkpointEvery: 1 });

    const asrMissing = pocketsphinxMissing();
    const wavs = join(dir, 'wavs');
    const r: VocoderEvalReport = await evaluateVocoders({ data: cache, vocoders: [voc], acoustic: teacher, griffinLimIterations: 4, threads: 1, out: wavs });
    assert.equal(r.split, 'test');
    assert.ok(r.utterances.length >= 1);
    assert.deepEqual(r.speakers, [], 'a single-speaker cache has no per-speaker tables');
    assert.deepEqual(r.rows.map((x) => x.label), [
      ...(asrMissing ? [] : ['recording']),
      'ground-truth mel -> Griffin-Lim', 'ground-truth mel -> vocos voc step 1', 'acoustic mel -> Griffin-Lim', 'acoustic mel -> vocos voc step 1',
    ]);
    assert.equal(r.asr.used, !asrMissing);
    for (const row of r.rows.filter((x) => x.input !== 'recording')) {
      for (const k of ['melL1', 'mcd', 'rtf'] as const) assert.ok(Number.isFinite(row[k]) && row[k]! > 0, `${row.label} ${k} = ${row[k]}`);
      assert.ok(row.frames > 0);
      if (!r.asr.used) assert.equal(row.wer, null);
    }
    const gtGl = r.rows.find((x) => x.label === 'ground-truth mel -> Griffin-Lim')!;
    const gtVoc = r.rows.find((x) => x.label === 'ground-truth mel -> vocos voc step 1')!;
    // Griffin-Lim iterates towards the mel itself; a vocoder trained one step does not come close.
    assert.ok(gtGl.melL1! < 0.3 && gtGl.melL1! < gtVoc.melL1!, `Griffin-Lim mel L1 ${gtGl.melL1} vs the vocoder's ${gtVoc.melL1}`);
    // Pitch against the recording: Griffin-Lim from the recording's own mel keeps it (within 40 cents,
    // under 10 % frame errors); an untrained vocoder does not.
    assert.ok(gtGl.logF0RmseCents! < 40 && gtGl.ffe! < 0.1, `Griffin-Lim pitch: ${gtGl.logF0RmseCents} cents, FFE ${gtGl.ffe}`);
    assert.ok(gtVoc.ffe! > gtGl.ffe!, `an untrained vocoder's FFE ${gtVoc.ffe} vs Griffin-Lim's ${gtGl.ffe}`);
    assert.equal(readdirSync(wavs).length, 4 * r.utterances.length);

    // Without the Griffin-Lim rows: the vocoder's alone, the same numbers.
    const noGl = await evaluateVocoders({ data: cache, vocoders: [voc], noGriffinLim: true, asr: false, threads: 1, limit: 1 });
    assert.deepEqual(noGl.rows.map((x) => x.label), ['ground-truth mel -> vocos voc step 1']);
    await assert.rejects(evaluateVocoders({ data: cache, vocoders: [], noGriffinLim: true }), /nothing to evaluate/);

    const parts = formatVocoderTable(r).trim().split('\n\n');
    const hygieneTable = parts.at(-1);
    const table = parts.slice(0, -1).join('\n\n').split('\n');
    // Output hygiene of every vocoder row and of the recordings.
    assert.deepEqual(r.hygiene.map((h) => h.label), ['recording', ...r.rows.filter((x) => x.input !== 'recording').map((x) => x.label)]);
    for (const h of r.hygiene) {
      assert.equal(h.harmonics, 81);
      assert.ok(h.tones >= 0 && h.tones <= 81 && Number.isFinite(h.dc) && Number.isFinite(h.peakDb) && h.speechRmsDb < h.peakDb, JSON.stringify(h));
    }
    const hy = hygieneTable!.split('\n');
    assert.equal(hy[0], '| audio | DC | peak (dBFS) | speech RMS (dBFS) | frame-rate tones |');
    assert.equal(hy.length, 2 + r.hygiene.length);
    assert.match(hy[2]!, /^\| recording \| [+-]\d\.\de[+-]\d+ \| -\d+\.\d \| -\d+\.\d \| \d+ of 81 \|$/);
    assert.equal(table[2], '| input | vocoder | mel L1 (log10) | MCD (dB) | logF0 RMSE (cents) | V/UV error | FFE | vocoder RTF | ASR WER |');
    assert.equal(table.length, 4 + r.rows.length);
    assert.match(table.at(-1)!, /^\| acoustic mel \| vocos voc step 1 \| \d+\.\d{4} \| \d+\.\d{2} \| (\d+\.\d|–) \| \d+\.\d% \| \d+\.\d% \| \d+\.\d{4} \| (\d+\.\d%|–) \|$/);

    // The CLI on a WAV folder: no texts, so no ASR and no recording row; the JSON report on disk.
    const json = join(dir, 'report.json');
    const write = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof process.stdout.write;
    let rc: number;
    try {
      rc = await commands['eval-vocoder']!.run([join(voc, 'generator.safetensors'), '--data', join(CORPUS_TINY, 'wavs'), '--limit', '1', '--gl-iterations', '2', '--json', json]);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(rc, 0);
    const rep = JSON.parse(readFileSync(json, 'utf-8')) as VocoderEvalReport;
    assert.deepEqual(rep.rows.map((x) => x.label), ['ground-truth mel -> Griffin-Lim', 'ground-truth mel -> vocos generator step 1']);
    assert.equal(rep.split, null);
    assert.match(rep.asr.note, /no reference texts|skipped/);
    assert.match(printed, /\| ground-truth mel \| Griffin-Lim \|/);
    assert.ok(existsSync(json));
    await assert.rejects(evaluateVocoders({ data: join(CORPUS_TINY, 'wavs'), vocoders: [], acoustic: teacher }), /--acoustic needs --data to be a preprocessed cache/);
    // Last, after process.stdout is restored: the test runner reports subtests through it.
    await t.test('ASR WER (pocketsphinx) of every row; the recording understood', { skip: asrMissing ? `ASR not exercised: ${asrMissing}` : false }, () => {
      for (const row of r.rows) assert.ok(row.wer! >= 0 && Number.isFinite(row.wer), `${row.label} WER ${row.wer}`);
      assert.ok(r.rows[0]!.wer! < 0.5, `the recording's WER ${r.rows[0]!.wer}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval-vocoder: --split all and a table per speaker of a multi-speaker cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-veval-spk-'));
  try {
    const corpus = join(dir, 'corpus');
    twoSpeakerCorpus(corpus, 0.25);
    const cache = join(dir, 'cache');
    await preprocess(corpus, cache, { workers: 1 });
    const r = await evaluateVocoders({ data: cache, vocoders: [], split: 'all', asr: false, griffinLimIterations: 2, threads: 1 });
    // Every utterance of every split, of both speakers.
    assert.equal(r.split, 'all');
    assert.equal(r.utterances.length, 12);
    assert.deepEqual(r.speakers.map((s) => [s.speaker, s.utterances]), [['ann', 6], ['bob', 6]]);
    const row = r.rows[0]!;
    const [ann, bob] = r.speakers.map((s) => s.rows[0]!);
    assert.equal(row.label, 'ground-truth mel -> Griffin-Lim');
    assert.deepEqual([ann!.label, bob!.label], [row.label, row.label]);
    // The same utterances, so the same frames; the pooled means are the frame-weighted means of the speakers'.
    assert.equal(ann!.frames, bob!.frames);
    assert.equal(ann!.frames + bob!.frames, row.frames);
    for (const k of ['melL1', 'mcd'] as const) {
      assert.ok(Math.abs(row[k]! - (ann![k]! + bob![k]!) / 2) < 1e-9 * row[k]!, `${k}: ${row[k]} vs ${ann![k]}, ${bob![k]}`);
    }
    // Two Griffin-Lim iterations on a quieter mel reach a different distance: the rows are the speakers' own.
    assert.notEqual(ann!.mcd, bob!.mcd);
    const text = formatVocoderTable(r);
    assert.match(text, /^12 'all' utterances of /);
    assert.match(text, /\nSpeaker ann \(6 utterances\):\n\n\| input \| vocoder \|/);
    assert.match(text, /\nSpeaker bob \(6 utterances\):\n\n\| input \| vocoder \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
