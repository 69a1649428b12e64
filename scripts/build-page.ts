// Builds the web page of `prodiff serve` (web/serve-page/) into dist/src/server/page/: the
// TypeScript bundled by esbuild, index.html copied. Run by `npm run build`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const out = join(root, 'dist', 'src', 'server', 'page');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'web', 'serve-page', 'app.ts')], bundle: true, format: 'esm', target: 'es2022',
  outfile: join(out, 'app.js'), minify: true, sourcemap: false, logLevel: 'warning',
});
copyFileSync(join(root, 'web', 'serve-page', 'index.html'), join(out, 'index.html'));
