// The demo page's script: loads the voice by URL, plays text as it is synthesised (Web Audio,
// chunk by chunk), highlights each word as it sounds, and offers the audio as a WAV download.
// Paths are relative, so the page works from any static host that serves the repository's
// dist/web/, voices/ and examples/browser/ folders side by side.
import { ProDiffTTS, playStream, wavBlob, runtime } from '../../dist/web/prodiff.js';

const $ = (id) => document.getElementById(id);
const status = (msg, error = false) => {
  $('status').textContent = msg;
  $('status').className = error ? 'error' : '';
};

let tts;
let controller;

async function loadVoice(url) {
  $('play').disabled = true;
  status('Loading the voice...');
  const t0 = performance.now();
  await tts?.dispose();
  tts = await ProDiffTTS.load({ url, backend: 'auto' });
  const speakers = Object.keys(tts.voice.config.speaker_id_map);
  $('speaker').innerHTML = '<option value="">default</option>' + speakers.map((s) => `<option>${s}</option>`).join('');
  $('speaker').disabled = speakers.length === 0;
  status(`Voice ${tts.voice.name} loaded in ${Math.round(performance.now() - t0)} ms (${runtime.backend}, ${runtime.threads} thread${runtime.threads > 1 ? 's' : ''}${runtime.crossOriginIsolated ? '' : '; not cross-origin isolated, so one thread'}).`);
  $('play').disabled = false;
}

async function play() {
  controller?.abort();
  controller = new AbortController();
  const signal = controller.signal;
  $('stop').disabled = false;
  $('download').hidden = true;
  $('words').textContent = '';
  const opts = { speed: Number($('speed').value), signal };
  if ($('speaker').value) opts.speaker = $('speaker').value;
  try {
    let current = null;
    const r = await playStream(tts.stream($('text').value, opts), {
      signal,
      onFirstAudio: (ms) => status(`First audio after ${Math.round(ms)} ms.`),
      onWord: (w) => {
        const span = document.createElement('span');
        span.textContent = w.word + ' ';
        current?.classList.remove('now');
        span.classList.add('now');
        current = span;
        $('words').append(span);
      },
    });
    $('download').href = URL.createObjectURL(wavBlob(r.audio, r.sampleRate));
    $('download').hidden = false;
    status(`Played ${r.duration.toFixed(2)} s; first audio after ${Math.round(r.firstAudioMs)} ms.`);
  } catch (e) {
    if (!signal.aborted) status(e.message, true);
  } finally {
    $('stop').disabled = true;
  }
}

$('speed').addEventListener('input', () => ($('speedOut').value = Number($('speed').value).toFixed(2)));
$('play').addEventListener('click', play);
$('stop').addEventListener('click', () => {
  controller?.abort();
  status('Stopped.');
});
$('voice').addEventListener('change', () => loadVoice($('voice').value).catch((e) => status(e.message, true)));
loadVoice($('voice').value).catch((e) => status(e.message, true));
