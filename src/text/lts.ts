// placeholder
import { cmuDict } from './cmudict.js';
export function predictPhones(word: string): string[] {
  const out: string[] = [];
  for (const ch of word) out.push(...(ch === 'a' ? ['EY1'] : cmuDict().get(ch) ?? []));
  return out;
}
