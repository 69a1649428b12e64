// A read-only pronouncing dictionary (word -> ARPAbet phones) in four flat arrays instead of a Map
// of 126k string arrays: about 3 MB instead of ~27 MB of live heap, and no 4.7 MB JSON object to
// build on the way (which cost each process, and each server worker, ~100 MB of RSS at load).
// Words are ASCII, sorted by code unit; lookup is a binary search.

export interface PronunciationSource {
  keys(): Iterable<string>;
  get(word: string): readonly string[] | undefined;
}

export class PronouncingTable implements PronunciationSource {
  /**
   * Made by fromEntries or TableBuilder, which keep the invariants (sorted words, consistent offsets).
   * @param words the words' ASCII bytes, concatenated in sorted order
   * @param wordStarts word i is words[wordStarts[i] .. wordStarts[i + 1]) (count + 1 entries)
   * @param phoneIds the pronunciations' phone ids, concatenated in the words' order
   * @param phoneStarts word i's phones are phoneIds[phoneStarts[i] .. phoneStarts[i + 1])
   * @param phoneSymbols id -> ARPAbet symbol
   */
  constructor(
    private readonly words: Uint8Array,
    private readonly wordStarts: Uint32Array,
    private readonly phoneIds: Uint8Array,
    private readonly phoneStarts: Uint32Array,
    private readonly phoneSymbols: readonly string[],
  ) {}

  get size(): number {
    return this.wordStarts.length - 1;
  }

  /** A table of `entries`: ASCII words (any order, no duplicates), non-empty pronunciations, at most 256 phone symbols. */
  static fromEntries(entries: Iterable<readonly [string, readonly string[]]>): PronouncingTable {
    const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const builder = new TableBuilder();
    for (const [word, phones] of sorted) builder.add(word, phones);
    return builder.finish();
  }

  /** The index of `word`, or -1. */
  private find(word: string): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareAt(mid, word);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Sign of (word i) - `word` in code-unit order (the stored words are ASCII, so bytes are code units). */
  private compareAt(i: number, word: string): number {
    const start = this.wordStarts[i]!;
    const len = this.wordStarts[i + 1]! - start;
    const n = Math.min(len, word.length);
    for (let k = 0; k < n; k++) {
      const d = this.words[start + k]! - word.charCodeAt(k);
      if (d !== 0) return d;
    }
    return len - word.length;
  }

  private wordAt(i: number): string {
    return String.fromCharCode.apply(null, this.words.subarray(this.wordStarts[i]!, this.wordStarts[i + 1]!) as unknown as number[]);
  }

  private phonesAt(i: number): string[] {
    const out: string[] = [];
    for (let k = this.phoneStarts[i]!; k < this.phoneStarts[i + 1]!; k++) out.push(this.phoneSymbols[this.phoneIds[k]!]!);
    return out;
  }

  has(word: string): boolean {
    return this.find(word) >= 0;
  }

  /** The word's phones (a fresh array, the caller's to keep), or undefined. Case-sensitive: the words are stored as given. */
  get(word: string): string[] | undefined {
    const i = this.find(word);
    return i < 0 ? undefined : this.phonesAt(i);
  }

  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.size; i++) yield this.wordAt(i);
  }

  *[Symbol.iterator](): IterableIterator<[string, string[]]> {
    for (let i = 0; i < this.size; i++) yield [this.wordAt(i), this.phonesAt(i)];
  }
}

/** Appends words in sorted order; the compact-file decoder feeds it directly, without a Map in between. */
export class TableBuilder {
  private words = new Uint8Array(1 << 20);
  private wordLength = 0;
  private wordStarts: number[] = [0];
  private phoneIds = new Uint8Array(1 << 20);
  private phoneLength = 0;
  private phoneStarts: number[] = [0];
  private readonly symbols: string[] = [];
  private readonly symbolIds = new Map<string, number>();
  private last = '';

  /** @throws Error for a non-ASCII or out-of-order word, or an empty pronunciation */
  add(word: string, phones: readonly string[]): void {
    if (word.length === 0) throw new Error('pronouncing dictionary: an empty word');
    if (this.wordStarts.length > 1 && !(word > this.last)) throw new Error(`pronouncing dictionary: '${word}' is out of order or repeated (after '${this.last}')`);
    if (phones.length === 0) throw new Error(`pronouncing dictionary: '${word}' has no phones`);
    this.words = ensure(this.words, this.wordLength + word.length);
    for (let k = 0; k < word.length; k++) {
      const c = word.charCodeAt(k);
      if (c === 0 || c >= 0x80) throw new Error(`pronouncing dictionary: '${word}' is not plain ASCII`);
      this.words[this.wordLength++] = c;
    }
    this.wordStarts.push(this.wordLength);
    this.phoneIds = ensure(this.phoneIds, this.phoneLength + phones.length);
    for (const p of phones) this.phoneIds[this.phoneLength++] = this.symbolId(p);
    this.phoneStarts.push(this.phoneLength);
    this.last = word;
  }

  private symbolId(p: string): number {
    let id = this.symbolIds.get(p);
    if (id === undefined) {
      if (this.symbols.length === 256) throw new Error('pronouncing dictionary: more than 256 phone symbols');
      id = this.symbols.length;
      this.symbols.push(p);
      this.symbolIds.set(p, id);
    }
    return id;
  }

  finish(): PronouncingTable {
    return new PronouncingTable(this.words.slice(0, this.wordLength), Uint32Array.from(this.wordStarts), this.phoneIds.slice(0, this.phoneLength), Uint32Array.from(this.phoneStarts), this.symbols);
  }
}

function ensure(a: Uint8Array<ArrayBuffer>, length: number): Uint8Array<ArrayBuffer> {
  if (length <= a.length) return a;
  const b = new Uint8Array(Math.max(length, a.length * 2));
  b.set(a);
  return b;
}
