// The CMU Pronouncing Dictionary, from the npm package `cmu-pronouncing-dictionary` (ISC). Only
// the first pronunciation of each word is kept, as ProDiff's g2p_en does for in-dictionary words.
// At run time it is read from the compact file the build writes (dist/web/cmudict.pdc1.gz, the
// same one a page fetches): ~20 ms and ~3 MB, where parsing the package's 4.7 MB object literal
// costs ~1 s and ~100 MB of RSS per process (each server worker included). Without a build (tsc
// alone) it falls back to the package.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeCompactDict } from './cmudict-compact.js';
import { PronouncingTable } from './pronunciations.js';

let cache: PronouncingTable | null = null;

/** The compact dictionary file beside the web bundle (scripts/build-web.ts writes it). */
const COMPACT_DICT_URL = new URL('../../web/cmudict.pdc1.gz', import.meta.url);

/** Reads the dictionary from the npm package itself (the build's source for the compact file). */
export function cmuDictFromPackage(): PronouncingTable {
  const require = createRequire(import.meta.url);
  const file = require.resolve('cmu-pronouncing-dictionary');
  const src = readFileSync(file, 'utf8');
  // The module is `export const dictionary = { ...JSON object... }`: parse the object as JSON
  // rather than importing it, so that loading stays synchronous and lazy.
  const start = src.indexOf('= {');
  const end = src.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error(`cmudict: unexpected format in ${file}`);
  const raw = JSON.parse(src.slice(start + 2, end + 1)) as Record<string, string>;
  const entries: Array<[string, string[]]> = [];
  for (const key of Object.keys(raw)) {
    if (key.endsWith(')')) continue; // alternative pronunciations "word(2)"
    // Some entries carry a trailing comment ("G IY1 D IY1 P IY1 # abbrev").
    const pron = raw[key]!.split('#')[0]!.trim();
    if (pron) entries.push([key, pron.split(/\s+/)]);
  }
  return PronouncingTable.fromEntries(entries);
}

/**
 * Uses `dict` as the dictionary from now on instead of reading it (a browser page installs the
 * compact one it fetched, see cmudict-compact.ts).
 */
export function installCmuDict(dict: PronouncingTable): void {
  cache = dict;
}

/** word (lower case) -> first pronunciation as ARPAbet phones with stress digits. */
export function cmuDict(): PronouncingTable {
  if (cache) return cache;
  const compact = fileURLToPath(COMPACT_DICT_URL);
  cache = existsSync(compact) ? decodeCompactDict(gunzipSync(readFileSync(compact))) : cmuDictFromPackage();
  return cache;
}

/** First CMU pronunciation of a word (case-insensitive), or undefined. */
export function cmuLookup(word: string): string[] | undefined {
  return cmuDict().get(word.toLowerCase());
}
