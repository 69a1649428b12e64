// onnxruntime-web's settings for the page: where its .wasm/.mjs files are, how many threads
// (more than one only when the page is cross-origin isolated: SharedArrayBuffer needs COOP/COEP),
// and the backend: WebGPU when asked for (or 'auto' and the browser has an adapter), else WASM.
import { HAS_WEBGPU, ort, setWebBackend, type WebBackend } from '../engine/ort.web.js';

export type BackendChoice = 'auto' | WebBackend;

export interface RuntimeOptions {
  /**
   * 'wasm' (default), 'webgpu', or 'auto' (WebGPU when the browser has an adapter); WebGPU needs
   * the prodiff.webgpu.js bundle.
   */
  backend?: BackendChoice;
  /**
   * WASM threads; default when cross-origin isolated: half the logical cores, 1 to 4 (ORT's
   * threads busy-wait, so they should not take every core), else 1 (threads need isolation).
   */
  threads?: number;
  /** Folder (URL ending in '/') of onnxruntime-web's .wasm and .mjs files; default: beside the bundle. */
  wasmPaths?: string;
}

export interface RuntimeInfo {
  backend: WebBackend;
  threads: number;
  crossOriginIsolated: boolean;
}

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

async function hasWebGpu(): Promise<boolean> {
  const gpu = (globalThis.navigator as (Navigator & GpuNavigator) | undefined)?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

let configured: RuntimeInfo | undefined;

/**
 * Sets ORT's environment before the first session. ORT reads the WASM settings once, when its
 * first session starts, so only the first call's threads and paths count.
 */
export async function configureRuntime(o: RuntimeOptions, bundleUrl: string): Promise<RuntimeInfo> {
  const choice = o.backend ?? 'wasm';
  if (!['auto', 'wasm', 'webgpu'].includes(choice)) throw new Error(`backend must be 'auto', 'wasm' or 'webgpu' (got ${String(choice)})`);
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1 && o.threads <= 64)) throw new Error(`threads must be an integer in [1, 64] (got ${String(o.threads)})`);
  if (choice === 'webgpu' && !HAS_WEBGPU) throw new Error("backend 'webgpu': this bundle (prodiff.js) runs on WASM only; import prodiff.webgpu.js for WebGPU");
  const gpu = choice === 'wasm' || !HAS_WEBGPU ? false : await hasWebGpu();
  if (choice === 'webgpu' && !gpu) throw new Error("backend 'webgpu': this browser offers no WebGPU adapter (use 'wasm' or 'auto')");
  const backend: WebBackend = gpu ? 'webgpu' : 'wasm';
  setWebBackend(backend);
  const isolated = globalThis.crossOriginIsolated === true;
  if (!configured) {
    const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
    ort.env.wasm.numThreads = isolated ? (o.threads ?? Math.max(1, Math.min(4, Math.floor(cores / 2)))) : 1;
    ort.env.wasm.wasmPaths = o.wasmPaths ?? new URL('./', bundleUrl).href;
  }
  configured = { backend, threads: ort.env.wasm.numThreads ?? 1, crossOriginIsolated: isolated };
  return configured;
}
