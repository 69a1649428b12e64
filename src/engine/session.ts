// ONNX Runtime sessions over exported graphs, and conversion between typed arrays and ORT tensors.
import { ort } from './ort.js';
import { executionProviders, getDefaultDevice, probeDevice, type Device } from './device.js';
import type { DType } from './dtypes.js';

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface SessionOptions {
  threads?: number;
  /** Where the session runs; default: the program's default device (getDefaultDevice(), 'cpu' unless set). */
  device?: Device;
  /** ORT's per-node profiler: writes a JSON trace with this prefix. */
  profilePrefix?: string;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Let ORT's threads busy-wait between runs (default false; see createSession). */
  spinning?: boolean;
}

export async function createSession(model: Uint8Array, o: SessionOptions = {}): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: o.threads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: o.optimization ?? 'all',
    executionMode: 'sequential',
    executionProviders: executionProviders(o.device ?? getDefaultDevice()),
  };
  // ORT's pool threads busy-wait after each run unless told not to. With several sessions in a
  // pipeline (encoder, adaptor, denoiser, vocoder) the idle sessions' spinning threads take the
  // cores from the one that runs: the 2-step acoustic model measured 108-111 ms with spinning and
  // 74-79 ms without. A single session run back to back (a training step) may spin.
  const spin = o.spinning ?? false;
  options.extra = { session: { intra_op: { allow_spinning: spin ? '1' : '0' }, inter_op: { allow_spinning: spin ? '1' : '0' } } };
  if (o.profilePrefix) {
    options.enableProfiling = true;
    options.profileFilePrefix = o.profilePrefix;
  }
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (e) {
    const device = o.device ?? getDefaultDevice();
    if (device === 'cpu') throw e;
    const probe = await probeDevice(device);
    if (!probe.available) throw new Error(`device '${device}' is not available: ${probe.reason}`);
    throw e;
  }
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = { float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool', uint8: 'uint8' };

export function ortTensor(dtype: DType, data: TypedArray | number[], shape: readonly number[]): ort.Tensor {
  let arr: TypedArray;
  if (Array.isArray(data)) {
    switch (dtype) {
      case 'float32': arr = Float32Array.from(data); break;
      case 'float64': arr = Float64Array.from(data); break;
      case 'int64': arr = BigInt64Array.from(data.map((v) => BigInt(v))); break;
      case 'int32': arr = Int32Array.from(data); break;
      case 'bool': case 'uint8': arr = Uint8Array.from(data); break;
    }
  } else arr = data;
  return new ort.Tensor(ORT_TYPE[dtype], arr as never, shape as number[]);
}

export { ort };
