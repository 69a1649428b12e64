// prodiff voices: the installed voices (the user's $PRODIFF_VOICES directories, then the bundled ones).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { readVoiceConfig } from '../voice/load.js';
import { speakerNames } from '../voice/config.js';
import { bundledVoicesDir, defaultVoiceName, listInstalledVoices, userVoicesDirs } from '../voice/store.js';

const USAGE = `usage: prodiff voices [--json]

Lists the installed voices: those in the directories of $PRODIFF_VOICES (searched first), then the
ones bundled in the package (${bundledVoicesDir()}). '*' marks the default voice.
`;

function size(dir: string, files: string[]): number {
  let n = 0;
  for (const f of files) {
    try { n += statSync(join(dir, f)).size; } catch { /* missing: reported by the check */ }
  }
  return n;
}

export const voicesCommand: Command = {
  summary: 'list the installed voices (--json)',
  async run(args: string[]): Promise<number> {
    const p = parseCommandArgs(args, USAGE, { json: { type: 'boolean', default: false } }, { maxPositionals: 0 });
    if (!p) return 0;
    const json = p.values.json!;
    const rows = listInstalledVoices().map((v) => {
      try {
        const c = readVoiceConfig(v.dir);
        return {
          name: v.name, source: v.source, default: v.isDefault, shadowed: v.shadowed, dir: v.dir, ok: true,
          language: c.language?.code ?? '', quality: c.audio.quality ?? '', num_speakers: c.num_speakers, speakers: speakerNames(c), steps: c.inference.steps,
          vocoder: c.vocoder.type, sample_rate: c.audio.sample_rate,
          size_mb: Math.round(size(v.dir, ['voice.json', c.model, ...(c.vocoder.file ? [c.vocoder.file] : [])]) / 1e4) / 100,
        };
      } catch (e) {
        return { name: v.name, source: v.source, default: v.isDefault, shadowed: v.shadowed, dir: v.dir, ok: false, problem: (e as Error).message };
      }
    });
    if (json) {
      process.stdout.write(`${JSON.stringify({ default: defaultVoiceName() ?? null, search: [...userVoicesDirs(), bundledVoicesDir()], voices: rows })}\n`);
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write(`no voices installed (searched: ${[...userVoicesDirs(), bundledVoicesDir()].join(', ')})\n`);
      return 0;
    }
    for (const r of rows) {
      const mark = r.default ? '*' : ' ';
      const what = r.ok
        ? `${String(r.language).padEnd(6)} ${String(r.quality).padEnd(7)} ${String(r.num_speakers)} spk${r.speakers?.length ? ` (${r.speakers.join(', ')})` : ''}  ${String(r.steps)} steps  ${String(r.vocoder).padEnd(11)} ${String(r.size_mb).padStart(7)} MB`
        : `BROKEN: ${String(r.problem)}`;
      process.stdout.write(`${mark} ${r.name.padEnd(28)} ${r.source.padEnd(7)} ${what}${r.shadowed ? '  (shadowed)' : ''}\n    ${r.dir}\n`);
    }
    return 0;
  },
};
