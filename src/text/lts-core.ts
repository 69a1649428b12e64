// Letter-to-sound model shared by the trainer and the runtime: each letter of a word is mapped to
// zero, one or two phones ("_" = none, "K+S" = two) by the widest letter context seen in training
// (a back-off over context windows, most specific first).

/** Context windows (letters to the left, letters to the right), from widest to narrowest. */
export const WINDOWS: ReadonlyArray<readonly [number, number]> = [
  [4, 4], [3, 4], [4, 3], [3, 3], [2, 3], [3, 2], [2, 2], [1, 2], [2, 1], [1, 1], [0, 1], [1, 0], [0, 0],
];

const PAD_WIDTH = 4;

/** The context key of letter i of a padded word for window w. */
export function contextKey(padded: string, i: number, w: readonly [number, number]): string {
  const c = i + PAD_WIDTH;
  return padded.slice(c - w[0], c + w[1] + 1);
}

export function padWord(word: string): string {
  const pad = '#'.repeat(PAD_WIDTH);
  return pad + word + pad;
}

/** Model: one table per window (same order as WINDOWS): context -> label. */
export type LtsTables = Array<Map<string, string>>;

/** Label per letter by back-off from the widest window. */
export function predictLabels(tables: LtsTables, word: string): string[] {
  const padded = padWord(word);
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) {
    let label = '_';
    for (let k = 0; k < WINDOWS.length; k++) {
      const hit = tables[k]!.get(contextKey(padded, i, WINDOWS[k]!));
      if (hit !== undefined) { label = hit; break; }
    }
    out.push(label);
  }
  return out;
}

/** Labels -> phones, with one primary stress: the first 1 is kept, later 1s become 2; none -> the first stressed or first vowel becomes 1. */
export function labelsToPhones(labels: readonly string[]): string[] {
  const phones: string[] = [];
  for (const l of labels) if (l !== '_') phones.push(...l.split('+'));
  let primary = -1;
  for (let i = 0; i < phones.length; i++) {
    const p = phones[i]!;
    if (p.endsWith('1')) {
      if (primary < 0) primary = i;
      else phones[i] = `${p.slice(0, -1)}2`;
    }
  }
  if (primary < 0) {
    let pick = phones.findIndex((p) => p.endsWith('2'));
    if (pick < 0) pick = phones.findIndex((p) => /[0]$/.test(p));
    if (pick >= 0) phones[pick] = `${phones[pick]!.slice(0, -1)}1`;
  }
  return phones;
}

/** Serialises tables: one line per window "k\tctx=label ctx=label ...". */
export function serialize(tables: LtsTables): string {
  return tables.map((t, k) => `${k}\t${[...t].map(([c, l]) => `${c}=${l}`).join(' ')}`).join('\n');
}

export function deserialize(src: string): LtsTables {
  const tables: LtsTables = WINDOWS.map(() => new Map());
  for (const line of src.split('\n')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const k = Number(line.slice(0, tab));
    const t = tables[k];
    if (!t) throw new Error(`LTS model: bad table index ${k}`);
    const body = line.slice(tab + 1);
    if (!body) continue;
    for (const entry of body.split(' ')) {
      const eq = entry.lastIndexOf('=');
      t.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  }
  return tables;
}
