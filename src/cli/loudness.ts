// prodiff loudness [VOICE] [--write]: measures a voice's output level, DC offset and frame-rate
// tones on fixed sentences, and the calibrated gain; --write stores it in voice.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALIBRATION_SENTENCES, measureLoudness, LOUDNESS_TARGET, type LoudnessStats } from '../api/loudness.js';
import { writeFileAtomic } from '../engine/atomic.js';
import { loadVoice } from '../voice/load.js';
import { Progress } from '../util/progress.js';
import { numberFlag, parseCommandArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = `usage: prodiff loudness [VOICE] [--write] [--json] [--threads N] [-q]

Synthesises ${CALIBRATION_SENTENCES.length} fixed sentences with the voice (NAME, or a directory with a /; default: the
default voice), every speaker of a multi-speaker voice, and reports the output's DC offset, peak,
speech RMS and frame-rate tonal count, raw and after the DC blocker, and the gain that brings the
speech RMS to ${LOUDNESS_TARGET.speechRmsDb} dBFS with peaks <= ${LOUDNESS_TARGET.peakDb} dBFS. --write stores that gain as
inference.output_gain_db in the voice's voice.json (the API and 'say' apply it; --volume scales it).
`;

const row = (label: string, s: LoudnessStats) =>
  `${label.padEnd(22)} DC ${s.dc >= 0 ? '+' : ''}${s.dc.toExponential(2)}  peak ${s.peakDb.toFixed(1)} dBFS  speech RMS ${s.speechRmsDb.toFixed(1)} dBFS  frame-rate tones ${s.tones} of ${s.harmonics}\n`;

export const loudnessCommand: Command = {
  summary: "measure a voice's output level, DC and frame-rate tones; --write stores its calibrated gain",
  async run(args) {
    const p = parseCommandArgs(args, USAGE, {
      write: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, threads: { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false },
    }, { maxPositionals: 1 });
    if (!p) return 0;
    const v = p.values;
    const threads = v.threads !== undefined ? numberFlag('threads', v.threads, { integer: true, min: 1 }) : undefined;
    const voice = loadVoice(p.positionals[0], { allowPaths: true });
    let bar: Progress | undefined;
    const r = await measureLoudness(voice, {
      ...(threads ? { threads } : {}),
      onProgress: (d, n) => { if (!v.quiet) (bar ??= new Progress({ label: 'loudness', total: n, unit: 'sentences', stream: process.stderr })).update(d); },
    });
    bar?.finish();
    if (v.write) {
      const file = join(voice.dir, 'voice.json');
      const raw = JSON.parse(readFileSync(file, 'utf-8')) as { inference: Record<string, unknown> };
      raw.inference.output_gain_db = r.gainDb;
      writeFileAtomic(file, `${JSON.stringify(raw, null, 2).replace(/\[\s+(\d+)\s+\]/g, '[$1]')}\n`);
    }
    if (v.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    process.stdout.write(
      `voice ${r.voice}: ${r.sentences} sentences${r.speakers.length ? ` x ${r.speakers.length} speakers` : ''}, ${r.seconds.toFixed(1)} s\n` +
      row('vocoder output', r.raw) + row('after the DC blocker', r.blocked) +
      `calibrated gain ${r.gainDb >= 0 ? '+' : ''}${r.gainDb.toFixed(1)} dB -> speech RMS ${r.calibrated.speechRmsDb.toFixed(1)} dBFS, peak ${r.calibrated.peakDb.toFixed(1)} dBFS` +
      `${v.write ? ` (written to ${join(voice.dir, 'voice.json')})` : ' (--write stores it)'}\n`,
    );
    return 0;
  },
};
