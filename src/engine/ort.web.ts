// The browser's ONNX Runtime (onnxruntime-web): the web bundles (scripts/build-web.ts) put this
// file in place of ort.ts. prodiff.js is built on ORT's WebAssembly CPU backend (SIMD; threads when
// the page is cross-origin isolated); prodiff.webgpu.js, the same code with 'onnxruntime-web/webgpu'
// in place of 'onnxruntime-web/wasm', adds WebGPU (and ships a larger .wasm).
import * as web from 'onnxruntime-web/wasm';
import type { Device } from './device.js';

type Feeds = web.InferenceSession.FeedsType;

/**
 * onnxruntime-node ignores feeds a model has no input for (an input the exporter pruned because
 * no output needs it); onnxruntime-web rejects the whole run. Sessions made here drop such feeds,
 * so the engine's callers behave the same on both.
 */
async function create(...args: Parameters<typeof web.InferenceSession.create>): Promise<web.InferenceSession> {
  // ORT warns on the console for every WebGPU session that shape ops stay on the CPU (by design).
  const [model, options] = args as [Uint8Array, web.InferenceSession.SessionOptions | undefined];
  const session = await web.InferenceSession.create(model, { logSeverityLevel: 3, ...options });
  const run = session.run.bind(session) as (feeds: Feeds, ...rest: unknown[]) => Promise<web.InferenceSession.ReturnType>;
  const inputs = new Set(session.inputNames);
  Object.defineProperty(session, 'run', {
    value: (feeds: Feeds, ...rest: unknown[]) => run(Object.fromEntries(Object.entries(feeds).filter(([k]) => inputs.has(k))), ...rest),
  });
  return session;
}

export const ort = { ...web, InferenceSession: { create } };

export type WebBackend = 'wasm' | 'webgpu';

/** Set by the build (esbuild `define`): which ORT this bundle holds. */
declare const PRODIFF_ORT_FLAVOUR: 'wasm' | 'webgpu' | undefined;

/** Whether this bundle's ORT can run WebGPU sessions. */
export const HAS_WEBGPU = typeof PRODIFF_ORT_FLAVOUR !== 'undefined' && PRODIFF_ORT_FLAVOUR === 'webgpu';

let backend: WebBackend = 'wasm';

/** The backend sessions created from now on use (the web entry point sets it once at load). */
export function setWebBackend(b: WebBackend): void {
  backend = b;
}

/** The device names of the Node build map onto the page's backend; WASM stays last as a fallback. */
export function runtimeProviders(_d: Device): web.InferenceSession.SessionOptions['executionProviders'] {
  return backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'];
}
