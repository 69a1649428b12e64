// Report: runs every audio golden case (the repository's test/golden/audio or the folder given) through the
// audio parity runner and prints one line per check, plus pitch agreement statistics against Praat
// (voicing agreement, gross error rate, mean |cents| error). --json: one JSON object on the last line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './common.js';
import { readSafetensors } from '../src/engine/safetensors.js';
import { runAudioCase } from '../src/parity/audio.js';
import { trackPitch } from '../src/audio/pitch.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const json = process.argv.includes('--json');
const dir = path.resolve(args[0] ?? path.join(repoRoot, 'test/golden/audio'));
const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf-8'));
const report: Record<string, unknown>[] = [];
let allPass = true;
let frames = 0, agree = 0, both = 0, gross = 0, centsSum = 0;
for (const entry of manifest.cases) {
  const file = path.join(dir, entry.golden ?? entry.file);
  const st = readSafetensors(file);
  const checks = await runAudioCase({ name: entry.case, file, entry, manifest, tensors: st.tensors, metadata: st.metadata });
  for (const c of checks) {
    allPass &&= c.pass;
    report.push({ case: entry.case, check: c.name, max_abs_error: c.maxAbsError, pass: c.pass, tolerance: c.tolerance });
    if (!json) console.log(`${entry.case.padEnd(12)} ${c.name.padEnd(28)} max abs err ${c.maxAbsError.toExponential(2).padStart(9)}  ${c.pass ? 'ok  ' : 'FAIL'}  ${c.tolerance}`);
  }
  const raw = st.tensors.get('output.f0_praat_raw');
  if (raw && raw.data.length > 0) {
    const g = raw.data as Float64Array;
    const tr = trackPitch(st.tensors.get('input.wav_padded')!.data as Float32Array, 22050);
    for (let i = 0; i < g.length; i++) {
      frames++;
      const a = tr.frequency[i]! > 0, b = g[i]! > 0;
      if (a === b) agree++;
      if (a && b) { both++; if (Math.abs(tr.frequency[i]! - g[i]!) > 0.2 * g[i]!) gross++; centsSum += Math.abs(1200 * Math.log2(tr.frequency[i]! / g[i]!)); }
    }
  }
}
const pitch = { frames, voicing_agreement: agree / frames, voiced_in_both: both, gross_error_rate: both ? gross / both : 0, mean_abs_cents: both ? centsSum / both : 0 };
if (!json) {
  console.log(`pitch vs Praat (very accurate, all cases): ${frames} frames, voicing agreement ${(100 * pitch.voicing_agreement).toFixed(2)}%, ` +
    `gross errors (>20%) ${gross}/${both} = ${(100 * pitch.gross_error_rate).toFixed(2)}%, mean |error| ${pitch.mean_abs_cents.toExponential(2)} cents`);
  console.log(allPass ? 'all audio golden checks pass' : 'SOME AUDIO GOLDEN CHECKS FAIL');
} else {
  console.log(JSON.stringify({ bench: 'audio-parity', all_pass: allPass, checks: report, pitch }));
}
process.exitCode = allPass ? 0 : 1;
