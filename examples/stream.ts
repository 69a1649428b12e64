import { writeWavChunks, ProDiffTTS } from '../src/index.js';

const out = process.argv[2] ?? 'story.wav';
const tts = await ProDiffTTS.load(undefined, { threads: 1 }); // the default voice
try {
  // Chunks are written as they come, one after another, into one mono WAV file.
  const samples = await writeWavChunks(out, tts.stream('Once upon a time. The end.'), tts.sampleRate);
  console.log(`${out}: ${(samples / tts.sampleRate).toFixed(2)} s`);
} finally {
  await tts.dispose();
}
