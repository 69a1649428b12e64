// A voice package loaded by URL: the same files as a voice directory (voice.json, the model's
// safetensors, the vocoder's), fetched (once, through the Cache API) and checked exactly as the
// Node loader checks a directory.
import { assembleVoice, MAX_VOICE_JSON_BYTES, type LoadedVoice } from '../voice/assemble.js';
import { parseVoiceConfig, VoiceError } from '../voice/config.js';
import { fetchBytes, type FetchOptions } from './fetch.js';

/** voice.json larger than this is not a voice file (as in Node). */

/** The voice's base URL (ending in '/') from the URL of its directory or of its voice.json. */
export function voiceBaseUrl(url: string | URL, base?: string): URL {
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    throw new VoiceError(String(url), 'not a valid URL');
  }
  if (u.pathname.endsWith('/voice.json')) return new URL('./', u);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

/** A voice file's URL under the base; refuses names that leave the voice's folder. */
function fileUrl(base: URL, name: string, what: string, jsonUrl: string): string {
  const u = new URL(name, base);
  if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) throw new VoiceError(jsonUrl, `${what} '${name}' lies outside the voice's folder`);
  return u.href;
}

export async function loadVoiceFromUrl(url: string | URL, o: FetchOptions & { base?: string } = {}): Promise<LoadedVoice> {
  const base = voiceBaseUrl(url, o.base);
  const jsonUrl = new URL('voice.json', base).href;
  const jsonBytes = await fetchBytes(jsonUrl, { ...o, maxBytes: MAX_VOICE_JSON_BYTES });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes);
  } catch (e) {
    throw new VoiceError(jsonUrl, `not UTF-8 (${(e as Error).message}): the voice file is corrupt`);
  }
  const config = parseVoiceConfig(text, jsonUrl);
  const modelUrl = fileUrl(base, config.model, 'model file', jsonUrl);
  const vocoderUrl = config.vocoder.file ? fileUrl(base, config.vocoder.file, 'vocoder file', jsonUrl) : undefined;
  const [model, vocoderBytes] = await Promise.all([fetchBytes(modelUrl, o), vocoderUrl ? fetchBytes(vocoderUrl, o) : undefined]);
  const dir = base.href.replace(/\/$/, '');
  return assembleVoice(config, model, {
    dir, name: config.name, source: 'url', jsonFile: jsonUrl, modelFile: modelUrl,
    sizeBytes: jsonBytes.length + model.length + (vocoderBytes?.length ?? 0),
    ...(vocoderBytes ? { vocoderBytes } : {}),
  });
}
