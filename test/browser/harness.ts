// What the browser test and benchmark share: a static file server over the repository (node:http,
// optionally sending the cross-origin isolation headers) and headless Chromium driven by
// puppeteer-core. Chromium is the system's (Debian `chromium`); nothing is downloaded.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Browser } from 'puppeteer-core';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.gz': 'application/gzip', '.md': 'text/markdown',
};

export interface StaticServer {
  url: string;
  /** Paths requested so far (to check what a page fetched). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `root` over http://127.0.0.1:PORT/ (and each `mounts` folder under its URL prefix, e.g.
 * '/bad/'); `isolate` adds COOP/COEP (WASM threads need them).
 */
export async function serveStatic(root: string, o: { isolate?: boolean; mounts?: Record<string, string> } = {}): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const mount = Object.entries(o.mounts ?? {}).find(([prefix]) => path.startsWith(prefix));
    const dir = mount ? mount[1] : root;
    const file = normalize(join(dir, mount ? path.slice(mount[0].length) : path));
    if (o.isolate) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (!(file === dir || file.startsWith(dir + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The system Chromium, or undefined (with the places looked) when it is not installed. */
export function findChromium(): { path?: string; looked: string[] } {
  const looked = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
  return { ...(looked.find((p) => existsSync(p)) ? { path: looked.find((p) => existsSync(p))! } : {}), looked };
}

/**
 * Headless Chromium (no sandbox: CI runs as root). `webgpu`: with a WebGPU adapter on SwiftShader
 * (Vulkan in software), so WebGPU sessions run without a GPU, slowly.
 */
export async function launchChromium(path: string, o: { webgpu?: boolean } = {}): Promise<Browser> {
  const { launch } = await import('puppeteer-core');
  const gpu = o.webgpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'] : ['--disable-gpu'];
  return launch({
    executablePath: path,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', ...gpu, '--autoplay-policy=no-user-gesture-required'],
    protocolTimeout: 600_000,
  });
}
