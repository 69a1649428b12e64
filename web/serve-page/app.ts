// The speech page: asks the server for speech with timestamps (NDJSON: PCM pieces with their word
// times and log-mel), plays the pieces as they arrive, highlights each word while it is spoken,
// draws the mel-spectrogram, and downloads the same text in the chosen format.
import { MelView } from './mel.js';
import { base64Bytes, ndjsonLines } from './ndjson.js';
import { StreamPlayer } from './player.js';

interface Word { word: string; start: number; end: number }
type Line =
  | { type: 'start'; sample_rate: number }
  | { type: 'audio'; audio: string; start?: number; duration?: number; words?: Word[]; mel?: { frames: number; mels: number; data: string } }
  | { type: 'done'; duration: number }
  | { type: 'error'; error: { message: string } };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const text = $<HTMLTextAreaElement>('text');
const voice = $<HTMLSelectElement>('voice');
const speed = $<HTMLInputElement>('speed');
const format = $<HTMLSelectElement>('format');
const key = $<HTMLInputElement>('key');
const speakButton = $<HTMLButtonElement>('speak');
const downloadButton = $<HTMLButtonElement>('download');
const statusLine = $<HTMLSpanElement>('status');
const transcript = $<HTMLDivElement>('transcript');
const mel = new MelView($<HTMLCanvasElement>('mel'));

/** What a test (or a curious user) can read: document.body.dataset.* mirrors it. */
const state = { phase: 'idle', audioSeconds: 0, words: 0, highlighted: 0, melFrames: 0 };
function publish(): void {
  for (const [k, v] of Object.entries(state)) document.body.dataset[k] = String(v);
}

function setStatus(s: string, error = false): void {
  statusLine.textContent = s;
  statusLine.classList.toggle('error', error);
}

const headers = (): Record<string, string> => ({ 'Content-Type': 'application/json', ...(key.value ? { Authorization: `Bearer ${key.value}` } : {}) });

async function errorMessage(r: Response): Promise<string> {
  try {
    const j = (await r.json()) as { error?: { message?: string } };
    return j.error?.message ?? `HTTP ${r.status}`;
  } catch {
    return `HTTP ${r.status}`;
  }
}

async function loadVoices(): Promise<void> {
  const r = await fetch('/v1/audio/voices', { headers: headers() });
  if (r.status === 401) {
    $<HTMLDivElement>('key-row').style.display = 'flex';
    setStatus('this server needs an API key', true);
    return;
  }
  const j = (await r.json()) as { default: string; voices: { name: string; speakers: string[]; sample_rate: number }[] };
  voice.replaceChildren();
  for (const v of j.voices) {
    const names = v.speakers.length > 1 ? v.speakers.map((s) => `${v.name}:${s}`) : [v.name];
    for (const n of names) {
      const o = document.createElement('option');
      o.value = n;
      o.textContent = n;
      o.dataset.rate = String(v.sample_rate);
      if (v.name === j.default) o.selected = true;
      voice.append(o);
    }
  }
}

let words: { span: HTMLSpanElement; start: number; end: number }[] = [];

function addWords(ws: Word[]): void {
  for (const w of ws) {
    const span = document.createElement('span');
    span.className = 'word';
    span.textContent = w.word;
    transcript.append(span, ' ');
    words.push({ span, start: w.start, end: w.end });
  }
  state.words = words.length;
}

function highlight(player: StreamPlayer): void {
  const t = player.position();
  let lit = 0;
  for (const w of words) {
    const spoken = t >= w.end;
    const current = t >= w.start && t < w.end;
    w.span.classList.toggle('spoken', spoken);
    w.span.classList.toggle('current', current);
    if (w.span.dataset.lit !== '1' && (spoken || current)) w.span.dataset.lit = '1';
    if (w.span.dataset.lit === '1') lit++;
  }
  state.highlighted = lit;
  publish();
}

async function speak(): Promise<void> {
  speakButton.disabled = true;
  downloadButton.disabled = true;
  transcript.replaceChildren();
  words = [];
  mel.reset();
  Object.assign(state, { phase: 'requesting', audioSeconds: 0, words: 0, highlighted: 0, melFrames: 0 });
  publish();
  setStatus('synthesising…');
  const rate = Number(voice.selectedOptions[0]?.dataset.rate ?? 22050);
  let player: StreamPlayer | undefined;
  let raf = 0;
  try {
    const r = await fetch('/v1/audio/speech/timestamps', {
      method: 'POST', headers: headers(),
      body: JSON.stringify({ model: 'prodiff', input: text.value, voice: voice.value, speed: Number(speed.value), response_format: 'pcm', sample_rate: rate, include_mel: true }),
    });
    if (!r.ok || !r.body) throw new Error(await errorMessage(r));
    player = new StreamPlayer(rate);
    const p = player;
    const tick = () => { highlight(p); raf = requestAnimationFrame(tick); };
    raf = requestAnimationFrame(tick);
    state.phase = 'streaming';
    for await (const line of ndjsonLines<Line>(r.body)) {
      if (line.type === 'error') throw new Error(line.error.message);
      if (line.type !== 'audio') continue;
      p.play(base64Bytes(line.audio));
      if (line.words) addWords(line.words);
      if (line.mel) {
        const b = base64Bytes(line.mel.data);
        mel.add(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4), line.mel.frames, line.mel.mels);
      }
      state.audioSeconds = Math.round(p.received * 1e4) / 1e4;
      state.melFrames = mel.frameCount;
      setStatus(`received ${p.received.toFixed(2)} s`);
      publish();
    }
    state.phase = 'playing';
    publish();
    setStatus(`received ${p.received.toFixed(2)} s of speech; playing`);
    downloadButton.disabled = false;
    await new Promise((res) => setTimeout(res, p.remaining() * 1000 + 100));
    cancelAnimationFrame(raf);
    highlight(p);
    state.phase = 'done';
    publish();
    setStatus(`done: ${p.received.toFixed(2)} s of speech`);
  } catch (e) {
    cancelAnimationFrame(raf);
    state.phase = 'error';
    publish();
    setStatus((e as Error).message, true);
  } finally {
    speakButton.disabled = false;
    await player?.close();
  }
}

async function download(): Promise<void> {
  const f = format.value;
  setStatus(`making ${f}…`);
  const r = await fetch('/v1/audio/speech', {
    method: 'POST', headers: headers(),
    body: JSON.stringify({ model: 'prodiff', input: text.value, voice: voice.value, speed: Number(speed.value), response_format: f }),
  });
  if (!r.ok) { setStatus(await errorMessage(r), true); return; }
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `speech.${f === 'opus' ? 'ogg' : f}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  setStatus(`downloaded ${(blob.size / 1024).toFixed(1)} KiB of ${f}`);
}

speed.addEventListener('input', () => { $<HTMLOutputElement>('speed-out').value = Number(speed.value).toFixed(2); });
speakButton.addEventListener('click', () => void speak());
downloadButton.addEventListener('click', () => void download());
key.addEventListener('change', () => void loadVoices());
publish();
void loadVoices();
