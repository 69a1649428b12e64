// Every voice shipped under voices/ loads and speaks a short sentence: audio as long as its mel
// frames, finite, at a speaking level (neither silent nor clipped).
import { LevelMeter } from '../../src/audio/levels.js';
import { LOUDNESS_TARGET } from '../../src/api/loudness.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProDiffTTS } from '../../src/api/tts.js';
import { bundledVoicesDir } from '../../src/voice/store.js';
import { speakerNames } from '../../src/voice/config.js';

const dir = bundledVoicesDir();
const voices = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'voice.json'))).map((e) => e.name);

test('voices/ holds the default voice', () => {
  assert.ok(voices.length >= 1, `no voice package under ${dir}`);
  assert.ok(voices.includes(readFileSync(join(dir, 'default'), 'utf-8').trim()), `voices/default names none of ${voices.join(', ')}`);
});

for (const name of voices) {
  test(`bundled voice ${name}: loads and speaks a short sentence`, async () => {
    const tts = await ProDiffTTS.load({ dir: join(dir, name) }, { threads: 1 });
    const text = 'The quick brown fox jumps over the lazy dog.';
    const r = await tts.synthesize(text);
    const hop = tts.voice.config.audio.hop_length;
    assert.equal(r.sampleRate, tts.voice.config.audio.sample_rate);
    assert.ok(r.frames > 0 && r.audio.length >= r.frames * hop, `${r.frames} frames, ${r.audio.length} samples`);
    const seconds = r.audio.length / r.sampleRate;
    // About 2.5 s when spoken; a model that collapsed its durations or never stops is far off.
    assert.ok(seconds > 1 && seconds < 8, `${seconds.toFixed(2)} s for "${text}"`);
    let peak = 0, energy = 0;
    for (const v of r.audio) {
      assert.ok(Number.isFinite(v), 'non-finite sample');
      peak = Math.max(peak, Math.abs(v));
      energy += v * v;
    }
    const rmsDb = 10 * Math.log10(energy / r.audio.length);
    assert.ok(peak <= 1, `peak ${peak} clips`);
    assert.ok(rmsDb > -40 && rmsDb < -6, `RMS level ${rmsDb.toFixed(1)} dBFS`);
    // Output hygiene: no DC offset; a calibrated voice near the loudness target (one sentence: +-3 dB), peaks under -1 dBFS.
    const m = new LevelMeter();
    m.add(r.audio);
    const lv = m.stats();
    assert.ok(Math.abs(lv.dc) <= 5e-4, `DC ${lv.dc}`);
    if (tts.voice.config.inference.output_gain_db !== undefined) {
      assert.ok(Math.abs(lv.speechRmsDb - LOUDNESS_TARGET.speechRmsDb) <= 3, `speech RMS ${lv.speechRmsDb.toFixed(1)} dBFS`);
      assert.ok(lv.peakDb <= LOUDNESS_TARGET.peakDb, `peak ${lv.peakDb.toFixed(1)} dBFS`);
    }
    assert.ok(r.words.map((w) => w.word.toLowerCase()).join(' ').includes('quick brown fox'), JSON.stringify(r.words.map((w) => w.word)));
  });
}

for (const name of voices) {
  const cfg = JSON.parse(readFileSync(join(dir, name, 'voice.json'), 'utf-8')) as { num_speakers: number; speaker_id_map: Record<string, number> };
  if (cfg.num_speakers < 2) continue;
  test(`bundled voice ${name}: every speaker speaks, each with its own voice`, async () => {
    const tts = await ProDiffTTS.load({ dir: join(dir, name) }, { threads: 1 });
    const speakers = speakerNames(cfg);
    assert.equal(speakers.length, cfg.num_speakers);
    const text = 'Speak as each of them.';
    const mels: Float32Array[] = [];
    for (const speaker of speakers) {
      const r = await tts.synthesize(text, { speaker });
      assert.ok(r.audio.length > 0.5 * r.sampleRate && r.audio.every(Number.isFinite), `${speaker}: ${r.audio.length} samples`);
      mels.push(r.mel);
    }
    // The speakers' mels differ (not one voice under several names).
    for (let i = 1; i < mels.length; i++) assert.ok(mels[i]!.some((v, k) => Math.abs(v - mels[0]![k]!) > 0.1) || mels[i]!.length !== mels[0]!.length, `${speakers[i]} sounds like ${speakers[0]}`);
    await assert.rejects(tts.synthesize(text, { speaker: 'nobody' }), new RegExp(`unknown speaker 'nobody'.*${speakers[0]}`));
  });
}

