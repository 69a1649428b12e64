// An install in someone else's project: `npm pack` this repository, install the tarball into a
// fresh project with the README's own install line (read from README.md, so the two cannot drift)
// and --offline, then use it there as a user would: import prodiff and speak with the bundled
// voice, and run `npx prodiff --version` and `npx prodiff say`.
//
// Offline from the npm cache: `npm ci` caches tarballs but not the registry's package documents
// that a fresh, lockfile-less `npm install` resolves versions from, so the project gets a
// package-lock.json holding this repository's locked runtime dependencies (the versions npm ci
// installed here). npm then needs only cached tarballs; if one is missing the test is skipped
// with npm's ENOTCACHED line as the reason. onnxruntime-node's postinstall runs as in any install,
// so a README line that let it fetch CUDA files from api.nuget.org would fail here.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav.js';
import { repoRoot } from '../golden.js';

const tmp = mkdtempSync(join(tmpdir(), 'prodiff-pack-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** The environment without what `npm test` exported about this repository (npm_package_*,
 *  npm_lifecycle_*, npm_config_local_prefix...), which would point the inner npm back here. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !/^npm_config_(cache|registry|userconfig)$/i.test(k)) continue;
    if (k === 'ONNXRUNTIME_NODE_INSTALL' || k === 'ONNXRUNTIME_NODE_INSTALL_CUDA') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return { code: r.status, stdout: r.stdout ?? '', out, error: r.error };
}

/** README's consumer install line: `VAR=value ... npm install ./prodiff-X.Y.Z.tgz`. */
function readmeInstallLine(): { env: Record<string, string>; args: string[]; line: string } {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const lines = readme.split('\n').filter((l) => /^(\w+=\S+\s+)*npm install \.\/prodiff-[\d.]+\.tgz\s*$/.test(l));
  assert.equal(lines.length, 1, `README.md should have exactly one 'npm install ./prodiff-<version>.tgz' line, found ${lines.length}`);
  const line = lines[0]!.trim();
  const words = line.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^\w+=/.test(words[0]!)) {
    const w = words.shift()!;
    env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  assert.equal(words[0], 'npm');
  return { env, args: words.slice(1), line };
}

/** package.json + package-lock.json of a fresh project that depends on the tarball. */
function writeProject(dir: string, tgz: string): void {
  const ours = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    version: string; license: string; engines: unknown; bin: Record<string, string>; dependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }>;
  };
  const dependencies = { prodiff: `file:${tgz}` };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies },
    'node_modules/prodiff': {
      version: ours.version, resolved: `file:${tgz}`, license: ours.license,
      dependencies: ours.dependencies, bin: ours.bin, engines: ours.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || !path.startsWith('node_modules/') || entry.dev || entry.devOptional || entry.link) continue;
    packages[path] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
}

/** Speech, not silence or noise: length in range, finite, audible. */
function assertSpeech(samples: Float32Array, sampleRate: number, what: string): void {
  const seconds = samples.length / sampleRate;
  assert.ok(seconds > 0.3 && seconds < 5, `${what}: ${seconds.toFixed(2)} s of audio`);
  let sum = 0;
  let peak = 0;
  for (const x of samples) {
    assert.ok(Number.isFinite(x), `${what}: non-finite sample`);
    sum += x * x;
    peak = Math.max(peak, Math.abs(x));
  }
  const rms = Math.sqrt(sum / samples.length);
  assert.ok(rms > 0.005 && peak <= 1, `${what}: rms ${rms.toFixed(4)}, peak ${peak.toFixed(3)}`);
}

const SPEAK = `import { ProDiffTTS } from 'prodiff';
const tts = await ProDiffTTS.load();
const r = await tts.synthesize('Hello from another project.');
let sum = 0; let peak = 0; let finite = true;
for (const x of r.audio) { if (!Number.isFinite(x)) finite = false; sum += x * x; peak = Math.max(peak, Math.abs(x)); }
console.log(JSON.stringify({ sampleRate: r.sampleRate, samples: r.audio.length, rms: Math.sqrt(sum / r.audio.length), peak, finite,
  words: r.words.map((w) => w.word) }));
tts.dispose();
`;

test('the packed tarball installs offline with the README line and speaks in a fresh project', { timeout: 180_000 }, (t) => {
  const install = readmeInstallLine();
  // 1. npm pack (dist/ is already built: `npm test` builds before it runs this file).
  const packDir = join(tmp, 'pack');
  mkdirSync(packDir);
  const pack = run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], repoRoot, cleanEnv({}));
  assert.equal(pack.code, 0, `npm pack: ${pack.out}`);
  const packed = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  const paths = packed.files.map((f) => f.path);
  assert.ok(paths.includes('voices/en_US-slt-prodiff-small/model.safetensors'), 'the bundled voice is packed');
  assert.ok(paths.includes('dist/src/cli/main.js') && paths.includes('dist/src/index.d.ts'), 'dist/src (JS and types) is packed');
  assert.ok(paths.includes('dist/web/prodiff.js') && paths.includes('dist/web/ort-wasm-simd-threaded.wasm') && paths.includes('dist/web/cmudict.pdc1.gz'), 'the browser bundle (prodiff/web) and its runtime files are packed');
  assert.deepEqual(paths.filter((p) => p.endsWith('.map') || p.startsWith('dist/test/') || p.endsWith('.png')), [], 'no maps, tests or figures in the package');
  const tgz = install.args.find((a) => a.endsWith('.tgz'))!.replace(/^\.\//, '');
  assert.equal(packed.filename, tgz, "the README's install line names the tarball npm pack writes");

  // 2. A fresh project, the README's line, offline.
  const project = join(tmp, 'consumer');
  mkdirSync(project);
  copyFileSync(join(packDir, packed.filename), join(project, tgz));
  writeProject(project, tgz);
  const env = cleanEnv(install.env);
  const inst = run(NPM, [...install.args, '--offline', '--no-audit', '--no-fund'], project, env);
  if (inst.code !== 0 && /ENOTCACHED/.test(inst.out)) {
    const why = inst.out.split('\n').find((l) => /request to .* failed|ENOTCACHED/.test(l) && /http/.test(l)) ?? 'ENOTCACHED';
    t.skip(`the npm cache lacks a dependency (run npm ci online first): ${why.replace(/^npm error\s*/, '')}`);
    return;
  }
  assert.equal(inst.code, 0, `\`${install.line} --offline\` failed:\n${inst.out}`);
  assert.doesNotMatch(inst.out, /Unknown (cli|project|env) config/, 'npm warns about no unknown config');
  assert.ok(existsSync(join(project, 'node_modules', 'onnxruntime-node', 'bin')), 'onnxruntime-node with its CPU binaries is installed');
  assert.ok(!readdirSync(join(project, 'node_modules', 'prodiff', 'dist')).includes('test'), 'only dist/src is installed');

  // 3. The API from the installed package: load the bundled voice and speak.
  writeFileSync(join(project, 'speak.mjs'), SPEAK);
  const speak = run(process.execPath, ['speak.mjs'], project, env);
  assert.equal(speak.code, 0, `speak.mjs: ${speak.out}`);
  const r = JSON.parse(speak.stdout.trim().split('\n').pop()!) as {
    sampleRate: number; samples: number; rms: number; peak: number; finite: boolean; words: string[];
  };
  assert.equal(r.finite, true, 'finite samples');
  assert.ok(r.sampleRate >= 16000, `sample rate ${r.sampleRate}`);
  const seconds = r.samples / r.sampleRate;
  assert.ok(seconds > 0.8 && seconds < 6, `${seconds.toFixed(2)} s for four words`);
  assert.ok(r.rms > 0.005 && r.peak <= 1, `rms ${r.rms}, peak ${r.peak}`);
  assert.deepEqual(r.words.map((w) => w.toLowerCase()), ['hello', 'from', 'another', 'project'], 'word timestamps name the words');

  // 4. The CLI through npx, as the README shows it.
  const version = run(NPX, ['--offline', 'prodiff', '--version'], project, env);
  assert.equal(version.code, 0, `npx prodiff --version: ${version.out}`);
  assert.equal(version.stdout.trim(), `prodiff ${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version}`);
  assert.doesNotMatch(version.out, /npm warn/i, 'npx prints no npm warnings');
  const say = run(NPX, ['--offline', 'prodiff', 'say', 'Hello.', '-o', 'x.wav'], project, env);
  assert.equal(say.code, 0, `npx prodiff say: ${say.out}`);
  const wav = decodeWav(readFileSync(join(project, 'x.wav')), 'x.wav');
  assert.equal(wav.channels.length, 1);
  assertSpeech(wav.channels[0]!, wav.sampleRate, 'npx prodiff say "Hello."');
});
