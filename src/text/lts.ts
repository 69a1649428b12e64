// OOV letter-to-sound: a back-off letter-context model trained from CMUdict by lts-train.ts
// (artefact: lts-model.ts, ~440 KB, regenerated deterministically). Always yields phones for a
// word of letters: if the model produced nothing, the letters are spelled.
import { cmuDict } from './cmudict.js';
import { deserialize, labelsToPhones, predictLabels, type LtsTables } from './lts-core.js';
import { LTS_MODEL } from './lts-model.js';

let tables: LtsTables | null = null;

function model(): LtsTables {
  tables ??= deserialize(LTS_MODEL);
  return tables;
}

/** Phones for a lower-case word of letters a-z (other characters are ignored). */
export function predictPhones(word: string): string[] {
  const letters = word.toLowerCase().replace(/[^a-z]/g, '');
  if (!letters) return [];
  const phones = labelsToPhones(predictLabels(model(), letters));
  if (phones.some((p) => /[012]$/.test(p))) return phones;
  // No vowel predicted (e.g. "zxqv"): spell it.
  return [...letters].flatMap((c) => (c === 'a' ? ['EY1'] : cmuDict().get(c) ?? []));
}
