// Where ORT sessions run: the CPU, or NVIDIA GPUs through ORT's CUDA execution provider when
// onnxruntime-node was installed with it (its install step fetches the provider on Linux x64
// unless told to skip, as the README's ONNXRUNTIME_NODE_INSTALL=skip install lines do for CPU-only machines).
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Graph } from './graph.js';
import { exportOnnx } from './onnx.js';
import { ort, runtimeProviders } from './ort.js';
import { emit } from './ops/util.js';

export const DEVICES = ['cpu', 'cuda'] as const;
export type Device = (typeof DEVICES)[number];

let defaultDevice: Device = 'cpu';

export function isDevice(s: string): s is Device {
  return (DEVICES as readonly string[]).includes(s);
}

/** Parses a device name given by a user (CLI flag, environment, API option), with a clear error. */
export function parseDevice(s: string, source = 'device'): Device {
  if (!isDevice(s)) throw new Error(`${source}: unknown device '${s}' (expected one of: ${DEVICES.join(', ')})`);
  return s;
}

/**
 * The device sessions use when their options name none (set once by a program, e.g. from
 * `prodiff --device` or $PRODIFF_DEVICE).
 */
export function setDefaultDevice(d: Device): void {
  defaultDevice = d;
}

export function getDefaultDevice(): Device {
  return defaultDevice;
}

/** ORT's execution providers for a device (this build's binding decides: ort.ts, ort.web.ts). */
export function executionProviders(d: Device): ort.InferenceSession.SessionOptions['executionProviders'] {
  return runtimeProviders(d);
}

const probes = new Map<Device, Promise<{ available: boolean; reason?: string }>>();

/** Where onnxruntime-node keeps a provider's shared library (installed beside its binding, if at all). */
function providerLibrary(d: Device): { found: boolean; path: string } {
  const binding = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
  const binDir = join(binding, '..', 'bin');
  const ext = process.platform === 'win32' ? 'dll' : process.platform === 'darwin' ? 'dylib' : 'so';
  const name = `${process.platform === 'win32' ? '' : 'lib'}onnxruntime_providers_${d}.${ext}`;
  const candidates = existsSync(binDir) ? readdirSync(binDir).map((napi) => join(binDir, napi, process.platform, process.arch, name)) : [];
  const hit = candidates.find((c) => existsSync(c));
  return { found: hit !== undefined, path: hit ?? candidates[0] ?? join(binDir, name) };
}

/**
 * Whether sessions can run on `d` here: creates and runs a one-node session on it (cached). The
 * reason says what is missing when not.
 */
export function probeDevice(d: Device): Promise<{ available: boolean; reason?: string }> {
  let p = probes.get(d);
  if (!p) {
    p = (async () => {
      if (d === 'cpu') return { available: true };
      const listed = ort.listSupportedBackends().find((b) => b.name === d);
      if (!listed) return { available: false, reason: `this onnxruntime-node build has no '${d}' execution provider` };
      const library = providerLibrary(d);
      if (!library.found) return { available: false, reason: `the ${d} provider library is not installed (looked for ${library.path}); onnxruntime-node installs it only when its install step is not skipped (ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node, see docs/engine.md)` };
      try {
        const g = new Graph('probe');
        g.output('y', emit('Relu', [g.input('x', 'float32', [1])]));
        const session = await ort.InferenceSession.create(exportOnnx(g), { executionProviders: [{ name: d }], logSeverityLevel: 4 });
        await session.run({ x: new ort.Tensor('float32', Float32Array.of(1), [1]) });
        await session.release();
        return { available: true };
      } catch (e) {
        return { available: false, reason: (e as Error).message.split('\n')[0]! };
      }
    })();
    probes.set(d, p);
  }
  return p;
}
