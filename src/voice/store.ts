// Where voices live: the bundled ones in the package's `voices/` directory (the default named by
// `voices/default`), and the user's in the directories of $PRODIFF_VOICES (path-list separated).
// A voice NAME is looked up only inside those directories and never escapes them; a voice
// DIRECTORY is accepted only where the caller allows explicit paths (the CLI's --voice DIR).
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VoiceError } from './config.js';

let rootCache: string | undefined;

/** The package root (the directory of prodiff's package.json), from source or from dist/. */
export function packageRoot(): string {
  if (rootCache) return rootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'prodiff') return (rootCache = dir);
      } catch { /* not ours */ }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the prodiff package root (package.json)');
    dir = up;
  }
}

/** The bundled voices directory (`voices/` in the package). */
export function bundledVoicesDir(): string {
  return join(packageRoot(), 'voices');
}

/** User voice directories from $PRODIFF_VOICES (searched before the bundled ones). */
export function userVoicesDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.PRODIFF_VOICES ?? '').split(delimiter).filter((d) => d.trim() !== '').map((d) => resolve(d));
}

/** Name of the default voice: the first line of `voices/default`, if that file exists. */
export function defaultVoiceName(): string | undefined {
  const f = join(bundledVoicesDir(), 'default');
  if (!existsSync(f)) return undefined;
  const name = readFileSync(f, 'utf8').split(/\r?\n/)[0]!.trim();
  return name || undefined;
}

/** Voice names: letters, digits, '_', '-', '.', starting with a letter or digit, no '..'; at most 100 characters. */
function isValidVoiceName(name: string): boolean {
  return typeof name === 'string' && name.length <= 100 && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) && !name.includes('..') && name !== 'default';
}

/** Whether a --voice argument is meant as a directory path rather than a name. */
function looksLikePath(spec: string): boolean {
  return isAbsolute(spec) || spec.includes('/') || spec.includes('\\') || spec === '.' || spec.startsWith('./') || spec.startsWith('../') || spec === '..' || spec.startsWith('~');
}

export type VoiceSpec = string | { name: string } | { dir: string };

export interface ResolvedVoice {
  dir: string;
  name: string;
  source: 'bundled' | 'user' | 'path';
}

function inside(root: string, candidate: string): boolean {
  let r: string, c: string;
  try {
    r = realpathSync(root);
    c = realpathSync(candidate);
  } catch {
    return false;
  }
  return c !== r && c.startsWith(r.endsWith(sep) ? r : r + sep);
}

function isVoiceDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && statSync(join(dir, 'voice.json')).isFile();
  } catch {
    return false;
  }
}

export interface ResolveOptions {
  /** Accept a string that looks like a path as a voice directory (the CLI does; the library API does not). */
  allowPaths?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * A voice spec -> its directory. Strings are names unless `allowPaths` and they look like a path;
 * `{dir}` is always a directory; no spec means the default voice.
 */
export function resolveVoice(spec: VoiceSpec | undefined, o: ResolveOptions = {}): ResolvedVoice {
  if (spec !== undefined && typeof spec === 'object' && 'dir' in spec) {
    const dir = resolve(spec.dir);
    if (!existsSync(dir)) throw new VoiceError(spec.dir, 'no such voice directory');
    if (!statSync(dir).isDirectory()) throw new VoiceError(spec.dir, 'not a directory (a voice is a directory holding voice.json)');
    if (!existsSync(join(dir, 'voice.json'))) throw new VoiceError(spec.dir, 'not a voice directory: no voice.json');
    return { dir, name: dir.split(sep).pop() ?? dir, source: 'path' };
  }
  if (typeof spec === 'string' && o.allowPaths && looksLikePath(spec)) return resolveVoice({ dir: spec.startsWith('~') ? join(process.env.HOME ?? '', spec.slice(1)) : spec }, o);
  let name = typeof spec === 'string' ? spec : spec?.name;
  if (name === undefined) {
    name = defaultVoiceName();
    if (name === undefined) {
      throw new VoiceError('voice', `no default voice is installed (no ${join(bundledVoicesDir(), 'default')}); give a voice name or directory (prodiff voices lists them)`);
    }
  }
  if (typeof name !== 'string' || !isValidVoiceName(name)) {
    throw new VoiceError('voice', `invalid voice name ${JSON.stringify(name)}: names are letters, digits, '.', '_' and '-' (no paths${o.allowPaths ? '; a directory must contain a / such as ./DIR' : '; give {dir} for a directory'})`);
  }
  const roots: { root: string; source: 'user' | 'bundled' }[] = [
    ...userVoicesDirs(o.env).map((root) => ({ root, source: 'user' as const })),
    { root: bundledVoicesDir(), source: 'bundled' },
  ];
  for (const { root, source } of roots) {
    const dir = join(root, name);
    if (isVoiceDir(dir) && inside(root, dir)) return { dir, name, source };
  }
  const known = listVoiceNames(o.env);
  throw new VoiceError('voice', `unknown voice '${name}'${known.length ? ` (installed: ${known.join(', ')})` : ' (no voices installed)'}`);
}

export interface InstalledVoice {
  name: string;
  dir: string;
  source: 'bundled' | 'user';
  isDefault: boolean;
  /** Shadowed by a user voice of the same name. */
  shadowed: boolean;
}

/** Every voice directory in the user directories and the bundled one, in lookup order. */
export function listInstalledVoices(env: NodeJS.ProcessEnv = process.env): InstalledVoice[] {
  const def = defaultVoiceName();
  const out: InstalledVoice[] = [];
  const seen = new Set<string>();
  const roots = [...userVoicesDirs(env).map((root) => ({ root, source: 'user' as const })), { root: bundledVoicesDir(), source: 'bundled' as const }];
  for (const { root, source } of roots) {
    let entries: string[];
    try {
      entries = readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const name of entries) {
      const dir = join(root, name);
      if (!isValidVoiceName(name) || !isVoiceDir(dir) || !inside(root, dir)) continue;
      out.push({ name, dir, source, isDefault: name === def, shadowed: seen.has(name) });
      seen.add(name);
    }
  }
  return out;
}

function listVoiceNames(env?: NodeJS.ProcessEnv): string[] {
  return [...new Set(listInstalledVoices(env).map((v) => v.name))];
}
