// The web page at / : static files that the build writes next to this module (page/, made by
// esbuild from web/serve-page/; see package.json's build script).
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, Buffer>();

/** Answers a GET for one of the page's files; false when the path is not one. */
export function servePage(path: string, res: ServerResponse): boolean {
  const f = FILES[path];
  if (!f) return false;
  let body = cache.get(f.file);
  if (!body) {
    try {
      body = readFileSync(new URL(`./page/${f.file}`, import.meta.url));
      cache.set(f.file, body);
    } catch {
      const msg = 'the web page is not built (npm run build makes it)\n';
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(msg);
      return true;
    }
  }
  res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': body.length, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
  return true;
}
