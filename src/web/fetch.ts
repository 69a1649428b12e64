// Fetching a voice's files once: from the page's Cache API storage when it holds them, else over
// the network (then stored there for the next visit). Every failure is a WebFetchError naming the
// URL and the problem (HTTP status, network error), never an unhandled response.

/** Name of the Cache API storage prodiff's files go to, unless the caller names another. */
export const DEFAULT_CACHE = 'prodiff-v1';

export class WebFetchError extends Error {
  constructor(readonly url: string, problem: string) {
    super(`${url}: ${problem}`);
    this.name = 'WebFetchError';
  }
}

export interface FetchOptions {
  /** Cache API storage name; false: always fetch, store nothing. Default DEFAULT_CACHE. */
  cache?: string | false;
  signal?: AbortSignal;
  /** Refuse files larger than this (bytes). */
  maxBytes?: number;
}

/** The Cache API storage, where the page may use one (secure contexts only). */
async function openCache(name: string | false | undefined): Promise<Cache | undefined> {
  if (name === false || typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(name ?? DEFAULT_CACHE);
  } catch {
    return undefined; // storage refused (private mode, quota): fetch without it
  }
}

/** The bytes at `url`: from the cache, else fetched (and cached when the response is good). */
export async function fetchBytes(url: string, o: FetchOptions = {}): Promise<Uint8Array> {
  const cache = await openCache(o.cache);
  let res = cache ? await cache.match(url).catch(() => undefined) : undefined;
  const cached = res !== undefined;
  if (!res) {
    try {
      res = await fetch(url, o.signal ? { signal: o.signal } : {});
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('aborted');
      throw new WebFetchError(url, `cannot fetch (${(e as Error).message})`);
    }
    if (!res.ok) throw new WebFetchError(url, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const size = Number(res.headers.get('content-length') ?? NaN);
  if (o.maxBytes !== undefined && size > o.maxBytes) throw new WebFetchError(url, `${size} bytes: larger than the ${o.maxBytes} allowed`);
  const keep = cache && !cached ? res.clone() : undefined;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new WebFetchError(url, `download failed (${(e as Error).message})`);
  }
  if (o.maxBytes !== undefined && bytes.length > o.maxBytes) throw new WebFetchError(url, `${bytes.length} bytes: larger than the ${o.maxBytes} allowed`);
  if (keep) await cache!.put(url, keep).catch(() => undefined); // a full cache only costs the next visit a download
  return bytes;
}

/** Removes prodiff's cached files (all of them, or one cache's). */
export async function clearCache(name: string = DEFAULT_CACHE): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  return caches.delete(name);
}
