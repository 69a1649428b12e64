// Ogg Opus (RFC 7845) with libopus (opusscript, WebAssembly): 20 ms frames, mono, one page per
// write so a stream's bytes leave as soon as a frame is coded.
import OpusScript from 'opusscript';
import { OggWriter } from './ogg.js';
import type { OPUS_RATES } from './index.js';
import { toInt16 } from './pcm.js';


/**
 * Samples (at 48 kHz) libopus delays its output by, for the application AUDIO: 2.5 ms of look-ahead
 * plus 4 ms of delay compensation. Written as the header's pre-skip so decoders drop them.
 */
const PRE_SKIP_48K = 312;

const OPUS_SET_BITRATE = 4002;

export class OpusOggEncoder {
  private readonly enc: OpusScript;
  private readonly ogg = new OggWriter((Math.random() * 0xffffffff) >>> 0);
  private readonly frame: number;
  private readonly toGranule: number;
  private carry = new Int16Array(0);
  /** Input samples coded (including the zero padding at the end); granule positions count them at 48 kHz. */
  private coded = 0;
  /** Input samples given. */
  private given = 0;
  private header: Uint8Array | undefined;

  /** `rate` must be one of OPUS_RATES; `inputRate` is recorded in the header (the original rate). */
  constructor(readonly rate: (typeof OPUS_RATES)[number], inputRate: number, bitrate = 48000) {
    this.enc = new OpusScript(rate, 1, OpusScript.Application.AUDIO, { wasm: true });
    this.enc.encoderCTL(OPUS_SET_BITRATE, bitrate);
    this.frame = rate / 50;
    this.toGranule = 48000 / rate;
    const head = new Uint8Array(19);
    const v = new DataView(head.buffer);
    head.set([...'OpusHead'].map((c) => c.charCodeAt(0)));
    head[8] = 1; // version
    head[9] = 1; // channels
    v.setUint16(10, PRE_SKIP_48K, true);
    v.setUint32(12, inputRate, true);
    v.setInt16(16, 0, true); // output gain
    head[18] = 0; // mapping family: mono/stereo
    const vendor = new TextEncoder().encode('prodiff (libopus via opusscript)');
    const tags = new Uint8Array(8 + 4 + vendor.length + 4);
    tags.set([...'OpusTags'].map((c) => c.charCodeAt(0)));
    new DataView(tags.buffer).setUint32(8, vendor.length, true);
    tags.set(vendor, 12);
    this.ogg.packet(head, 0n);
    const a = this.ogg.flush();
    this.ogg.packet(tags, 0n);
    const b = this.ogg.flush();
    this.header = new Uint8Array(a.length + b.length);
    this.header.set(a);
    this.header.set(b, a.length);
  }

  /** Codes whole 20 ms frames of the samples (at `rate`); returns the pages ready. */
  write(x: Float32Array): Uint8Array {
    this.given += x.length;
    const pcm = new Int16Array(this.carry.length + x.length);
    pcm.set(this.carry);
    pcm.set(toInt16(x), this.carry.length);
    let at = 0;
    // The last frame waits for end(), which gives it the final granule position.
    for (; at + this.frame < pcm.length; at += this.frame) this.codeFrame(pcm.subarray(at, at + this.frame));
    this.carry = pcm.slice(at);
    return this.pages(false);
  }

  /**
   * Codes the rest: the encoder's look-ahead is flushed with zeros and the last frame padded; the
   * final granule position tells decoders to keep exactly the samples given.
   */
  end(): Uint8Array {
    const lookahead = Math.ceil(PRE_SKIP_48K / this.toGranule);
    const tail = new Int16Array(Math.ceil((this.carry.length + lookahead) / this.frame) * this.frame);
    tail.set(this.carry);
    this.carry = new Int16Array(0);
    for (let at = 0; at < tail.length; at += this.frame) this.codeFrame(tail.subarray(at, at + this.frame));
    const out = this.pages(true, BigInt(PRE_SKIP_48K + Math.round(this.given * this.toGranule)));
    this.enc.delete();
    return out;
  }

  private codeFrame(f: Int16Array): void {
    const packet = this.enc.encode(Buffer.from(f.buffer, f.byteOffset, f.byteLength), this.frame);
    this.coded += this.frame;
    this.ogg.packet(new Uint8Array(packet), BigInt(this.coded * this.toGranule));
  }

  private pages(last: boolean, finalGranule?: bigint): Uint8Array {
    if (last && finalGranule !== undefined) this.ogg.setLastGranule(finalGranule);
    const body = this.ogg.flush(last);
    if (!this.header) return body;
    const out = new Uint8Array(this.header.length + body.length);
    out.set(this.header);
    out.set(body, this.header.length);
    this.header = undefined;
    return out;
  }
}
