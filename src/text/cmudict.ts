// The CMU Pronouncing Dictionary, from the npm package `cmu-pronouncing-dictionary` (ISC), loaded
// lazily and synchronously on first use (about 0.1 s, 135k entries). Only the first pronunciation of
// each word is kept, as ProDiff's g2p_en does for in-dictionary words.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let cache: Map<string, string[]> | null = null;

function parsePackage(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('cmu-pronouncing-dictionary');
  const src = readFileSync(file, 'utf8');
  // The module is `export const dictionary = { ...JSON object... }`: parse the object as JSON
  // rather than importing it, so that loading stays synchronous and lazy.
  const start = src.indexOf('= {');
  const end = src.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error(`cmudict: unexpected format in ${file}`);
  return JSON.parse(src.slice(start + 2, end + 1)) as Record<string, string>;
}

/**
 * Uses `dict` as the dictionary from now on instead of reading the npm module (a browser page
 * installs the compact one it fetched, see cmudict-compact.ts).
 */
export function installCmuDict(dict: Map<string, string[]>): void {
  cache = dict;
}

/** word (lower case) -> first pronunciation as ARPAbet phones with stress digits. */
export function cmuDict(): Map<string, string[]> {
  if (cache) return cache;
  const raw = parsePackage();
  const map = new Map<string, string[]>();
  for (const key of Object.keys(raw)) {
    if (key.endsWith(')')) continue; // alternative pronunciations "word(2)"
    // Some entries carry a trailing comment ("G IY1 D IY1 P IY1 # abbrev").
    const pron = raw[key]!.split('#')[0]!.trim();
    if (pron) map.set(key, pron.split(/\s+/));
  }
  cache = map;
  return map;
}

/** First CMU pronunciation of a word (case-insensitive), or undefined. */
export function cmuLookup(word: string): string[] | undefined {
  return cmuDict().get(word.toLowerCase());
}
