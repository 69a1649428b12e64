// The ONNX Runtime binding this build runs on, and the execution providers of a device. This file
// is Node's (onnxruntime-node); the browser bundle (scripts/build-web.ts) puts ort.web.ts in its
// place, so nothing else in the engine names a binding.
import * as ort from 'onnxruntime-node';
import type { Device } from './device.js';

export { ort };

/** ORT's execution providers for a device: the CPU provider stays last for ops the GPU lacks. */
export function runtimeProviders(d: Device): ort.InferenceSession.SessionOptions['executionProviders'] {
  return d === 'cuda' ? [{ name: 'cuda', deviceId: 0 }, 'cpu'] : ['cpu'];
}
