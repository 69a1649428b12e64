// Multi-speaker smoke run on a tiny two-speaker corpus made from the committed one (speaker 'ann':
// the recordings; speaker 'bob': the same utterances at half the amplitude, so their mels differ):
// preprocess records each utterance's speaker and the speaker map -> a few teacher steps learn a
// speaker table -> distillation keeps it -> make-voice writes piper's speaker_id_map -> `prodiff
// voices --json` lists the speakers -> `prodiff say --speaker NAME|ID` speaks as each of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, toMono } from '../../src/audio/wav.js';
import { preprocess } from '../../src/data/preprocess.js';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { loadProDiffWeights } from '../../src/model/checkpoint.js';
import { trainTeacher } from '../../src/train/teacher.js';
import { distill } from '../../src/train/distill.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { TINY_TEACHER, twoSpeakerCorpus } from '../tiny.js';
import { repoRoot } from '../golden.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

test('multi-speaker: corpus -> preprocess -> teacher -> distil -> make-voice -> say --speaker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodiff-spk-'));
  try {
    const corpus = join(dir, 'corpus');
    twoSpeakerCorpus(corpus, 0.5);
    const cache = join(dir, 'cache');
    const idx = await preprocess(corpus, cache, { workers: 1 });
    assert.deepEqual(idx.speakers, ['ann', 'bob']);
    assert.equal(idx.utterances.length, 12);
    for (const u of idx.utterances) {
      assert.equal(u.speakerId, idx.speakers.indexOf(u.speaker));
      assert.ok(u.id.startsWith(`${u.speaker}_`), u.id);
      assert.equal(readSafetensors(join(cache, 'utts', `${u.id}.safetensors`)).metadata.speaker, u.speaker);
    }
    // The split is by sentence: each sentence is in the same split for both speakers.
    const splitOfSentence = (spk: string) => new Map(idx.utterances.filter((u) => u.speaker === spk).map((u) => [u.id.slice(spk.length + 1), u.split]));
    assert.deepEqual([...splitOfSentence('bob')].sort(), [...splitOfSentence('ann')].sort());
    assert.ok(new Set(idx.utterances.map((u) => u.split)).size === 3, 'train, valid and test are all present');

    const teacher = join(dir, 'teacher');
    const quiet = () => {};
    await trainTeacher({ config: TINY_TEACHER, cache, out: teacher, resume: false, maxSteps: 4, log: quiet });
    const t = loadProDiffWeights(join(teacher, 'model.safetensors'));
    assert.deepEqual([t.hp.use_spk_id, t.hp.num_spk, t.cfg.fs2.numSpk], [true, 2, 2]);
    const table = t.params.get('fs2.spk_embed_proj.weight');
    assert.deepEqual(table.shape, [3, 16]);
    const student = join(dir, 'student');
    await distill({ teacher, out: student, steps: 2, stageSteps: 2, resume: false, log: quiet });
    const s = loadProDiffWeights(join(student, 'model.safetensors'));
    assert.deepEqual(s.params.get('fs2.spk_embed_proj.weight').data, table.data, 'distillation keeps the (frozen) speaker table');

    // One speaker's evaluation (its utterances, synthesised as that speaker).
    const rep = await evaluate({ runs: [student], cache, split: 'train', limit: 2, speaker: 'bob', asr: false, naive: [], griffinLimIterations: 2, threads: 1 });
    assert.deepEqual(rep.utterances.map((u) => u.split('_')[0]), ['bob', 'bob']);
    // A multi-speaker cache gets the speaker-identity column on every mel row.
    for (const row of rep.rows) assert.ok(row.speakerAccuracy !== null && row.speakerAccuracy >= 0 && row.speakerAccuracy <= 1, `${row.label}: ${row.speakerAccuracy}`);
    await assert.rejects(evaluate({ runs: [student], cache, speaker: 'carol' }), /no speaker 'carol' \(speakers: ann, bob\)/);

    const voices = join(dir, 'voices');
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf-8', env: { ...process.env, PRODIFF_VOICES: voices, PRODIFF_DEBUG: '' } });
    let r = cli('make-voice', student, '--out', join(voices, 'two'), '--gl-iterations', '2');
    assert.equal(r.status, 0, r.stderr);
    const cfg = JSON.parse(readFileSync(join(voices, 'two', 'voice.json'), 'utf-8')) as { num_speakers: number; speaker_id_map: Record<string, number> };
    assert.deepEqual([cfg.num_speakers, cfg.speaker_id_map], [2, { ann: 0, bob: 1 }]);
    r = cli('voices', '--json');
    assert.equal(r.status, 0, r.stderr);
    const listed = (JSON.parse(r.stdout) as { voices: { name: string; speakers: string[]; num_speakers: number }[] }).voices;
    const two = listed.find((v) => v.name === 'two')!;
    assert.deepEqual([two.speakers, two.num_speakers], [['ann', 'bob'], 2]);
    const single = listed.filter((v) => v.num_speakers === 1);
    assert.ok(single.length > 0 && single.every((v) => v.speakers.length === 0), 'single-speaker voices list no speakers');

    const say = (out: string, ...more: string[]) => cli('say', 'The ship sailed.', '--voice', 'two', '-o', join(dir, out), '-q', ...more);
    for (const [out, spk] of [['bob.wav', 'bob'], ['one.wav', '1'], ['ann.wav', 'ann'], ['default.wav', undefined]] as const) {
      r = say(out, ...(spk ? ['--speaker', spk] : []));
      assert.equal(r.status, 0, r.stderr);
    }
    const audio = (f: string) => toMono(readWav(join(dir, f)));
    assert.deepEqual(audio('bob.wav'), audio('one.wav'), 'a speaker by name or by id');
    assert.notDeepEqual(audio('bob.wav'), audio('ann.wav'), 'two speakers, two outputs');
    assert.deepEqual(audio('default.wav'), audio('ann.wav'), 'speaker 0 by default');
    r = say('x.wav', '--speaker', 'carol');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "prodiff say: unknown speaker 'carol' (speakers: 0 ann, 1 bob)\n");
    r = say('x.wav', '--speaker', '2');
    assert.equal(r.stderr, 'prodiff say: speaker 2 out of range [0, 1] (speakers: 0 ann, 1 bob)\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
