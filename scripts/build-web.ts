// Builds the browser bundle (`prodiff/web`) into dist/web/: src/web/index.ts bundled by esbuild
// as one ES module, with onnxruntime-web in place of onnxruntime-node (src/engine/ort.web.ts for
// ort.ts), onnxruntime-web's .wasm/.mjs files beside it, and the compact pronouncing dictionary.
// Node's built-in modules are replaced by stubs that throw if called: the voice-directory and
// file-writing code they serve is in the bundle's module graph but never runs in a page (every
// call that would reach one is the browser test's business). Run by `npm run build` after tsc.
import { build, type Plugin } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { cmuDictFromPackage } from '../src/text/cmudict.js';
import { encodeCompactDict } from '../src/text/cmudict-compact.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'web');
const require = createRequire(import.meta.url);

/**
 * The bundles: the same entry point over two builds of onnxruntime-web, and the runtime files each
 * loads (ORT's emscripten glue and its .wasm): plain WASM (SIMD, threads), and WebGPU, whose .wasm
 * is the asyncify build, about twice the size, hence not the default. (ORT's JSEP build, WebGPU
 * in one .wasm with the CPU kernels, measured 1.4x slower on the CPU than the plain one.)
 */
export const FLAVOURS = [
  { out: 'prodiff.js', ort: 'onnxruntime-web/wasm', files: ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'] },
  { out: 'prodiff.webgpu.js', ort: 'onnxruntime-web/webgpu', files: ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'] },
] as const;

/** Builds with `ort` in place of onnxruntime-web/wasm. */
const ortFlavour = (ort: string): Plugin => ({
  name: 'ort-flavour',
  setup(b) {
    if (ort === 'onnxruntime-web/wasm') return;
    b.onResolve({ filter: /^onnxruntime-web\/wasm$/ }, (a) => b.resolve(ort, { kind: a.kind, resolveDir: a.resolveDir }));
  },
});

const nodeStubs: Plugin = {
  name: 'node-builtins-stubbed',
  setup(b) {
    const names = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (a) => (names.has(a.path) ? { path: a.path.replace(/^node:/, ''), namespace: 'node-stub' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, async (a) => {
      const real = (await import(`node:${a.path}`)) as Record<string, unknown>;
      const exports = Object.keys(real).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      const lines = [
        `const stub = (n) => function () { throw new Error("node:${a.path} " + n + " is not available in the browser"); };`,
        ...exports.map((k) => `export const ${k} = stub(${JSON.stringify(k)});`),
        `export default new Proxy({}, { get: (_, k) => stub(String(k)) });`,
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
    // HiFi-GAN voices read PyTorch .pt weights from disk (with the pickle and zip readers): not in
    // pages. Its module, loaded on demand by model/vocoder.ts, becomes one that fails clearly.
    b.onResolve({ filter: /^\.\/hifigan\.js$/ }, (a) => (a.importer.endsWith(join('src', 'model', 'vocoder.ts')) ? { path: 'hifigan', namespace: 'web-unavailable' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'web-unavailable' }, () => ({
      contents: `throw new Error("vocoder 'hifigan' is not available in the browser build (it reads PyTorch weights from disk; use a Vocos voice)");`,
      loader: 'js',
    }));
    // The Node binding must never reach the bundle: ort.ts is swapped for ort.web.ts.
    b.onResolve({ filter: /^\.\/ort\.js$/ }, (a) => (a.importer.endsWith(join('src', 'engine', 'session.ts')) || a.importer.endsWith(join('src', 'engine', 'device.ts')) ? { path: join(root, 'src', 'engine', 'ort.web.ts') } : undefined));
    b.onResolve({ filter: /^onnxruntime-node$/ }, (a) => ({ errors: [{ text: `onnxruntime-node imported by ${a.importer}: the browser bundle must reach ORT through src/engine/ort.ts only` }] }));
  },
};

const kb = (n: number) => (n / 1024).toFixed(0);

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const sizes: string[] = [];
  for (const f of FLAVOURS) {
    const r = await build({
      entryPoints: [join(root, 'src', 'web', 'index.ts')],
      outfile: join(out, f.out),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      sourcemap: 'linked',
      // ORT's *.min.mjs load their glue .mjs and .wasm from env.wasm.wasmPaths instead of
      // embedding the glue, so ORT's worker threads start from a file of their own.
      conditions: ['onnxruntime-web-use-extern-wasm'],
      define: { PRODIFF_ORT_FLAVOUR: JSON.stringify(f.ort === 'onnxruntime-web/wasm' ? 'wasm' : 'webgpu') },
      plugins: [ortFlavour(f.ort), nodeStubs],
      metafile: true,
      logLevel: 'warning',
      legalComments: 'linked',
    });
    const stubbed = Object.keys(r.metafile.inputs).filter((k) => k.startsWith('node-stub:')).map((k) => k.slice('node-stub:'.length));
    const ortDir = dirname(require.resolve(`onnxruntime-web/${f.files[1]}`));
    for (const file of f.files) copyFileSync(join(ortDir, file), join(out, file));
    const js = readFileSync(join(out, f.out));
    const wasm = readFileSync(join(out, f.files[1]));
    sizes.push(`dist/web/${f.out} ${kb(js.length)} kB (${kb(gzipSync(js).length)} kB gzipped; ${f.files[1]} ${kb(wasm.length)} kB); Node built-ins stubbed: ${stubbed.join(', ') || 'none'}`);
  }
  const dict = gzipSync(encodeCompactDict(cmuDictFromPackage()), { level: 9 });
  writeFileSync(join(out, 'cmudict.pdc1.gz'), dict);
  process.stdout.write(`web bundles: ${sizes.join('; ')}; dictionary dist/web/cmudict.pdc1.gz ${kb(dict.length)} kB\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`build-web: ${(e as Error).message}\n`);
  process.exit(1);
});
