// The API's output stage: the DC offset removed, the voice's calibrated gain (voice.json
// inference.output_gain_db) and the call's volume applied as exact factors, bad values refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProDiffTTS, TTSInputError } from '../../src/api/tts.js';
import { makeRandomVoice, TINY_HPARAMS, VoiceError } from '../../src/voice/index.js';
import { loadVoice } from '../../src/voice/load.js';
import { spawnSync } from 'node:child_process';
import { CALIBRATION_SENTENCES, type LoudnessReport } from '../../src/api/loudness.js';
import { LevelMeter } from '../../src/audio/levels.js';
import { repoRoot } from '../golden.js';

let tmp = '';
let dir = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'prodiff-output-'));
  dir = makeRandomVoice(join(tmp, 'v'), TINY_HPARAMS, { seed: 5, vocoder: { type: 'griffin-lim', iterations: 1 } }).dir;
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The voice with some inference keys changed in its voice.json. */
function withInference(name: string, inference: Record<string, unknown>): string {
  const cfg = JSON.parse(readFileSync(join(dir, 'voice.json'), 'utf-8')) as { inference: Record<string, unknown> };
  Object.assign(cfg.inference, inference);
  const d = join(tmp, name);
  makeRandomVoice(d, TINY_HPARAMS, { seed: 5, vocoder: { type: 'griffin-lim', iterations: 1 } });
  writeFileSync(join(d, 'voice.json'), JSON.stringify(cfg));
  return d;
}

const TEXT = 'Hello there. How are you?';
const close = (a: Float32Array, b: Float32Array, tol: number) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= tol);

test('volume and the calibrated gain multiply the output; the DC blocker takes the offset out', async () => {
  const tts = await ProDiffTTS.load({ dir }, { threads: 1 });
  const raw = await ProDiffTTS.load({ dir: withInference('raw', { dc_block: false }) }, { threads: 1 });
  const quiet = await ProDiffTTS.load({ dir: withInference('quiet', { output_gain_db: -20 * Math.log10(4) }) }, { threads: 1 });
  try {
    const base = await tts.synthesize(TEXT, { volume: 0.1 });
    const half = await tts.synthesize(TEXT, { volume: 0.05 });
    assert.ok(base.audio.some((x) => Math.abs(x) > 1e-3));
    assert.ok(close(half.audio, base.audio.map((x) => x / 2), 1e-7), 'volume is a factor');
    const q = await quiet.synthesize(TEXT, { volume: 0.4 });
    assert.ok(close(q.audio, base.audio, 1e-6), 'output_gain_db -12.04 dB x volume 0.4 = volume 0.1');
    // A DC offset put into the raw output is gone once the blocker runs (mean of the same signal filtered).
    const r = await raw.synthesize(TEXT, { volume: 0.1 });
    const mean = (x: Float32Array) => x.reduce((a, v) => a + v, 0) / x.length;
    assert.ok(Math.abs(mean(base.audio)) <= Math.abs(mean(r.audio)) + 1e-6, `mean ${mean(base.audio)} vs raw ${mean(r.audio)}`);
    assert.notDeepEqual(r.audio, base.audio);
    // The silence between sentences stays exact zeros.
    const withPause = await tts.synthesize(TEXT, { volume: 0.1, sentenceSilence: 0.1 });
    const p = withPause.pauses[0]!;
    assert.ok(withPause.audio.subarray(Math.round(p.start * 22050) + 1, Math.round(p.end * 22050) - 1).every((x) => x === 0));
    for (const v of [-1, 11, Number.NaN]) {
      await assert.rejects(tts.synthesize('Hi.', { volume: v }), (e: Error) => e instanceof TTSInputError && /volume must be a number in \[0, 10\]/.test(e.message));
    }
  } finally {
    await Promise.all([tts.dispose(), raw.dispose(), quiet.dispose()]);
  }
  assert.throws(() => loadVoice({ dir: withInference('loud', { output_gain_db: 100 }) }), (e: Error) => e instanceof VoiceError && /inference\.output_gain_db: must be dB in \[-60, 60\] \(got 100\)/.test(e.message));
  assert.throws(() => loadVoice({ dir: withInference('dc', { dc_block: 'yes' }) }), /inference\.dc_block: must be true or false \(got "yes"\)/);
});

test('prodiff loudness --write: the calibrated gain brings the voice to the target; the API then gives those levels', async () => {
  const d = withInference('calibrate', {});
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), 'loudness', d, '--write', '--json', '-q', '--threads', '1'], { encoding: 'utf-8' });
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as LoudnessReport;
  assert.equal(rep.sentences, CALIBRATION_SENTENCES.length);
  assert.equal(rep.blocked.harmonics, 81);
  assert.ok(Math.abs(rep.blocked.dc) < 1e-4, `DC ${rep.raw.dc} -> ${rep.blocked.dc}`);
  // min(target RMS - RMS, peak limit - peak), rounded down to 0.1 dB: one of the two is met within 0.1 dB, neither is passed.
  assert.ok(rep.calibrated.speechRmsDb <= -20 + 1e-9 && rep.calibrated.peakDb <= -1 + 1e-9);
  assert.ok(rep.calibrated.speechRmsDb > -20.1 || rep.calibrated.peakDb > -1.1, JSON.stringify(rep.calibrated));
  const cfg = JSON.parse(readFileSync(join(d, 'voice.json'), 'utf-8')) as { inference: { output_gain_db: number } };
  assert.equal(cfg.inference.output_gain_db, rep.gainDb);
  const tts = await ProDiffTTS.load({ dir: d }, { threads: 1 });
  try {
    const m = new LevelMeter();
    for (const text of CALIBRATION_SENTENCES) m.add((await tts.synthesize(text)).audio);
    const s = m.stats();
    assert.ok(Math.abs(s.speechRmsDb - rep.calibrated.speechRmsDb) < 0.01, `speech RMS ${s.speechRmsDb} vs ${rep.calibrated.speechRmsDb}`);
    assert.ok(Math.abs(s.peakDb - rep.calibrated.peakDb) < 0.01, `peak ${s.peakDb} vs ${rep.calibrated.peakDb}`);
  } finally {
    await tts.dispose();
  }
});
