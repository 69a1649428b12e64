// Training data from a preprocessed cache: utterances loaded once, batches bucketed by length and
// capped by total (padded) frames and sentences, a resumable shuffled order, padded ORT feeds.
import { join } from 'node:path';
import { normInterpF0 } from '../audio/index.js';
import { ortTensor, Rng, type ort } from '../engine/index.js';
import { readSafetensors } from '../engine/safetensors.js';
import { readCacheIndex, type CacheEntry, type CacheIndex } from '../data/preprocess.js';

export interface LoadedUtterance {
  entry: CacheEntry;
  tokens: BigInt64Array;
  mel2ph: BigInt64Array;
  /** [T, M] */
  mel: Float32Array;
  /** Normalised, interpolated f0 (ProDiff's norm_interp_f0). */
  f0: Float32Array;
  uv: Float32Array;
  energy: Float32Array;
}

export class CacheDataset {
  readonly index: CacheIndex;
  private readonly loaded = new Map<string, LoadedUtterance>();

  constructor(readonly dir: string) {
    this.index = readCacheIndex(dir);
  }

  entries(split: CacheEntry['split']): CacheEntry[] {
    return this.index.utterances.filter((u) => u.split === split);
  }

  get(entry: CacheEntry): LoadedUtterance {
    const hit = this.loaded.get(entry.id);
    if (hit) return hit;
    const path = join(this.dir, 'utts', `${entry.id}.safetensors`);
    const f = readSafetensors(path);
    const need = (n: string) => {
      const t = f.tensors.get(n);
      if (!t) throw new Error(`${path}: missing '${n}' (preprocess again)`);
      return t;
    };
    const rawF0 = need('f0').data as Float32Array;
    const { f0, uv } = normInterpF0(rawF0, { kind: 'standard', mean: this.index.f0.mean, std: this.index.f0.std, useUv: true });
    const u: LoadedUtterance = {
      entry,
      tokens: need('tokens').data as BigInt64Array,
      mel2ph: need('mel2ph').data as BigInt64Array,
      mel: need('mel').data as Float32Array,
      f0: Float32Array.from(f0),
      uv: Float32Array.from(uv),
      energy: need('energy').data as Float32Array,
    };
    this.loaded.set(entry.id, u);
    return u;
  }
}

/** Groups utterances (sorted by length) into batches under both caps. */
export function makeBatches(entries: CacheEntry[], maxFrames: number, maxSentences: number): CacheEntry[][] {
  const sorted = [...entries].sort((a, b) => a.frames - b.frames || (a.id < b.id ? -1 : 1));
  const batches: CacheEntry[][] = [];
  let cur: CacheEntry[] = [];
  for (const e of sorted) {
    const longest = Math.max(e.frames, ...cur.map((c) => c.frames));
    if (cur.length > 0 && (cur.length + 1 > maxSentences || (cur.length + 1) * longest > maxFrames)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(e);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** Position in the shuffled batch order; stored in checkpoints so a resumed run sees the same data. */
export interface DataState {
  epoch: number;
  position: number;
}

export class BatchOrder {
  private order: number[] = [];
  constructor(
    private readonly count: number,
    private readonly seed: number,
    public state: DataState = { epoch: 0, position: 0 },
  ) {
    this.shuffle();
  }

  private shuffle(): void {
    this.order = new Rng(this.seed * 1000003 + this.state.epoch).shuffle(Array.from({ length: this.count }, (_, i) => i));
  }

  next(): number {
    if (this.state.position >= this.count) {
      this.state = { epoch: this.state.epoch + 1, position: 0 };
      this.shuffle();
    }
    return this.order[this.state.position++]!;
  }
}

export interface FeedOptions {
  /** Include the speaker-id input. */
  speakers: boolean;
}

/** Pads a batch into the model's inputs: txt_tokens, mel2ph, f0, uv, energy, mels (and spk_id). */
export function batchFeeds(items: LoadedUtterance[], nMels: number, o: FeedOptions): Record<string, ort.Tensor> {
  const B = items.length;
  const L = Math.max(...items.map((u) => u.tokens.length));
  const T = Math.max(...items.map((u) => u.mel2ph.length));
  const tokens = new BigInt64Array(B * L);
  const mel2ph = new BigInt64Array(B * T);
  const f0 = new Float32Array(B * T);
  const uv = new Float32Array(B * T);
  const energy = new Float32Array(B * T);
  const mels = new Float32Array(B * T * nMels);
  items.forEach((u, b) => {
    tokens.set(u.tokens, b * L);
    mel2ph.set(u.mel2ph, b * T);
    f0.set(u.f0, b * T);
    uv.set(u.uv, b * T);
    energy.set(u.energy, b * T);
    mels.set(u.mel, b * T * nMels);
  });
  const feeds: Record<string, ort.Tensor> = {
    txt_tokens: ortTensor('int64', tokens, [B, L]),
    mel2ph: ortTensor('int64', mel2ph, [B, T]),
    f0: ortTensor('float32', f0, [B, T]),
    uv: ortTensor('float32', uv, [B, T]),
    energy: ortTensor('float32', energy, [B, T]),
    mels: ortTensor('float32', mels, [B, T, nMels]),
  };
  if (o.speakers) feeds.spk_id = ortTensor('int64', BigInt64Array.from(items, (u) => BigInt(u.entry.speakerId)), [B]);
  return feeds;
}
