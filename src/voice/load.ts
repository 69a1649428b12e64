// Loading a voice directory: voice.json, the model weights, the vocoder file (read here, checked
// and assembled by assemble.ts).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assembleVoice, MAX_VOICE_JSON_BYTES, type LoadedVoice } from './assemble.js';
import { parseVoiceConfig, VoiceError, type VoiceConfig } from './config.js';
import { resolveVoice, type ResolveOptions, type ResolvedVoice, type VoiceSpec } from './store.js';

/** voice.json larger than this is not a voice file. */

export { assembleVoice, vocabOf, type LoadedVoice, type VoiceLocation } from './assemble.js';

/** Reads and validates voice.json of a voice directory (no weights). */
export function readVoiceConfig(dir: string): VoiceConfig {
  const file = join(dir, 'voice.json');
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new VoiceError(dir, 'not a voice directory: no voice.json');
  }
  if (!st.isFile()) throw new VoiceError(file, 'not a file');
  if (st.size > MAX_VOICE_JSON_BYTES) throw new VoiceError(file, `${st.size} bytes: too large for a voice file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (e) {
    throw new VoiceError(file, `cannot read (${(e as Error).message}): the voice file is corrupt`);
  }
  return parseVoiceConfig(text, file);
}

/** Loads a voice (name, {name}, {dir}; default voice when undefined) with all its checks. */
export function loadVoice(spec?: VoiceSpec, o: ResolveOptions = {}): LoadedVoice {
  const where = resolveVoice(spec, o);
  return loadVoiceDir(where.dir, where);
}

export function loadVoiceDir(dir: string, where: Omit<ResolvedVoice, 'dir'> = { name: dir, source: 'path' }): LoadedVoice {
  const config = readVoiceConfig(dir);
  const jsonFile = join(dir, 'voice.json');
  const modelFile = join(dir, config.model);
  if (!existsSync(modelFile)) throw new VoiceError(dir, `model file '${config.model}' named by voice.json is missing`);
  let model: Uint8Array;
  try {
    model = readFileSync(modelFile);
  } catch (e) {
    throw new VoiceError(modelFile, `corrupt model file: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let sizeBytes = statSync(jsonFile).size + model.length;
  if (config.vocoder.file) {
    const vf = join(dir, config.vocoder.file);
    if (!existsSync(vf)) throw new VoiceError(dir, `vocoder file '${config.vocoder.file}' named by voice.json is missing`);
    sizeBytes += statSync(vf).size;
  }
  return assembleVoice(config, model, { dir, name: where.name, source: where.source, jsonFile, modelFile, sizeBytes });
}
