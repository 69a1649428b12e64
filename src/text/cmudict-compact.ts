// A compact binary form of the pronouncing dictionary (word -> ARPAbet phones), for pages that
// fetch it instead of reading the 4.7 MB npm module. Layout ("PDC1"):
//   'PDC1', u32 LE entry count, u8 phone count, the phone symbols each NUL-terminated, then per
//   entry in sorted word order: u8 length of the prefix shared with the previous word, the rest of
//   the word as ASCII bytes (< 0x80), then its phones as 0x80 | phone id (at least one).
// A byte below 0x80 after a phone starts the next entry, so no lengths or separators are stored.

import { PronouncingTable, TableBuilder, type PronunciationSource } from './pronunciations.js';

const MAGIC = 'PDC1';

export class CompactDictError extends Error {
  constructor(message: string) {
    super(`pronouncing dictionary: ${message}`);
    this.name = 'CompactDictError';
  }
}

/** Encodes a dictionary: ASCII words up to 255 characters, 1..128 distinct phone symbols, no empty pronunciations. */
export function encodeCompactDict(dict: PronunciationSource): Uint8Array {
  const words = [...dict.keys()].sort();
  const phones = [...new Set(words.flatMap((w) => dict.get(w)!))].sort();
  if (phones.length > 128) throw new CompactDictError(`${phones.length} phone symbols (at most 128)`);
  const id = new Map(phones.map((p, i) => [p, i]));
  const out: number[] = [];
  const ascii = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c >= 0x80) throw new CompactDictError(`'${s}' is not plain ASCII`);
      out.push(c);
    }
  };
  ascii(MAGIC);
  out.push(words.length & 0xff, (words.length >>> 8) & 0xff, (words.length >>> 16) & 0xff, words.length >>> 24);
  out.push(phones.length);
  for (const p of phones) {
    ascii(p);
    out.push(0);
  }
  let prev = '';
  for (const w of words) {
    if (w.length === 0 || w.length > 255) throw new CompactDictError(`word of length ${w.length} (1..255)`);
    const pron = dict.get(w)!;
    if (pron.length === 0) throw new CompactDictError(`'${w}' has no phones`);
    let k = 0;
    while (k < prev.length && k < w.length && prev[k] === w[k]) k++;
    out.push(k);
    ascii(w.slice(k));
    for (const p of pron) out.push(0x80 | id.get(p)!);
    prev = w;
  }
  return Uint8Array.from(out);
}


/** Decodes encodeCompactDict's bytes straight into a table; CompactDictError for anything else. */
export function decodeCompactDict(bytes: Uint8Array): PronouncingTable {
  const bad = (why: string): never => {
    throw new CompactDictError(`${why} (not a PDC1 file, or corrupt)`);
  };
  if (bytes.length < 9 || String.fromCharCode(...bytes.subarray(0, 4)) !== MAGIC) bad('no PDC1 header');
  const count = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
  const nPhones = bytes[8]!;
  let at = 9;
  const phones: string[] = [];
  for (let i = 0; i < nPhones; i++) {
    const end = bytes.indexOf(0, at);
    if (end < 0) bad('phone table cut short');
    phones.push(String.fromCharCode(...bytes.subarray(at, end)));
    at = end + 1;
  }
  const table = new TableBuilder();
  let prev = '';
  for (let n = 0; n < count; n++) {
    if (at >= bytes.length) bad(`${n} of ${count} entries`);
    const k = bytes[at++]!;
    if (k > prev.length) bad(`entry ${n} shares ${k} characters with a ${prev.length}-character word`);
    const start = at;
    while (at < bytes.length && bytes[at]! < 0x80) at++;
    const w = prev.slice(0, k) + String.fromCharCode.apply(null, bytes.subarray(start, at) as unknown as number[]);
    const pron: string[] = [];
    while (at < bytes.length && bytes[at]! >= 0x80) {
      const p = phones[bytes[at++]! & 0x7f];
      if (p === undefined) bad(`entry ${n}: phone id out of range`);
      pron.push(p!);
    }
    if (pron.length === 0) bad(`entry ${n} ('${w}') has no phones`);
    try {
      table.add(w, pron);
    } catch (e) {
      bad(`entry ${n}: ${(e as Error).message}`);
    }
    prev = w;
  }
  if (at !== bytes.length) bad(`${bytes.length - at} bytes after the last entry`);
  return table.finish();
}
