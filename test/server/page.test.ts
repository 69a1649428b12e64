// The web page at / in a real browser (Debian's headless Chromium, driven by puppeteer-core): type
// a sentence, click Speak; the audio that arrived has the speech's length, every word was
// highlighted as it was spoken, the mel-spectrogram was drawn; Download fetches the chosen format.
// Skipped, with the reason, where Chromium is not installed. PRODIFF_SCREENSHOT=FILE saves a
// screenshot (docs/img/serve-page.png was made so).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { ProDiffTTS } from '../../src/api/tts.js';
import { startServe, type ServeProcess } from './serve-process.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const skip = CHROMIUM ? false : 'Chromium is not installed (apt-get install chromium; .ci/run installs it)';
const TEXT = 'The quick brown fox jumps over the lazy dog. It naps.';

let server: ServeProcess | undefined;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  server = await startServe(['--workers', '1', '-q']);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM!, headless: true,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu', '--mute-audio'],
  });
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0);
});

test('page: speaks as it streams, highlights every word, draws the mel, downloads', { skip }, async () => {
  const tts = await ProDiffTTS.load();
  const ref = await tts.synthesize(TEXT);
  await tts.dispose();
  const page = await browser!.newPage();
  await page.setViewport({ width: 900, height: 620 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server!.url, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#voice option');
  await page.$eval('#text', (el) => { (el as HTMLTextAreaElement).value = ''; });
  await page.type('#text', TEXT);
  await page.click('#speak');
  await page.waitForFunction(() => document.body.dataset.phase === 'streaming' || document.body.dataset.phase === 'playing' || document.body.dataset.phase === 'done', { timeout: 60_000 });
  if (process.env.PRODIFF_SCREENSHOT) {
    // Mid-sentence: a word lit as it is spoken.
    await page.waitForFunction(() => Number(document.body.dataset.highlighted) >= 5 && document.querySelector('.word.current'), { timeout: 60_000 });
    await page.screenshot({ path: process.env.PRODIFF_SCREENSHOT as `${string}.png` });
  }
  await page.waitForFunction(() => document.body.dataset.phase === 'done' || document.body.dataset.phase === 'error', { timeout: 60_000 });
  const state = await page.evaluate(() => ({ ...document.body.dataset }));
  assert.equal(state.phase, 'done', `page status: ${await page.$eval('#status', (e) => e.textContent)}`);
  assert.ok(Math.abs(Number(state.audioSeconds) - ref.duration) < 1e-3, `audio ${state.audioSeconds} s, want ${ref.duration}`);
  assert.equal(Number(state.words), ref.words.length);
  assert.equal(Number(state.highlighted), ref.words.length, 'every word was highlighted while spoken');
  assert.equal(Number(state.melFrames), ref.frames);
  const words = await page.$$eval('#transcript .word', (els) => els.map((e) => e.textContent));
  assert.deepEqual(words, ref.words.map((w) => w.word));
  // The canvas holds the mel: one column per frame, not all one colour.
  const colours = await page.$eval('#mel', (c) => {
    const g = (c as HTMLCanvasElement).getContext('2d')!;
    const d = g.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4 * 97) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    return { width: (c as HTMLCanvasElement).width, distinct: seen.size };
  });
  assert.equal(colours.width, ref.frames);
  assert.ok(colours.distinct > 20, `mel colours: ${colours.distinct}`);
  // Download: the chosen format, from the speech endpoint.
  await page.select('#format', 'flac');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/audio/speech') && r.request().method() === 'POST'),
    page.click('#download'),
  ]);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'audio/flac');
  await page.waitForFunction(() => /downloaded .* of flac/.test(document.getElementById('status')!.textContent ?? ''));
  assert.deepEqual(errors, []);
});
