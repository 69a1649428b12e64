// Samples -> little-endian PCM bytes, and the WAV header of a stream whose length may be unknown.

/** Float samples -> 16-bit little-endian PCM, rounded to nearest and clipped (the inverse of int16 / 32768). */
export function toPcm16(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length * 2);
  const v = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) {
    const s = Math.round(x[i]! * 32768);
    v.setInt16(2 * i, s > 32767 ? 32767 : s < -32768 ? -32768 : Number.isNaN(s) ? 0 : s, true);
  }
  return out;
}

/** Float samples -> 16-bit integers (as toPcm16). */
export function toInt16(x: Float32Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = Math.round(x[i]! * 32768);
    out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : Number.isNaN(s) ? 0 : s;
  }
  return out;
}

/** Float samples -> 32-bit float little-endian bytes. */
export function toFloat32Le(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) v.setFloat32(4 * i, x[i]!, true);
  return out;
}

/** The size a WAV header gives when the length is not known yet: readers then read to the end. */
export const WAV_UNKNOWN_SIZE = 0xffffffff;

/**
 * The 44-byte header of a mono WAV: 16-bit PCM or 32-bit float; `dataBytes` undefined writes the
 * "unknown length" sizes (0xFFFFFFFF) that streaming writers use.
 */
export function wavHeader(sampleRate: number, float: boolean, dataBytes?: number): Uint8Array {
  const bps = float ? 4 : 2;
  const h = new Uint8Array(44);
  const v = new DataView(h.buffer);
  const put = (at: number, s: string) => { for (let i = 0; i < 4; i++) h[at + i] = s.charCodeAt(i); };
  put(0, 'RIFF'); v.setUint32(4, dataBytes === undefined ? WAV_UNKNOWN_SIZE : 36 + dataBytes, true); put(8, 'WAVE');
  put(12, 'fmt '); v.setUint32(16, 16, true);
  v.setUint16(20, float ? 3 : 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * bps, true);
  v.setUint16(32, bps, true);
  v.setUint16(34, bps * 8, true);
  put(36, 'data'); v.setUint32(40, dataBytes === undefined ? WAV_UNKNOWN_SIZE : dataBytes, true);
  return h;
}
