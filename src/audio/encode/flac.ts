// FLAC with libFLAC (libflacjs, the asm.js build: its WebAssembly build cannot load its .wasm file
// under Node's fetch). 16-bit mono, compression level 5. Streamed: the STREAMINFO block at the
// start says "length unknown" until `streamInfo()` gives the finished one to patch in.
import { createRequire } from 'node:module';

interface FlacMetadata {
  min_blocksize: number; max_blocksize: number; min_framesize: number; max_framesize: number;
  sampleRate: number; channels: number; bitsPerSample: number; total_samples: number; md5sum: string;
}

interface LibFlac {
  isReady(): boolean;
  on(event: 'ready', fn: () => void): void;
  create_libflac_encoder(rate: number, channels: number, bps: number, level: number, total: number, verify: boolean, block: number): number;
  init_encoder_stream(enc: number, write: (data: Uint8Array) => void, meta: (m: FlacMetadata) => void): number;
  FLAC__stream_encoder_process_interleaved(enc: number, buf: Int32Array, n: number): boolean;
  FLAC__stream_encoder_finish(enc: number): boolean;
  FLAC__stream_encoder_delete(enc: number): void;
}

let lib: Promise<LibFlac> | undefined;

function libflac(): Promise<LibFlac> {
  lib ??= new Promise((resolve) => {
    const flac = createRequire(import.meta.url)('libflacjs/dist/libflac.js') as LibFlac;
    if (flac.isReady()) resolve(flac);
    else flac.on('ready', () => resolve(flac));
  });
  return lib;
}

/** Where STREAMINFO's body starts: after 'fLaC' and the 4-byte block header. */
export const STREAMINFO_OFFSET = 8;

export class FlacStreamEncoder {
  private out: Uint8Array[] = [];
  private meta: FlacMetadata | undefined;
  private done = false;

  private constructor(private readonly flac: LibFlac, private readonly enc: number, readonly rate: number) {}

  static async create(rate: number, level = 5): Promise<FlacStreamEncoder> {
    if (!(Number.isInteger(rate) && rate > 0 && rate <= 655350)) throw new Error(`flac cannot hold ${rate} Hz`);
    const flac = await libflac();
    const enc = flac.create_libflac_encoder(rate, 1, 16, level, 0, false, 0);
    if (!enc) throw new Error('libFLAC: cannot create an encoder');
    const e = new FlacStreamEncoder(flac, enc, rate);
    const status = flac.init_encoder_stream(enc, (d) => e.out.push(d.slice()), (m) => { e.meta = m; });
    if (status !== 0) {
      flac.FLAC__stream_encoder_delete(enc);
      throw new Error(`libFLAC: encoder initialisation failed (status ${status})`);
    }
    return e;
  }

  write(x: Float32Array): Uint8Array {
    if (x.length > 0) {
      const pcm = new Int32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const s = Math.round(x[i]! * 32768);
        pcm[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : Number.isNaN(s) ? 0 : s;
      }
      if (!this.flac.FLAC__stream_encoder_process_interleaved(this.enc, pcm, pcm.length)) throw new Error('libFLAC: encoding failed');
    }
    return this.take();
  }

  end(): Uint8Array {
    if (!this.done) {
      this.done = true;
      const ok = this.flac.FLAC__stream_encoder_finish(this.enc);
      this.flac.FLAC__stream_encoder_delete(this.enc);
      if (!ok) throw new Error('libFLAC: finishing the stream failed');
    }
    return this.take();
  }

  /** The finished STREAMINFO body (34 bytes: block sizes, frame sizes, rate, length, MD5), after end(). */
  streamInfo(): Uint8Array {
    const m = this.meta;
    if (!m) throw new Error('FLAC stream info is known only after end()');
    const b = new Uint8Array(34);
    const v = new DataView(b.buffer);
    v.setUint16(0, m.min_blocksize);
    v.setUint16(2, m.max_blocksize);
    b.set([(m.min_framesize >> 16) & 255, (m.min_framesize >> 8) & 255, m.min_framesize & 255], 4);
    b.set([(m.max_framesize >> 16) & 255, (m.max_framesize >> 8) & 255, m.max_framesize & 255], 7);
    // 20 bits rate, 3 bits channels - 1, 5 bits bits per sample - 1, 36 bits total samples.
    const total = BigInt(m.total_samples);
    const packed = (BigInt(m.sampleRate) << 44n) | (BigInt(m.channels - 1) << 41n) | (BigInt(m.bitsPerSample - 1) << 36n) | total;
    v.setBigUint64(10, packed);
    for (let i = 0; i < 16; i++) b[18 + i] = parseInt(m.md5sum.slice(2 * i, 2 * i + 2), 16);
    return b;
  }

  private take(): Uint8Array {
    const parts = this.out;
    this.out = [];
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
}
