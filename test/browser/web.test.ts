// prodiff/web in a real browser: headless Chromium (the system's, driven by puppeteer-core) loads
// the bundle and the bundled voice from a local static server and speaks the README sentence; the
// samples must equal Node's for the same seed (same graphs, same front end) and the timestamps
// must match. Skipped, saying why, only where no Chromium is installed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { ProDiffTTS } from '../../src/api/tts.js';
import { decodeWav } from '../../src/audio/wav.js';
import { repoRoot } from '../golden.js';
import { findChromium, launchChromium, serveStatic, type StaticServer } from './harness.js';

const SENTENCE = 'The quick brown fox jumps over 13 lazy dogs.';
const SEED = 7;
const VOICE = 'voices/en_US-slt-prodiff-small';
const BUNDLE = '/dist/web/prodiff.js';
/**
 * Largest |browser - Node| sample difference allowed. Both run the same ONNX graphs in float32, but
 * ORT's WASM kernels sum in other orders than its native ones (SIMD widths, conv algorithms), and
 * the two diffusion steps and the vocoder carry those last-bit differences to the output: measured
 * 5e-7 on this machine (1 thread), so 1e-4 leaves room for other thread counts and CPUs.
 */
const SAMPLE_TOLERANCE = 1e-4;

const chromium = findChromium();
const skip = chromium.path ? false : `no Chromium found (looked at ${chromium.looked.join(', ')}); install Debian's chromium (.ci/run does)`;

let server: StaticServer;
let browser: Browser;
let page: Page;
let badVoiceDir: string;

before(async () => {
  if (skip) return;
  assert.ok(existsSync(join(repoRoot, 'dist', 'web', 'prodiff.js')), 'dist/web/prodiff.js is missing: run npm run build');
  // A voice whose model file is corrupt: the real voice.json, a model cut to 1000 bytes.
  badVoiceDir = mkdtempSync(join(tmpdir(), 'prodiff-web-'));
  copyFileSync(join(repoRoot, VOICE, 'voice.json'), join(badVoiceDir, 'voice.json'));
  writeFileSync(join(badVoiceDir, 'model.safetensors'), Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff));
  writeFileSync(join(badVoiceDir, 'vocoder.safetensors'), new Uint8Array(16));
  server = await serveStatic(repoRoot, { isolate: true, mounts: { '/corrupt-voice/': badVoiceDir } });
  browser = await launchChromium(chromium.path!);
  page = await browser.newPage();
  await page.goto(`${server.url}/test/browser/blank.html`);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (badVoiceDir) rmSync(badVoiceDir, { recursive: true, force: true });
});

interface PageResult {
  audio: number[];
  sampleRate: number;
  phones: string[];
  words: { word: string; start: number; end: number }[];
  phonesTimed: { phone: string; start: number; end: number }[];
  streamed: number[];
  chunks: number;
  wav: number[];
  runtime: { backend: string; threads: number; crossOriginIsolated: boolean };
}

test('browser: the bundled voice speaks the README sentence as Node does (same seed), timestamps equal', { skip, timeout: 600_000 }, async (t) => {
  const r = (await page.evaluate(async (bundle: string, voice: string, text: string, seed: number) => {
    const m = (await import(bundle)) as typeof import('../../src/web/index.js');
    const tts = await m.ProDiffTTS.load({ url: `/${voice}/` });
    const out = await tts.synthesize(text, { seed });
    const streamed: number[] = [];
    let chunks = 0;
    for await (const c of tts.stream(text, { seed })) {
      chunks++;
      streamed.push(...c.audio);
    }
    const wav = new Uint8Array(await m.wavBlob(out.audio, out.sampleRate).arrayBuffer());
    await tts.dispose();
    return {
      audio: [...out.audio], sampleRate: out.sampleRate, phones: out.phones, words: out.words, phonesTimed: out.phonesTimed,
      streamed, chunks, wav: [...wav], runtime: m.runtime,
    };
  }, BUNDLE, VOICE, SENTENCE, SEED)) as PageResult;

  const tts = await ProDiffTTS.load();
  const node = await tts.synthesize(SENTENCE, { seed: SEED });
  let nodeChunks = 0;
  for await (const _ of tts.stream(SENTENCE, { seed: SEED })) nodeChunks++;
  await tts.dispose();

  assert.equal(r.sampleRate, node.sampleRate);
  assert.deepEqual(r.phones, node.phones);
  assert.deepEqual(r.words, node.words, 'word timestamps');
  assert.deepEqual(r.phonesTimed, node.phonesTimed, 'phone timestamps');
  assert.equal(r.audio.length, node.audio.length);
  let maxErr = 0, energy = 0;
  for (let i = 0; i < node.audio.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(r.audio[i]! - node.audio[i]!));
    energy = Math.max(energy, Math.abs(node.audio[i]!));
  }
  assert.ok(energy > 0.05, `Node's audio is not silent (peak ${energy})`);
  t.diagnostic(`max |browser - Node| sample difference ${maxErr.toExponential(2)} (tolerance ${SAMPLE_TOLERANCE}), peak ${energy.toFixed(3)}, ${r.runtime.threads} WASM thread(s)`);
  assert.ok(maxErr <= SAMPLE_TOLERANCE, `max |browser - Node| = ${maxErr} > ${SAMPLE_TOLERANCE}`);
  // Streaming in the page gives the same samples in the same chunks as Node (exact chunking: equal
  // in Node; here the chunks' smaller denoiser windows change WASM's summation order, hence the
  // tolerance). The bundled vocoder integrates its phase over whole sentences, so a one-sentence
  // text is one chunk there; a vocoder with finite context would give several.
  assert.equal(r.chunks, nodeChunks, `${r.chunks} chunk(s) in the page, ${nodeChunks} in Node`);
  assert.equal(r.streamed.length, r.audio.length);
  const streamErr = r.audio.reduce((m, x, i) => Math.max(m, Math.abs(x - r.streamed[i]!)), 0);
  t.diagnostic(`max |streamed - whole| in the page ${streamErr.toExponential(2)} over ${r.chunks} chunks`);
  assert.ok(streamErr <= SAMPLE_TOLERANCE, `max |streamed - whole| = ${streamErr}`);
  // The WAV Blob holds the audio as 16-bit PCM.
  const wav = decodeWav(Uint8Array.from(r.wav));
  assert.equal(wav.sampleRate, r.sampleRate);
  assert.equal(wav.length, r.audio.length);
  for (let i = 0; i < wav.length; i += 97) assert.ok(Math.abs(wav.channels[0]![i]! - r.audio[i]!) <= 1 / 32768 + 1e-7, `sample ${i}`);
  assert.equal(r.runtime.backend, 'wasm');
  assert.equal(r.runtime.crossOriginIsolated, true);
});

test('browser: bad input rejects with clear errors (404 voice, corrupt model, punctuation only, bad options, HiFi-GAN)', { skip, timeout: 600_000 }, async () => {
  const errors = (await page.evaluate(async (bundle: string) => {
    const m = (await import(bundle)) as typeof import('../../src/web/index.js');
    const fail = async (p: () => Promise<unknown>) => {
      try {
        await p();
        return 'resolved';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    const tts = await m.ProDiffTTS.load({ url: '/voices/en_US-slt-prodiff-small/voice.json' });
    const out = {
      missing: await fail(() => m.ProDiffTTS.load({ url: '/voices/no-such-voice/' })),
      corrupt: await fail(() => m.ProDiffTTS.load({ url: '/corrupt-voice/', cache: false })),
      noUrl: await fail(() => (m.ProDiffTTS.load as (o: unknown) => Promise<unknown>)({})),
      webgpu: await fail(() => m.ProDiffTTS.load({ url: '/voices/en_US-slt-prodiff-small/', backend: 'webgpu' })),
      punctuation: await fail(() => tts.synthesize('?! ... ,;')),
      streamPunctuation: await fail(async () => {
        for await (const c of tts.stream('...')) void c;
      }),
      speed: await fail(() => tts.synthesize('Hello.', { speed: -1 })),
      hifigan: await fail(() => tts.synthesize('Hello.', { vocoder: 'hifigan' })),
      stillWorks: (await tts.synthesize('Still here.')).duration > 0 ? 'yes' : 'no',
    };
    await tts.dispose();
    return out;
  }, BUNDLE)) as Record<string, string>;
  assert.match(errors.missing!, /^WebFetchError: http:\/\/127\.0\.0\.1:\d+\/voices\/no-such-voice\/voice\.json: HTTP 404/);
  assert.match(errors.corrupt!, /^VoiceError: .*\/corrupt-voice\/model\.safetensors.*corrupt model file/);
  assert.match(errors.noUrl!, /^TypeError: ProDiffTTS\.load: give \{ url/);
  assert.match(errors.webgpu!, /^Error: backend 'webgpu': this bundle \(prodiff\.js\) runs on WASM only/);
  assert.match(errors.punctuation!, /^TTSInputError: the text has nothing to say/);
  assert.match(errors.streamPunctuation!, /^TTSInputError: the text has nothing to say/);
  assert.match(errors.speed!, /^TTSInputError: speed must be a number/);
  assert.match(errors.hifigan!, /^VoiceError: .*vocoder: vocoder 'hifigan' is not available in the browser build/);
  assert.equal(errors.stillWorks, 'yes');
});

test('browser: the demo page loads the voice and plays the sentence, highlighting words', { skip, timeout: 600_000 }, async () => {
  const demo = await browser.newPage();
  const pageErrors: string[] = [];
  demo.on('pageerror', (e) => pageErrors.push(String(e)));
  await demo.goto(`${server.url}/examples/browser/index.html`);
  await demo.waitForFunction(() => !(document.getElementById('play') as HTMLButtonElement).disabled || document.getElementById('status')!.className === 'error', { timeout: 300_000 });
  assert.match(await demo.$eval('#status', (e) => e.textContent ?? ''), /Voice en_US-slt-prodiff-small loaded/);
  await demo.click('#play');
  await demo.waitForFunction(() => /^Played|error/.test(document.getElementById('status')!.textContent ?? '') || document.getElementById('status')!.className === 'error', { timeout: 300_000 });
  assert.match(await demo.$eval('#status', (e) => e.textContent ?? ''), /^Played \d+\.\d+ s; first audio after \d+ ms\./);
  assert.equal(await demo.$eval('#words', (e) => e.textContent?.trim()), 'The quick brown fox jumps over thirteen lazy dogs');
  assert.equal(await demo.$eval('#download', (e) => (e as HTMLAnchorElement).hidden), false);
  assert.deepEqual(pageErrors, []);
  await demo.close();
});

const webgpuSkip = skip || (process.env.PRODIFF_TEST_WEBGPU === '1' ? false : 'WebGPU on SwiftShader takes ~90 s: `npm run test:browser` runs it (PRODIFF_TEST_WEBGPU=1)');

test('browser: the WebGPU bundle on a WebGPU adapter (SwiftShader) speaks as Node does', { skip: webgpuSkip, timeout: 600_000 }, async (t) => {
  const gpuBrowser = await launchChromium(chromium.path!, { webgpu: true });
  try {
    const gpuPage = await gpuBrowser.newPage();
    await gpuPage.goto(`${server.url}/test/browser/blank.html`);
    const text = 'Hello.';
    const r = (await gpuPage.evaluate(async (bundle: string, voice: string, text: string, seed: number) => {
      const m = (await import(bundle)) as typeof import('../../src/web/index.js');
      const tts = await m.ProDiffTTS.load({ url: `/${voice}/`, backend: 'auto', warmUp: false });
      const out = await tts.synthesize(text, { seed });
      await tts.dispose();
      return { audio: [...out.audio], words: out.words, runtime: m.runtime! };
    }, '/dist/web/prodiff.webgpu.js', VOICE, text, SEED)) as Pick<PageResult, 'audio' | 'words' | 'runtime'>;
    assert.equal(r.runtime.backend, 'webgpu', "'auto' picks WebGPU where an adapter exists");
    const tts = await ProDiffTTS.load();
    const node = await tts.synthesize(text, { seed: SEED });
    await tts.dispose();
    assert.deepEqual(r.words, node.words);
    assert.equal(r.audio.length, node.audio.length);
    const maxErr = node.audio.reduce((m, x, i) => Math.max(m, Math.abs(x - r.audio[i]!)), 0);
    t.diagnostic(`WebGPU: max |browser - Node| ${maxErr.toExponential(2)}`);
    assert.ok(maxErr <= SAMPLE_TOLERANCE, `max |WebGPU - Node| = ${maxErr}`);
  } finally {
    await gpuBrowser.close();
  }
});
