import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAlignment, readCorpus } from '../../src/data/corpus.js';
import { festivalToArpabet, parseSegments } from '../../src/data/festival.js';
import { repoRoot } from '../golden.js';

const tiny = join(repoRoot, 'test', 'fixtures', 'corpus-tiny');

function withDir(fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-corpus-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('LJSpeech layout: utterances, alignments, skipped lines with reasons', () => {
  withDir((dir) => {
    mkdirSync(join(dir, 'wavs'));
    copyFileSync(join(tiny, 'wavs', 'tiny00001.wav'), join(dir, 'wavs', 'a.wav'));
    writeFileSync(join(dir, 'metadata.csv'), 'a|Hello 2 you.|Hello two you.\nb|No audio here.\nbroken line\n');
    const c = readCorpus(dir);
    assert.equal(c.utterances.length, 1);
    assert.equal(c.utterances[0]!.normalized, 'Hello two you.');
    assert.deepEqual(c.skipped.map((s) => s.problem.split(' ')[0]), ['missing', 'expected']);
  });
});

test('one folder per speaker, or a speaker column', () => {
  withDir((dir) => {
    for (const spk of ['alice', 'bob']) {
      mkdirSync(join(dir, spk, 'wavs'), { recursive: true });
      copyFileSync(join(tiny, 'wavs', 'tiny00001.wav'), join(dir, spk, 'wavs', 'u1.wav'));
      writeFileSync(join(dir, spk, 'metadata.csv'), 'u1|The ship sailed at dawn.\n');
    }
    const c = readCorpus(dir);
    assert.deepEqual(c.speakers, ['alice', 'bob']);
    assert.deepEqual(c.utterances.map((u) => [u.id, u.speaker]), [['alice_u1', 'alice'], ['bob_u1', 'bob']]);
  });
  withDir((dir) => {
    mkdirSync(join(dir, 'wavs'));
    copyFileSync(join(tiny, 'wavs', 'tiny00001.wav'), join(dir, 'wavs', 'x.wav'));
    writeFileSync(join(dir, 'metadata.csv'), 'x|carol|Text.|Text.\n');
    assert.deepEqual(readCorpus(dir).speakers, ['carol']);
  });
  assert.throws(() => readCorpus('/nonexistent/corpus'), /not a directory/);
});

test('alignment formats: TSV, JSON and MFA TextGrid agree; bad times are errors', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify([{ phone: 'sil', start: 0, end: 0.1 }, { phone: 'HH', start: 0.1, end: 0.2, word: 'hi' }, { phone: 'AY1', start: 0.2, end: 0.35, word: 'hi' }]));
    const grid = `File type = "ooTextFile"
Object class = "TextGrid"
xmin = 0
xmax = 0.35
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "words"
        xmin = 0
        xmax = 0.35
        intervals: size = 2
        intervals [1]:
            xmin = 0
            xmax = 0.1
            text = ""
        intervals [2]:
            xmin = 0.1
            xmax = 0.35
            text = "hi"
    item [2]:
        class = "IntervalTier"
        name = "phones"
        xmin = 0
        xmax = 0.35
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 0.1
            text = ""
        intervals [2]:
            xmin = 0.1
            xmax = 0.2
            text = "HH"
        intervals [3]:
            xmin = 0.2
            xmax = 0.35
            text = "AY1"
`;
    writeFileSync(join(dir, 'a.TextGrid'), grid);
    const fromJson = readAlignment(join(dir, 'a.json'));
    const fromGrid = readAlignment(join(dir, 'a.TextGrid'));
    assert.deepEqual(fromGrid, fromJson.map((p) => ({ ...p, word: p.word ?? '' })));
    const fromTsv = readAlignment(join(tiny, 'alignments', 'tiny00001.tsv'));
    assert.equal(fromTsv[0]!.phone, 'sil');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ phone: 'A', start: 0.2, end: 0.1 }]));
    assert.throws(() => readAlignment(join(dir, 'bad.json')), /bad times/);
    writeFileSync(join(dir, 'gap.json'), JSON.stringify([{ phone: 'A', start: 0, end: 0.1 }, { phone: 'B', start: 0.3, end: 0.4 }]));
    assert.throws(() => readAlignment(join(dir, 'gap.json')), /starts at 0.3/);
  });
});

test('Festival phones map to ARPAbet with stress; segment times shift by the audio lag', () => {
  assert.equal(festivalToArpabet('ax', '0'), 'AH0');
  assert.equal(festivalToArpabet('ow', '1'), 'OW1');
  assert.equal(festivalToArpabet('hh', '0'), 'HH');
  assert.equal(festivalToArpabet('pau', '0'), 'sil');
  assert.throws(() => festivalToArpabet('qq', '0'), /unknown Festival phone 'qq'/);
  const segs = parseSegments('pau\t0\t0.1\t-\t0\t0\nhh\t0.1\t0.2\t-\t0\tHi\nay\t0.2\t0.3\t+\t1\tHi\n', 0.32, 0.01);
  assert.deepEqual(segs.map((s) => [s.phone, +s.start.toFixed(3), +s.end.toFixed(3), s.word]), [['sil', 0, 0.11, ''], ['HH', 0.11, 0.21, 'hi'], ['AY1', 0.21, 0.32, 'hi']]);
});
