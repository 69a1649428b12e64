// prodiff/web in headless Chromium (the system's, via puppeteer-core), the bundled voice served
// from a local static server with the cross-origin isolation headers: the same 20 sentences as
// bench:say, one call each, --reps passes after load (load includes prodiff/web's warm-up); RTF of
// the median and the fastest pass; first audio = median over 5 three-sentence paragraphs of the
// time from stream() to its first chunk; cold load (empty Cache API) and warm load (cached);
// bundle_kb = dist/web/prodiff.js gzipped (without ORT's .wasm and without the voice), wasm_kb =
// ORT's .wasm as shipped (gzipped in brackets), dict_kb = the compact dictionary.
// Usage: npm run bench:browser -- [--threads N] [--no-isolation] [--reps 3] [--json]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { findChromium, launchChromium, serveStatic } from '../test/browser/harness.js';
import { repoRoot } from '../test/golden.js';
import { SENTENCES } from './sentences.js';

const { values: a } = parseArgs({
  options: {
    threads: { type: 'string' },
    'no-isolation': { type: 'boolean', default: false },
    reps: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});

interface PageFigures {
  coldLoadMs: number;
  loadMs: number;
  passes: { wall: number; audio: number; acoustic: number; vocoder: number }[];
  firsts: number[];
  runtime: { backend: string; threads: number; crossOriginIsolated: boolean };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
const kb = (n: number) => Math.round(n / 1024);

async function main(): Promise<void> {
  const reps = Number(a.reps);
  if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps ${a.reps}: a positive integer`);
  const threads = a.threads === undefined ? undefined : Number(a.threads);
  const chromium = findChromium();
  if (!chromium.path) throw new Error(`no Chromium (looked at ${chromium.looked.join(', ')})`);
  const server = await serveStatic(repoRoot, { isolate: !a['no-isolation'] });
  const browser = await launchChromium(chromium.path);
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/test/browser/blank.html`);
    const f = (await page.evaluate(async (sentences: string[], reps: number, threads: number | undefined) => {
      const m = (await import('/dist/web/prodiff.js' as string)) as typeof import('../src/web/index.js');
      await m.clearCache();
      const opts = { url: '/voices/en_US-slt-prodiff-small/', ...(threads ? { threads } : {}) };
      let t0 = performance.now();
      const cold = await m.ProDiffTTS.load(opts);
      const coldLoadMs = performance.now() - t0;
      await cold.dispose();
      t0 = performance.now();
      const tts = await m.ProDiffTTS.load(opts);
      const loadMs = performance.now() - t0;
      const passes = [];
      for (let r = 0; r < reps; r++) {
        const p = { wall: 0, audio: 0, acoustic: 0, vocoder: 0 };
        for (const s of sentences) {
          const t = performance.now();
          const out = await tts.synthesize(s);
          p.wall += performance.now() - t;
          p.audio += out.duration;
          p.acoustic += out.timings.acousticMs;
          p.vocoder += out.timings.vocoderMs;
        }
        passes.push(p);
      }
      const firsts = [];
      for (let k = 0; k < 5; k++) {
        const t = performance.now();
        for await (const c of tts.stream(sentences.slice(3 * k, 3 * k + 3).join(' '))) {
          void c;
          firsts.push(performance.now() - t);
          break;
        }
      }
      await tts.dispose();
      return { coldLoadMs, loadMs, passes, firsts, runtime: m.runtime! };
    }, SENTENCES, reps, threads)) as PageFigures;
    const passes = [...f.passes].sort((p, q) => p.wall - q.wall);
    const mid = passes[passes.length >> 1]!;
    const gz = (file: string) => gzipSync(readFileSync(join(repoRoot, 'dist', 'web', file))).length;
    const raw = (file: string) => readFileSync(join(repoRoot, 'dist', 'web', file)).length;
    const result = {
      browser: (await browser.version()).replace(/^(Headless)?Chrome\//, 'Chromium '),
      backend: f.runtime.backend,
      threads: f.runtime.threads,
      cross_origin_isolated: f.runtime.crossOriginIsolated,
      sentences: SENTENCES.length,
      audio_s: +mid.audio.toFixed(3),
      runs: reps,
      rtf: +(mid.wall / 1000 / mid.audio).toFixed(4),
      rtf_min: +(passes[0]!.wall / 1000 / passes[0]!.audio).toFixed(4),
      rtf_acoustic: +(mid.acoustic / 1000 / mid.audio).toFixed(4),
      rtf_vocoder: +(mid.vocoder / 1000 / mid.audio).toFixed(4),
      first_audio_runs: f.firsts.length,
      first_audio_ms: +median(f.firsts).toFixed(1),
      first_audio_min_ms: +Math.min(...f.firsts).toFixed(1),
      load_cold_ms: Math.round(f.coldLoadMs),
      load_ms: Math.round(f.loadMs),
      bundle_kb: kb(gz('prodiff.js')),
      bundle_raw_kb: kb(raw('prodiff.js')),
      wasm_kb: kb(raw('ort-wasm-simd-threaded.wasm')),
      wasm_gzip_kb: kb(gz('ort-wasm-simd-threaded.wasm')),
      dict_kb: kb(raw('cmudict.pdc1.gz')),
    };
    if (!a.json) {
      process.stdout.write(`${result.browser}, ${result.backend}, ${result.threads} thread(s)${result.cross_origin_isolated ? '' : ', not isolated'}: RTF ${result.rtf} (min ${result.rtf_min}; acoustic ${result.rtf_acoustic}, vocoder ${result.rtf_vocoder}) over ${result.audio_s} s of audio\n`);
      process.stdout.write(`first audio (streaming, 5 runs) median ${result.first_audio_ms} ms, min ${result.first_audio_min_ms} ms; load ${result.load_ms} ms cached, ${result.load_cold_ms} ms cold\n`);
      process.stdout.write(`bundle ${result.bundle_kb} kB gzipped (${result.bundle_raw_kb} kB), ORT wasm ${result.wasm_kb} kB (${result.wasm_gzip_kb} kB gzipped), dictionary ${result.dict_kb} kB\n`);
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:browser: ${(e as Error).message}\n`);
  process.exit(1);
});
