// `prodiff features IN.wav [--png mel.png] [--out feats.safetensors] [--sr 22050]`: computes the
// ProDiff features of one file (log-mel, energy, f0/uv/coarse pitch) and writes them as a PNG
// picture (log-mel with the f0 curve underneath) and/or a safetensors file.
import { PNG } from 'pngjs';
import { serializeSafetensors, type StData } from '../engine/safetensors.js';
import { checkWritable, writeOutput } from './io.js';
import { numberFlag, parseCommandArgs, UsageError } from './args.js';
import { loadAudio } from '../audio/resample.js';
import { logMel, PRODIFF_MEL, prodiffEnergy, type LogMel } from '../audio/mel.js';
import { prodiffPitch, type ProdiffPitch } from '../audio/f0.js';
import { colourMap as colour } from '../util/raster.js';

const USAGE = `usage: prodiff features IN.wav [--png OUT.png] [--out OUT.safetensors] [--sr RATE]

Computes the log-mel, energy and pitch of a WAV file.
  --png FILE   the log-mel with the f0 curve underneath, as a PNG picture ('-' = standard output)
  --out FILE   the features as safetensors (mel, energy, wav, f0, uv, f0_coarse; '-' = standard output)
  --sr RATE    sample rate to analyse at (default 22050)
`;

/** Renders the log-mel (low frequencies at the bottom) and, if given, an f0 strip below it. */
function renderFeaturesPng(mel: LogMel, pitch?: ProdiffPitch, scale = 3): Uint8Array {
  const T = mel.frames, M = mel.nMels;
  const melH = M * scale;
  const f0H = pitch ? 120 : 0;
  const gap = pitch ? 4 : 0;
  const width = Math.max(1, T * 2);
  const height = melH + gap + f0H;
  const png = new PNG({ width, height });
  const put = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    const o = (y * width + x) * 4;
    png.data[o] = r; png.data[o + 1] = g; png.data[o + 2] = b; png.data[o + 3] = 255;
  };
  let lo = Infinity, hi = -Infinity;
  for (const v of mel.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi - lo || 1;
  for (let x = 0; x < width; x++) {
    const t = Math.floor(x / 2);
    for (let y = 0; y < melH; y++) {
      const m = M - 1 - Math.floor(y / scale);
      put(x, y, colour((mel.data[t * M + m]! - lo) / span));
    }
    for (let y = melH; y < melH + gap; y++) put(x, y, [255, 255, 255]);
  }
  if (pitch) {
    const fmax = 500;
    for (let x = 0; x < width; x++) for (let y = melH + gap; y < height; y++) put(x, y, [20, 20, 20]);
    for (let x = 0; x < width; x++) {
      const t = Math.floor(x / 2);
      const f = pitch.f0[t]!;
      if (f <= 0) continue;
      const yy = height - 1 - Math.round(Math.min(1, f / fmax) * (f0H - 1));
      for (let d = -1; d <= 1; d++) { const y = yy + d; if (y >= melH + gap && y < height) put(x, y, [80, 220, 120]); }
    }
  }
  return PNG.sync.write(png);
}

export async function run(args: string[]): Promise<number> {
  const p = parseCommandArgs(args, USAGE, { png: { type: 'string' }, out: { type: 'string' }, sr: { type: 'string' } }, { maxPositionals: 1 });
  if (!p) return 0;
  const input = p.positionals[0];
  if (!input) throw new UsageError('missing input WAV file');
  const a = { input, png: p.values.png, out: p.values.out, sr: p.values.sr === undefined ? PRODIFF_MEL.sampleRate : numberFlag('sr', p.values.sr, { integer: true, min: 1 }) };
  if (a.png === '-' && a.out === '-') throw new UsageError('only one of --png and --out can be standard output (-)');
  if (a.png) checkWritable(a.png, 'picture');
  if (a.out) checkWritable(a.out, 'features');
  // With an output on standard output the summary goes to standard error.
  const say = (s: string) => (a.png === '-' || a.out === '-' ? process.stderr : process.stdout).write(s);
  const cfg = { ...PRODIFF_MEL, sampleRate: a.sr };
  const audio = loadAudio(a.input!, a.sr);
  const mel = logMel(audio.samples, cfg);
  const energy = prodiffEnergy(mel);
  let pitch: ProdiffPitch | undefined;
  let pitchNote = '';
  try {
    pitch = prodiffPitch(audio.samples, a.sr, cfg.hop);
  } catch (e) {
    pitchNote = `no pitch: ${(e as Error).message}`;
  }
  const voiced = pitch ? pitch.f0.filter((f) => f > 0) : new Float64Array(0);
  const meanF0 = voiced.length ? voiced.reduce((s, v) => s + v, 0) / voiced.length : 0;
  say(
    `${a.input}: ${audio.samples.length} samples at ${a.sr} Hz (native ${audio.nativeRate} Hz, ${audio.channels} ch), ` +
    `${mel.frames} frames; ` +
    (pitch ? `voiced ${voiced.length}/${mel.frames} frames, mean f0 ${meanF0.toFixed(1)} Hz` : pitchNote) + '\n',
  );
  if (a.png) {
    await writeOutput(a.png, renderFeaturesPng(mel, pitch));
    if (a.png !== '-') say(`wrote ${a.png}\n`);
  }
  if (a.out) {
    const tensors: Record<string, { shape: number[]; data: StData }> = {
      mel: { shape: [mel.frames, mel.nMels], data: mel.data },
      energy: { shape: [mel.frames], data: Float32Array.from(energy) },
      wav: { shape: [audio.samples.length], data: audio.samples },
    };
    if (pitch) {
      tensors.f0 = { shape: [mel.frames], data: pitch.f0 };
      tensors.uv = { shape: [mel.frames], data: pitch.uv };
      tensors.f0_coarse = { shape: [mel.frames], data: pitch.coarse };
    }
    await writeOutput(a.out, serializeSafetensors(tensors, {
      module: 'audio_frontend', source: a.input!, sample_rate: String(a.sr), hop: String(cfg.hop),
      layout: 'mel is [T, n_mels] (ProDiff layout), log10', ...(pitchNote ? { pitch: pitchNote } : {}),
    }));
    if (a.out !== '-') say(`wrote ${a.out}\n`);
  }
  return 0;
}
