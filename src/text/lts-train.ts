// Trains the OOV letter-to-sound model from CMUdict and evaluates it on held-out dictionary words.
// Deterministic: fixed split by word hash, no randomness.
//   node dist/src/text/lts-train.js [--out src/text/lts-model.ts] [--min-count N]
import { writeFileSync } from 'node:fs';
import { cmuDict } from './cmudict.js';
import { WINDOWS, contextKey, labelsToPhones, padWord, predictLabels, serialize, type LtsTables } from './lts-core.js';

/** FNV-1a hash: word -> 32-bit unsigned. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Held-out test words: 1 in 20 by hash. */
export const isHeldOut = (w: string): boolean => fnv1a(w) % 20 === 0;

const unstress = (p: string): string => p.replace(/[012]$/, '');

/** Viterbi alignment: each letter emits 0, 1 or 2 phones. Returns a label per letter or null. */
function align(word: string, phones: string[], score: (letter: string, chunk: string) => number): string[] | null {
  const n = word.length;
  const m = phones.length;
  if (m > 2 * n) return null;
  const NEG = -Infinity;
  const best = new Float64Array((n + 1) * (m + 1)).fill(NEG);
  const back = new Int8Array((n + 1) * (m + 1));
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    const l = word[i]!;
    for (let j = 0; j <= m; j++) {
      const cur = best[i * (m + 1) + j]!;
      if (cur === NEG) continue;
      for (let k = 0; k <= 2 && j + k <= m; k++) {
        const chunk = k === 0 ? '_' : phones.slice(j, j + k).map(unstress).join('+');
        const s = cur + score(l, chunk);
        const idx = (i + 1) * (m + 1) + j + k;
        if (s > best[idx]!) { best[idx] = s; back[idx] = k; }
      }
    }
  }
  if (best[n * (m + 1) + m] === NEG) return null;
  const labels: string[] = new Array(n);
  let j = m;
  for (let i = n; i > 0; i--) {
    const k = back[i * (m + 1) + j]!;
    labels[i - 1] = k === 0 ? '_' : phones.slice(j - k, j).join('+');
    j -= k;
  }
  return labels;
}

export interface TrainResult {
  tables: LtsTables;
  test: Array<[string, string[]]>;
  entries: number;
}

export function train(minCount = 2, iterations = 4): TrainResult {
  const dict = cmuDict();
  const trainSet: Array<[string, string[]]> = [];
  const test: Array<[string, string[]]> = [];
  for (const [w, p] of dict) {
    if (!/^[a-z]{2,}$/.test(w)) continue;
    (isHeldOut(w) ? test : trainSet).push([w, p]);
  }
  // EM (hard) over alignments. Start: 1-phone chunks favoured, doubles and empties penalised.
  let counts = new Map<string, number>();
  let totals = new Map<string, number>();
  const score = (l: string, chunk: string): number => {
    const c = counts.get(`${l} ${chunk}`) ?? 0;
    const t = totals.get(l) ?? 0;
    const prior = chunk === '_' ? 0.5 : chunk.includes('+') ? 0.05 : 1;
    return Math.log((c + 0.1 * prior) / (t + 10));
  };
  let aligned: Array<[string, string[]]> = [];
  for (let it = 0; it < iterations; it++) {
    const nc = new Map<string, number>();
    const nt = new Map<string, number>();
    aligned = [];
    for (const [w, p] of trainSet) {
      const labels = align(w, p, score);
      if (!labels) continue;
      aligned.push([w, labels]);
      for (let i = 0; i < w.length; i++) {
        const chunk = labels[i] === '_' ? '_' : labels[i]!.split('+').map(unstress).join('+');
        const key = `${w[i]} ${chunk}`;
        nc.set(key, (nc.get(key) ?? 0) + 1);
        nt.set(w[i]!, (nt.get(w[i]!) ?? 0) + 1);
      }
    }
    counts = nc;
    totals = nt;
  }
  // Context tables: majority label per context, per window.
  const raw = WINDOWS.map(() => new Map<string, Map<string, number>>());
  for (const [w, labels] of aligned) {
    const padded = padWord(w);
    for (let i = 0; i < w.length; i++) {
      for (let k = 0; k < WINDOWS.length; k++) {
        const ctx = contextKey(padded, i, WINDOWS[k]!);
        let m = raw[k]!.get(ctx);
        if (!m) { m = new Map(); raw[k]!.set(ctx, m); }
        m.set(labels[i]!, (m.get(labels[i]!) ?? 0) + 1);
      }
    }
  }
  const tables: LtsTables = WINDOWS.map(() => new Map());
  // Narrowest first; keep an entry only where it changes the back-off prediction.
  for (let k = WINDOWS.length - 1; k >= 0; k--) {
    const w = WINDOWS[k]!;
    for (const [ctx, m] of raw[k]!) {
      let bestLabel = '_';
      let bestCount = -1;
      let total = 0;
      for (const [l, c] of [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        total += c;
        if (c > bestCount) { bestCount = c; bestLabel = l; }
      }
      if (k < WINDOWS.length - 1 && total < minCount) continue;
      // Back-off prediction from narrower tables for this context (centre letter at index w[0]).
      let backoff: string | undefined;
      for (let kk = k + 1; kk < WINDOWS.length && backoff === undefined; kk++) {
        const ww = WINDOWS[kk]!;
        backoff = tables[kk]!.get(ctx.slice(w[0] - ww[0], w[0] + ww[1] + 1));
      }
      if (backoff !== bestLabel) tables[k]!.set(ctx, bestLabel);
    }
  }
  const entries = tables.reduce((a, t) => a + t.size, 0);
  return { tables, test, entries };
}

function editDistance(a: readonly string[], b: readonly string[]): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export interface EvalResult { words: number; wer: number; per: number; werNoStress: number; perNoStress: number }

export function evaluate(tables: LtsTables, test: Array<[string, string[]]>): EvalResult {
  let wrong = 0, wrongNs = 0, edits = 0, editsNs = 0, total = 0;
  for (const [w, ref] of test) {
    const hyp = labelsToPhones(predictLabels(tables, w));
    const e = editDistance(hyp, ref);
    const hs = hyp.map(unstress);
    const rs = ref.map(unstress);
    const ens = editDistance(hs, rs);
    if (e > 0) wrong++;
    if (ens > 0) wrongNs++;
    edits += e;
    editsNs += ens;
    total += ref.length;
  }
  return { words: test.length, wer: wrong / test.length, per: edits / total, werNoStress: wrongNs / test.length, perNoStress: editsNs / total };
}

function main(argv: string[]): void {
  const outIdx = argv.indexOf('--out');
  const mcIdx = argv.indexOf('--min-count');
  const minCount = mcIdx >= 0 ? Number(argv[mcIdx + 1]) : 2;
  const t0 = Date.now();
  const { tables, test, entries } = train(minCount);
  const ev = evaluate(tables, test);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  process.stdout.write(`trained in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${entries} table entries (min count ${minCount})\n`);
  process.stdout.write(`held-out words: ${ev.words}\n`);
  process.stdout.write(`WER ${pct(ev.wer)}  PER ${pct(ev.per)}  (with stress)\n`);
  process.stdout.write(`WER ${pct(ev.werNoStress)}  PER ${pct(ev.perNoStress)}  (stress ignored)\n`);
  if (outIdx >= 0) {
    const file = argv[outIdx + 1]!;
    const body = serialize(tables);
    writeFileSync(file, `// Generated by src/text/lts-train.ts (min count ${minCount}); do not edit.\n` +
      `// Trained on CMUdict words not held out (1 in 20 held out by FNV-1a hash).\n` +
      `export const LTS_MODEL = ${JSON.stringify(body)};\n`);
    process.stdout.write(`wrote ${file} (${body.length} bytes)\n`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main(process.argv.slice(2));
