// Decoders for the tests of the audio formats: independent implementations (libmpg123, libopus,
// libFLAC compiled to WebAssembly, and the project's own WAV reader) of what the encoders wrote.
import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { decodeWav } from '../../src/audio/wav.js';
import type { AudioFormat } from '../../src/audio/encode/index.js';

export interface Decoded {
  samples: Float32Array;
  sampleRate: number;
}

/** Decodes a complete file of `format`; for pcm, `rate` says its sample rate (16-bit). */
export async function decodeAudio(bytes: Uint8Array, format: AudioFormat, rate = 22050): Promise<Decoded> {
  switch (format) {
    case 'wav': {
      const w = decodeWav(bytes);
      return { samples: w.channels[0]!, sampleRate: w.sampleRate };
    }
    case 'pcm': {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const s = new Float32Array(bytes.length >> 1);
      for (let i = 0; i < s.length; i++) s[i] = v.getInt16(2 * i, true) / 32768;
      return { samples: s, sampleRate: rate };
    }
    case 'mp3': {
      const d = new MPEGDecoder();
      await d.ready;
      const r = d.decode(bytes);
      d.free();
      if (r.errors.length) throw new Error(`mp3 decode errors: ${JSON.stringify(r.errors[0])}`);
      return { samples: r.channelData[0]!, sampleRate: r.sampleRate };
    }
    case 'opus': {
      const d = new OggOpusDecoder();
      await d.ready;
      const r = await d.decodeFile(bytes);
      d.free();
      if (r.errors.length) throw new Error(`opus decode errors: ${JSON.stringify(r.errors[0])}`);
      return { samples: r.channelData[0]!, sampleRate: r.sampleRate };
    }
    case 'flac': {
      const d = new FLACDecoder();
      await d.ready;
      const r = await d.decodeFile(bytes);
      d.free();
      if (r.errors.length) throw new Error(`flac decode errors: ${JSON.stringify(r.errors[0])}`);
      return { samples: r.channelData[0]!, sampleRate: r.sampleRate };
    }
  }
}
