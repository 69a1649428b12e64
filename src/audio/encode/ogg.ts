// An Ogg bitstream writer (RFC 3533): packets into pages with lacing values, granule positions and
// the page CRC. Enough for one logical stream (Ogg Opus).

const CRC_TABLE = (() => {
  // CRC-32 with polynomial 0x04C11DB7, not reflected, initial value 0 (Ogg's, not zlib's).
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

const BOS = 2, EOS = 4;
/** Lacing values a page may hold. */
const MAX_SEGMENTS = 255;

/**
 * One logical Ogg stream. Pages hold whole packets only (a packet of at most 255 * 255 - 1 bytes,
 * which every Opus packet is), so each page's granule position is that of its last packet.
 */
export class OggWriter {
  private seq = 0;
  private pending: { packet: Uint8Array; granule: bigint }[] = [];
  private started = false;
  private lastGranule = 0n;

  constructor(private readonly serial: number) {}

  /** Queues a packet whose end has the given granule position. */
  packet(p: Uint8Array, granule: bigint): void {
    if (p.length >= 255 * MAX_SEGMENTS) throw new Error(`OggWriter: packet of ${p.length} bytes does not fit one page`);
    this.pending.push({ packet: p, granule });
  }

  /** Sets the granule position of the last queued packet (the end of a stream trims padding so). */
  setLastGranule(g: bigint): void {
    const last = this.pending[this.pending.length - 1];
    if (last) last.granule = g;
    else this.lastGranule = g;
  }

  /** Writes the queued packets as pages; `last` marks the final page (end of stream). */
  flush(last = false): Uint8Array {
    const pages: Uint8Array[] = [];
    let segs: number[] = [];
    let body: Uint8Array[] = [];
    const emit = (eos: boolean) => {
      pages.push(this.page(segs, body, this.lastGranule, eos ? EOS : 0));
      segs = [];
      body = [];
    };
    const queued = this.pending;
    this.pending = [];
    for (const { packet, granule } of queued) {
      const lacing = new Array<number>(Math.floor(packet.length / 255)).fill(255);
      lacing.push(packet.length % 255);
      if (segs.length + lacing.length > MAX_SEGMENTS) emit(false);
      segs.push(...lacing);
      body.push(packet);
      this.lastGranule = granule;
    }
    if (segs.length || last) emit(last);
    const total = pages.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of pages) { out.set(p, o); o += p.length; }
    return out;
  }

  private page(segs: number[], body: Uint8Array[], granule: bigint, flags: number): Uint8Array {
    const size = body.reduce((a, b) => a + b.length, 0);
    const out = new Uint8Array(27 + segs.length + size);
    const v = new DataView(out.buffer);
    out.set([0x4f, 0x67, 0x67, 0x53], 0); // 'OggS'
    out[4] = 0;
    out[5] = flags | (this.started ? 0 : BOS);
    this.started = true;
    v.setBigInt64(6, granule, true);
    v.setUint32(14, this.serial, true);
    v.setUint32(18, this.seq++, true);
    out[26] = segs.length;
    out.set(segs, 27);
    let o = 27 + segs.length;
    for (const b of body) { out.set(b, o); o += b.length; }
    v.setUint32(22, oggCrc(out), true);
    return out;
  }
}
