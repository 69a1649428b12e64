// Benchmark and accuracy figures of the built-in phone aligner.
//
//   node dist/bench/align.js [--json] [--hours 1] [--corpus DIR] [--model DIR]
//       speed: aligns the corpus's utterances (default: the tiny committed corpus), cycling through
//       them until `--hours` of audio are done, the whole path (read WAV, resample, features,
//       network, monotonic search); prints audio_s, wall_s, rtf.
//   node dist/bench/align.js --accuracy --corpus DIR [--messy] [--limit N] [--json]
//       boundary accuracy against the corpus's own phone times (alignments/ID.tsv): share of phone
//       boundaries within 10/20/40 ms, median error. --messy first degrades every utterance: gain
//       -9..+3 dB, 0.2-0.8 s of silence at each end, white noise 35 dB below the speech, written as
//       44.1 kHz stereo 24-bit WAV and read back through the WAV reader and resampler.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resample } from '../src/audio/resample.js';
import { encodeWav } from '../src/audio/wav.js';
import { Aligner, BUNDLED_ALIGNER, frontEndWords } from '../src/data/aligner.js';
import { boundaryErrors, summarizeBoundaries } from '../src/data/boundary-accuracy.js';
import { readAlignment, readCorpus } from '../src/data/corpus.js';
import type { AlignedPhone } from '../src/data/festival.js';
import { Rng } from '../src/engine/index.js';
import { viterbi } from '../src/data/monotonic.js';
import { repoRoot } from './common.js';

const { values: v } = parseArgs({
  options: {
    json: { type: 'boolean', default: false }, hours: { type: 'string', default: '1' }, corpus: { type: 'string' }, model: { type: 'string' },
    accuracy: { type: 'boolean', default: false }, messy: { type: 'boolean', default: false }, limit: { type: 'string' }, seed: { type: 'string', default: '1' },
  },
});
const corpusDir = resolve(v.corpus ?? join(repoRoot, 'test/fixtures/corpus-tiny'));
const aligner = await Aligner.load(v.model ?? BUNDLED_ALIGNER);
const corpus = readCorpus(corpusDir);
const utts = corpus.utterances.slice(0, v.limit ? Number(v.limit) : undefined);

/** The messy copy of a file: samples degraded as described above, as 44.1 kHz stereo 24-bit WAV bytes; returns the added lead (s). */
function messyWav(samples: Float32Array, rate: number, rng: Rng): { bytes: Uint8Array; lead: number } {
  const gain = 10 ** ((-9 + 12 * rng.uniform()) / 20);
  const lead = 0.2 + 0.6 * rng.uniform();
  const tail = 0.2 + 0.6 * rng.uniform();
  const a = Math.round(lead * rate);
  const x = new Float32Array(a + samples.length + Math.round(tail * rate));
  let power = 0;
  for (let i = 0; i < samples.length; i++) power += samples[i]! ** 2;
  const noise = Math.sqrt(power / samples.length) * 10 ** (-35 / 20);
  for (let i = 0; i < x.length; i++) {
    const s = i >= a && i - a < samples.length ? samples[i - a]! : 0;
    x[i] = (s + noise * rng.normal()) * gain;
  }
  const up = resample(x, rate, 44100);
  const right = Float32Array.from(up, (s, i) => 0.9 * s + 0.1 * (up[i - 1] ?? 0));
  return { bytes: encodeWav([up, right], 44100, 'pcm24'), lead: a / rate };
}

if (v.accuracy) {
  const rng = new Rng(Number(v.seed));
  const tmp = mkdtempSync(join(tmpdir(), 'prodiff-align-bench-'));
  const errors: number[] = [];
  let skipped = 0;
  let aligned = 0;
  try {
    for (const u of utts) {
      if (!u.alignment) continue;
      let ref: AlignedPhone[] = readAlignment(u.alignment);
      let path = u.wav;
      if (v.messy) {
        const m = messyWav(aligner.loadAudio(u.wav), aligner.config.sampleRate, rng);
        path = join(tmp, `${u.id}.wav`);
        writeFileSync(path, m.bytes);
        ref = ref.map((p) => ({ ...p, start: p.start + m.lead, end: p.end + m.lead }));
      }
      try {
        const r = await aligner.align(aligner.loadAudio(path), frontEndWords(u.normalized));
        errors.push(...boundaryErrors(r.phones, ref));
        aligned++;
      } catch (e) {
        skipped++;
        process.stderr.write(`${u.id}: ${(e as Error).message}\n`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const s = summarizeBoundaries(errors);
  const out = { bench: 'align-accuracy', corpus: corpusDir, messy: v.messy, utterances: aligned, skipped, boundaries: s.boundaries, within10: s.within10, within20: s.within20, within40: s.within40, median_ms: s.median * 1000 };
  if (v.json) console.log(JSON.stringify(out));
  else console.log(`${corpusDir}${v.messy ? ' (messy)' : ''}: ${aligned} utterances, ${s.boundaries} boundaries: within 10 ms ${(100 * s.within10).toFixed(1)} %, 20 ms ${(100 * s.within20).toFixed(1)} %, 40 ms ${(100 * s.within40).toFixed(1)} %, median ${(1000 * s.median).toFixed(1)} ms`);
} else {
  const target = Number(v.hours) * 3600;
  const words = utts.map((u) => frontEndWords(u.normalized));
  // Warm-up: one utterance.
  await aligner.align(aligner.loadAudio(utts[0]!.wav), words[0]!);
  let audio = 0;
  const t0 = performance.now();
  for (let i = 0; audio < target; i = (i + 1) % utts.length) {
    const samples = aligner.loadAudio(utts[i]!.wav);
    await aligner.align(samples, words[i]!);
    audio += samples.length / aligner.config.sampleRate;
  }
  const wall = (performance.now() - t0) / 1000;
  // The monotonic search alone for a 10 s utterance: 1000 frames x 150 tokens, median of 11 runs.
  const rng = new Rng(1);
  const problem = { scores: rng.normalArray(1000 * 150), frames: 1000, tokens: 150, optional: Array.from({ length: 150 }, (_, i) => i % 4 === 0) };
  const times: number[] = [];
  for (let k = 0; k < 11; k++) {
    const s0 = performance.now();
    viterbi(problem);
    times.push(performance.now() - s0);
  }
  times.sort((a, b) => a - b);
  const out = { bench: 'align', audio_s: Number(audio.toFixed(1)), wall_s: Number(wall.toFixed(2)), rtf: Number((wall / audio).toFixed(5)), viterbi_10s_ms: Number(times[5]!.toFixed(2)) };
  if (v.json) console.log(JSON.stringify(out));
  else console.log(`aligned ${(audio / 60).toFixed(1)} min of audio in ${wall.toFixed(1)} s: rtf ${out.rtf}; monotonic search of a 10 s utterance (1000 x 150): ${out.viterbi_10s_ms} ms`);
}
await aligner.close();
