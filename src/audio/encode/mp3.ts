// MP3 with LAME (the pure-JavaScript port @breezystack/lamejs): constant bit rate, mono.
import { Mp3Encoder } from '@breezystack/lamejs';
import { MP3_RATES } from './index.js';
import { toInt16 } from './pcm.js';

/** Samples handed to LAME at once (its internal buffers are sized for a few frames). */
const BLOCK = 1152 * 8;

export class Mp3StreamEncoder {
  private readonly enc: Mp3Encoder;

  constructor(readonly rate: number, kbps = 64) {
    if (!(MP3_RATES as readonly number[]).includes(rate)) throw new Error(`mp3 cannot hold ${rate} Hz (MP3 rates: ${MP3_RATES.join(', ')})`);
    this.enc = new Mp3Encoder(1, rate, kbps);
  }

  write(x: Float32Array): Uint8Array {
    const pcm = toInt16(x);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < pcm.length; at += BLOCK) parts.push(this.enc.encodeBuffer(pcm.subarray(at, at + BLOCK)));
    return concat(parts);
  }

  end(): Uint8Array {
    return new Uint8Array(this.enc.flush());
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return new Uint8Array(parts[0]!);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
