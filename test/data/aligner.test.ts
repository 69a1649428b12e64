// The built-in aligner end to end: the bundled model on the tiny committed corpus (Festival slt HTS,
// one of its training voices, in sentences it was not trained on), WAV variants, resuming, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resample } from '../../src/audio/resample.js';
import { encodeWav, readWav, toMono } from '../../src/audio/wav.js';
import { Aligner, frontEndWords } from '../../src/data/aligner.js';
import { boundaryErrors, summarizeBoundaries } from '../../src/data/boundary-accuracy.js';
import { readAlignment, readCorpus } from '../../src/data/corpus.js';
import { Rng } from '../../src/engine/index.js';
import { repoRoot } from '../golden.js';

const tiny = join(repoRoot, 'test/fixtures/corpus-tiny');
const cli = join(repoRoot, 'dist/src/cli/main.js');
const prodiff = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf-8' });

function accuracy(outDir: string, shift = 0): ReturnType<typeof summarizeBoundaries> {
  const errors: number[] = [];
  for (const u of readCorpus(tiny).utterances) {
    const ref = readAlignment(u.alignment!).map((p) => ({ ...p, start: p.start + shift, end: p.end + shift }));
    errors.push(...boundaryErrors(readAlignment(join(outDir, `${u.id}.tsv`)), ref));
  }
  return summarizeBoundaries(errors);
}

test('prodiff align on the tiny corpus: TSVs in the corpus format, a report, boundaries near the true times, resumable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-align-'));
  try {
    const out = join(dir, 'out');
    const r = prodiff('align', tiny, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /6 aligned/);
    const tsv = readFileSync(join(out, 'tiny00001.tsv'), 'utf-8').split('\n');
    assert.equal(tsv[0], 'phone\tstart\tend\tword');
    const rows = readAlignment(join(out, 'tiny00001.tsv'));
    assert.equal(rows.filter((p) => p.phone !== 'sil').map((p) => p.phone).join(' '), 'DH AH0 SH IH1 P S EY1 L D AE1 T D AO1 N');
    assert.deepEqual([...new Set(rows.filter((p) => p.phone !== 'sil').map((p) => p.word))], ['the', 'ship', 'sailed', 'at', 'dawn']);
    const report = readFileSync(join(out, 'report.tsv'), 'utf-8').trim().split('\n');
    assert.equal(report[0], 'id\tstatus\tconfidence\tworst_phone\tseconds\treason');
    assert.equal(report.length, 7);
    const conf = report.slice(1).map((l) => Number(l.split('\t')[2]));
    assert.deepEqual(conf, [...conf].sort((a, b) => a - b), 'worst first');
    // The bundled model places 98.7 % of these boundaries within 20 ms (BENCHMARKS.md); a broken
    // aligner (uniform or shifted spans) lands well under these figures.
    const s = accuracy(out);
    assert.ok(s.boundaries > 100);
    assert.ok(s.within40 >= 0.9 && s.within20 >= 0.8 && s.median < 0.015, `within 20 ms ${s.within20}, 40 ms ${s.within40}, median ${s.median}`);
    // Resuming: finished utterances are not redone; a missing one is.
    const before = statSync(join(out, 'tiny00002.tsv')).mtimeMs;
    rmSync(join(out, 'tiny00001.tsv'));
    const again = prodiff('align', tiny, '--out', out);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(statSync(join(out, 'tiny00002.tsv')).mtimeMs, before);
    assert.ok(readFileSync(join(out, 'tiny00001.tsv'), 'utf-8').startsWith('phone\t'));
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WAV variants (44.1 kHz stereo 24-bit, 48 kHz float, 32-bit int, padded and noisy) align like the original', async () => {
  const aligner = await Aligner.load();
  try {
    const u = readCorpus(tiny).utterances.find((x) => x.id === 'tiny00003')!;
    const ref = readAlignment(u.alignment!);
    const wav = readWav(u.wav);
    const x = toMono(wav);
    const words = frontEndWords(u.normalized);
    const rng = new Rng(3);
    const variants: { name: string; bytes: Uint8Array; shift: number }[] = [];
    const up441 = resample(x, wav.sampleRate, 44100);
    variants.push({ name: '44.1k stereo pcm24', bytes: encodeWav([up441, Float32Array.from(up441, (v) => 0.8 * v)], 44100, 'pcm24'), shift: 0 });
    variants.push({ name: '48k float32', bytes: encodeWav(resample(x, wav.sampleRate, 48000), 48000, 'float32'), shift: 0 });
    variants.push({ name: '22.05k pcm32', bytes: encodeWav(x, wav.sampleRate, 'pcm32'), shift: 0 });
    const lead = Math.round(0.5 * wav.sampleRate);
    const padded = new Float32Array(lead + x.length + Math.round(0.3 * wav.sampleRate));
    for (let i = 0; i < padded.length; i++) padded[i] = 0.4 * (x[i - lead] ?? 0) + 0.002 * rng.normal();
    variants.push({ name: '16k pcm16, -8 dB, noise, 0.5 s padding', bytes: encodeWav(resample(padded, wav.sampleRate, 16000), 16000, 'pcm16'), shift: lead / wav.sampleRate });
    const dir = mkdtempSync(join(tmpdir(), 'prodiff-align-wav-'));
    try {
      for (const v of variants) {
        const path = join(dir, 'x.wav');
        writeFileSync(path, v.bytes);
        const r = await aligner.align(aligner.loadAudio(path), words);
        const s = summarizeBoundaries(boundaryErrors(r.phones, ref.map((p) => ({ ...p, start: p.start + v.shift, end: p.end + v.shift }))));
        assert.ok(s.within40 >= 0.8 && s.median < 0.025, `${v.name}: within 40 ms ${s.within40}, median ${s.median}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await aligner.close();
  }
});

test('bad input: no metadata.csv is a one-line error; bad utterances are skipped with the reason in the report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-align-bad-'));
  try {
    const none = prodiff('align', dir, '--out', join(dir, 'o1'));
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /no metadata\.csv/);
    assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);

    const c = join(dir, 'c');
    mkdirSync(join(c, 'wavs'), { recursive: true });
    copyFileSync(join(tiny, 'wavs/tiny00001.wav'), join(c, 'wavs/good.wav'));
    writeFileSync(join(c, 'wavs/notaudio.wav'), 'this is not a WAV file at all\n');
    // 0.3 s of audio for a long sentence
    writeFileSync(join(c, 'wavs/short.wav'), encodeWav(new Float32Array(4800), 16000));
    copyFileSync(join(tiny, 'wavs/tiny00002.wav'), join(c, 'wavs/empty.wav'));
    copyFileSync(join(tiny, 'wavs/tiny00003.wav'), join(c, 'wavs/swapped.wav'));
    writeFileSync(join(c, 'metadata.csv'), [
      'good|The ship sailed at dawn.|The ship sailed at dawn.',
      'notaudio|Hello there.|Hello there.',
      'short|This sentence is much too long for three tenths of a second of audio, by a wide margin indeed.|',
      'missing|No file for this one.|',
      'empty| | ',
      'swapped|She opened the old door slowly, and we will meet again soon.|',
    ].join('\n'));
    const r = prodiff('align', c, '--out', join(dir, 'o2'));
    assert.equal(r.status, 0, r.stderr);
    const report = readFileSync(join(dir, 'o2', 'report.tsv'), 'utf-8');
    const reason = (id: string) => report.split('\n').find((l) => l.startsWith(`${id}\t`))?.split('\t')[5] ?? '';
    assert.match(reason('notaudio'), /unusable audio: .*not a WAV file/);
    assert.match(reason('short'), /too short for its phones/);
    assert.match(reason('missing'), /missing audio/);
    assert.match(reason('empty'), /empty text/);
    assert.match(reason('swapped'), /transcript does not match the audio/);
    assert.match(report, /^good\taligned\t/m);
    assert.deepEqual(readdirSync(join(dir, 'o2')).filter((f) => f.endsWith('.tsv')).sort(), ['good.tsv', 'report.tsv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prodiff preprocess aligns a corpus that has no phone times (the same code path as align)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-prep-align-'));
  try {
    const c = join(dir, 'c');
    mkdirSync(join(c, 'wavs'), { recursive: true });
    for (const f of readdirSync(join(tiny, 'wavs')).slice(0, 3)) copyFileSync(join(tiny, 'wavs', f), join(c, 'wavs', f));
    writeFileSync(join(c, 'metadata.csv'), readFileSync(join(tiny, 'metadata.csv'), 'utf-8').split('\n').slice(0, 3).join('\n'));
    const r = prodiff('preprocess', c, '--out', join(dir, 'cache'), '--workers', '1');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /3 utterances have no phone times/);
    const idx = JSON.parse(readFileSync(join(dir, 'cache', 'index.json'), 'utf-8')) as { utterances: { id: string; frames: number }[] };
    assert.equal(idx.utterances.length, 3);
    assert.deepEqual(readdirSync(join(dir, 'cache', 'alignments')).sort(), ['.journal.jsonl', 'report.tsv', 'tiny00001.tsv', 'tiny00002.tsv', 'tiny00003.tsv']);
    // The same report as prodiff align's: every utterance with its confidence.
    const report = readFileSync(join(dir, 'cache', 'alignments', 'report.tsv'), 'utf-8').trim().split('\n');
    assert.equal(report.length, 4);
    assert.ok(report.slice(1).every((row) => /^tiny0000[123]\taligned\t-?\d/.test(row)), report.join('\n'));
    // --trim-silence: the same corpus, edge pauses cut to 50 ms: fewer frames, same utterances.
    const t = prodiff('preprocess', c, '--out', join(dir, 'cache-trim'), '--workers', '1', '--trim-silence', '0.05');
    assert.equal(t.status, 0, t.stderr);
    const trimmed = JSON.parse(readFileSync(join(dir, 'cache-trim', 'index.json'), 'utf-8')) as { utterances: { id: string; frames: number }[] };
    const frames = (x: { utterances: { frames: number }[] }) => x.utterances.reduce((a, u) => a + u.frames, 0);
    assert.equal(trimmed.utterances.length, 3);
    assert.ok(frames(trimmed) < frames(idx as never) - 20, `${frames(trimmed)} vs ${frames(idx as never)} frames`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('align --adapt fine-tunes on the corpus, keeps the adapted model, and still aligns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-align-adapt-'));
  try {
    const out = join(dir, 'out');
    const r = prodiff('align', tiny, '--out', out, '--adapt', '--adapt-steps', '3');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /adapted in \d+ s/);
    assert.match(r.stdout, /6 aligned/);
    const original = readFileSync(join(repoRoot, 'data/aligner/aligner.safetensors'));
    const adapted = readFileSync(join(out, 'adapted-aligner', 'aligner.safetensors'));
    assert.notDeepEqual(adapted.subarray(adapted.length - 4096), original.subarray(original.length - 4096), 'the weights moved');
    const s = accuracy(out);
    assert.ok(s.within40 >= 0.85, `within 40 ms after adaptation ${s.within40}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
