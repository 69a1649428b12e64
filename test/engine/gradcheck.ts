// Finite-difference gradient checking of graph-built functions, run in ONNX Runtime.
import assert from 'node:assert/strict';
import { Graph, gradients, exportOnnx, createSession, ortTensor, Rng, op, type Tensor, type DType } from '../../src/engine/index.js';

export interface CheckInput {
  name: string;
  shape: number[];
  dtype?: DType;
  /** Values; random normals when absent. */
  values?: number[];
  /** Integer or boolean inputs are fed but not differentiated. */
  diff?: boolean;
}

export interface CheckOptions {
  /** float64 where ORT supports the op in double, else float32. */
  dtype?: 'float32' | 'float64';
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

type Build = (ins: Tensor[]) => Tensor | Tensor[];

/** Builds the function with a weighted-sum loss, and compares autodiff gradients with central differences. */
export async function gradCheck(build: Build, inputs: CheckInput[], o: CheckOptions = {}): Promise<'float64' | 'float32'> {
  if (o.dtype) {
    await check(build, inputs, o);
    return o.dtype;
  }
  try {
    await check(build, inputs, { ...o, dtype: 'float64' });
    return 'float64';
  } catch (e) {
    // ORT has no double kernel for some ops (Conv, Erf, ...): check those in float32.
    if (!/Could not find an implementation|NOT_IMPLEMENTED|not supported/i.test((e as Error).message)) throw e;
  }
  await check(build, inputs, { ...o, dtype: 'float32' });
  return 'float32';
}

async function check(build: Build, inputs: CheckInput[], o: CheckOptions): Promise<void> {
  const fdt = o.dtype ?? 'float64';
  const eps = o.eps ?? (fdt === 'float64' ? 1e-6 : 1e-2);
  const atol = o.atol ?? (fdt === 'float64' ? 1e-6 : 2e-3);
  const rtol = o.rtol ?? (fdt === 'float64' ? 1e-5 : 2e-2);
  const rng = new Rng(o.seed ?? 7);
  const g = new Graph('gradcheck');
  const tensors = inputs.map((i) => g.input(i.name, i.dtype ?? fdt, i.shape));
  const outs = [build(tensors)].flat();
  let loss: Tensor | undefined;
  for (const out of outs) {
    const shape = out.shape as number[];
    const weights = g.constant({ dtype: 'float64', shape, values: Float64Array.from(rng.normalArray(shape.reduce((a, b) => a * b, 1))) });
    const term = op.reduceSum(op.mul(op.cast(out, 'float64'), weights));
    loss = loss ? op.add(loss, term) : term;
  }
  const diffIdx = inputs.map((i, k) => (i.diff !== false && (i.dtype ?? fdt) === fdt ? k : -1)).filter((k) => k >= 0);
  const grads = gradients(loss!, diffIdx.map((k) => tensors[k]!));
  g.output('loss', loss!);
  diffIdx.forEach((k, j) => {
    assert.ok(grads[j], `no gradient for input ${inputs[k]!.name}`);
    g.output(`grad_${inputs[k]!.name}`, grads[j]!);
  });
  const full = await createSession(exportOnnx(g));
  const lossOnly = await createSession(exportOnnx(g, { outputs: ['loss'] }));

  const values = inputs.map((i) => {
    const n = i.shape.reduce((a, b) => a * b, 1);
    return i.values ? [...i.values] : Array.from(rng.normalArray(n));
  });
  const feeds = (vals: number[][]) => Object.fromEntries(inputs.map((i, k) => [i.name, ortTensor(i.dtype ?? fdt, vals[k]!, i.shape)]));
  const analytic = await full.run(feeds(values));
  const lossAt = async (vals: number[][]) => Number((await lossOnly.run(feeds(vals))).loss!.data[0]);

  for (const k of diffIdx) {
    const name = inputs[k]!.name;
    const ga = Array.from(analytic[`grad_${name}`]!.data as Float64Array, Number);
    for (let e = 0; e < values[k]!.length; e++) {
      const plus = values.map((v) => [...v]);
      const minus = values.map((v) => [...v]);
      plus[k]![e]! += eps;
      minus[k]![e]! -= eps;
      const fd = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
      const err = Math.abs(fd - ga[e]!);
      assert.ok(err <= atol + rtol * Math.abs(fd), `d loss / d ${name}[${e}]: autodiff ${ga[e]} vs finite difference ${fd} (|err| ${err.toExponential(2)})`);
    }
  }
}
