// The text front end's pronouncing dictionary in the page: the compact PDC1 file (see
// text/cmudict-compact.ts) fetched, gunzipped where it is stored gzipped, decoded and installed.
import { installCmuDict } from '../text/cmudict.js';
import { CompactDictError, decodeCompactDict } from '../text/cmudict-compact.js';
import { fetchBytes, WebFetchError, type FetchOptions } from './fetch.js';

/** The dictionary file the build writes beside the bundle. */
export const DICTIONARY_FILE = 'cmudict.pdc1.gz';

let installed: Promise<void> | undefined;

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Fetches and installs the dictionary (once per page; a failed attempt may be retried). */
export function loadDictionary(url: string, o: FetchOptions = {}): Promise<void> {
  installed ??= (async () => {
    let bytes = await fetchBytes(url, o);
    // A host may have undone the gzip already (Content-Encoding); the magic bytes tell.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = await gunzip(bytes);
      } catch (e) {
        throw new WebFetchError(url, `corrupt gzip data (${(e as Error).message})`);
      }
    }
    try {
      installCmuDict(decodeCompactDict(bytes));
    } catch (e) {
      if (e instanceof CompactDictError) throw new WebFetchError(url, e.message);
      throw e;
    }
  })();
  installed.catch(() => {
    installed = undefined;
  });
  return installed;
}
