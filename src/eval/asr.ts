// Offline ASR with Debian's pocketsphinx (an intelligibility proxy for `prodiff eval --asr`).
// Optional: used only when /usr/bin/pocketsphinx_batch and the en-us model are installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, resample } from '../audio/index.js';

const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us';
const MODEL_FILES = { hmm: 'en-us', lm: 'en-us.lm.bin', dict: 'cmudict-en-us.dict' };

/** Why pocketsphinx cannot be used here, or undefined when it can. */
export function pocketsphinxMissing(modelDir = POCKETSPHINX_MODEL): string | undefined {
  const r = spawnSync('pocketsphinx_batch', ['-h'], { stdio: 'ignore' });
  if (r.error) return 'pocketsphinx_batch is not installed (apt-get install pocketsphinx pocketsphinx-en-us)';
  for (const f of Object.values(MODEL_FILES)) if (!existsSync(join(modelDir, f))) return `pocketsphinx model file ${join(modelDir, f)} is missing`;
  return undefined;
}

/**
 * Collects waveforms as 16 kHz 16-bit WAV files in a temporary folder (resampled from their rate),
 * then transcribes them all in one pocketsphinx_batch process. Call `dispose` when done.
 */
export class AsrBatch {
  private readonly dir = mkdtempSync(join(tmpdir(), 'prodiff-asr-'));
  private readonly ids: string[] = [];

  constructor(private readonly modelDir = POCKETSPHINX_MODEL) {}

  add(id: string, samples: ArrayLike<number>, sampleRate: number): void {
    const x = sampleRate === 16000 ? Float32Array.from(samples) : resample(samples, sampleRate, 16000);
    writeFileSync(join(this.dir, `u${this.ids.length}.wav`), encodeWav(x, 16000, 'pcm16'));
    this.ids.push(id);
  }

  /** One lower-case hypothesis per added id ('' when nothing was recognised). */
  run(): Map<string, string> {
    const out = new Map<string, string>();
    if (this.ids.length === 0) return out;
    const names = this.ids.map((_, i) => `u${i}`);
    writeFileSync(join(this.dir, 'ctl'), names.join('\n') + '\n');
    const r = spawnSync('pocketsphinx_batch', [
      '-adcin', 'yes', '-adchdr', '44', '-cepdir', this.dir, '-cepext', '.wav', '-ctl', join(this.dir, 'ctl'), '-hyp', join(this.dir, 'hyp'),
      '-hmm', join(this.modelDir, MODEL_FILES.hmm), '-lm', join(this.modelDir, MODEL_FILES.lm), '-dict', join(this.modelDir, MODEL_FILES.dict), '-logfn', '/dev/null',
    ], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
    if (r.error || r.status !== 0) throw new Error(`pocketsphinx_batch failed (${r.error?.message ?? `exit ${r.status}`}): ${String(r.stderr ?? '').slice(-400)}`);
    // Lines: "words ... (uN score)"; an empty hypothesis is "(uN score)".
    const byName = new Map<string, string>();
    for (const line of readFileSync(join(this.dir, 'hyp'), 'utf-8').split('\n')) {
      const m = /^(.*?)\s*\((u\d+)(?:\s+-?\d+)?\)\s*$/.exec(line);
      if (m) byName.set(m[2]!, m[1]!.trim());
    }
    this.ids.forEach((id, i) => out.set(id, byName.get(names[i]!) ?? ''));
    return out;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
