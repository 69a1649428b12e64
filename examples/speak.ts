import { writeWav, ProDiffTTS } from '../src/index.js';

const out = process.argv[2] ?? 'hello.wav';
const tts = await ProDiffTTS.load('en_US-slt-prodiff-small', { threads: 1 });
try {
  const r = await tts.synthesize('Hello there. How are you?', { speed: 1.1, seed: 3 });
  writeWav(out, r.audio, r.sampleRate);
  console.log(`${out}: ${r.duration.toFixed(2)} s, words ${r.words.map((w) => w.word).join(' ')}`);
} finally {
  await tts.dispose(); // releases the ONNX Runtime sessions
}
