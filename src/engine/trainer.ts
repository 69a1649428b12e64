// A training step in one ORT run: forward, backward, gradient clipping and the AdamW update, with
// parameters and optimizer moments fed back from one step's outputs to the next step's inputs.
import type * as ortTypes from 'onnxruntime-node';
import { gradients } from './autodiff.js';
import { Graph, type Tensor } from './graph.js';
import { exportOnnx } from './onnx.js';
import { adamwUpdate, clipByGlobalNorm, hostStepScalars, type AdamWConfig, type Schedule } from './optim.js';
import { mul } from './ops/elementwise.js';
import { ParamStore } from './params.js';
import { readSafetensors, SafetensorsError, writeSafetensors, type StData } from './safetensors.js';
import { createSession, ortTensor, type SessionOptions } from './session.js';

type OrtTensor = ortTypes.Tensor;

export interface BuildContext {
  training: boolean;
}

export interface ModelOutputs {
  loss: Tensor;
  /** Extra scalars or tensors reported each step (losses by part, ...). */
  metrics?: Record<string, Tensor>;
}

export interface TrainerSpec {
  /** Builds forward and loss on the given graph (inputs declared inside). Called once per graph. */
  build(g: Graph, ctx: BuildContext): ModelOutputs;
  optimizer: AdamWConfig;
  schedule: Schedule;
  /** Parameters updated by the optimizer; the others are frozen. Default: all. */
  trainable?: (name: string) => boolean;
  /**
   * How frozen parameters are bound: 'initializer' (default; fixed for the session, lets ORT fold
   * them) or 'input' (fed every step, replaceable with setFrozenTensors - e.g. the other side of a GAN).
   */
  frozenBinding?: 'initializer' | 'input';
  session?: SessionOptions;
}

export interface StepResult {
  step: number;
  loss: number;
  gradNorm: number;
  lr: number;
  metrics: Record<string, number>;
}

const M = 'adam_m.';
const V = 'adam_v.';
const NEW = 'new.';

export class Trainer {
  /** Number of updates applied so far. */
  step = 0;
  private constructor(
    private readonly spec: TrainerSpec,
    private readonly session: ortTypes.InferenceSession,
    private readonly evalSession: ortTypes.InferenceSession,
    readonly trainableNames: string[],
    readonly frozenNames: string[],
    private readonly shapes: Map<string, number[]>,
    private readonly state: Map<string, OrtTensor>,
    private readonly frozenFeeds: Map<string, OrtTensor>,
    readonly metricNames: string[],
  ) {}

  /** Builds the training and evaluation graphs; `params` must hold (or be initialised with) every parameter. */
  static async create(spec: TrainerSpec, params: ParamStore): Promise<Trainer> {
    const g = new Graph('train_step');
    const out = spec.build(g, { training: true });
    params.checkAgainst(g, 'parameter store');
    const isTrainable = spec.trainable ?? (() => true);
    const all = [...g.params.values()];
    const trainable = all.filter((p) => isTrainable(p.name));
    const frozen = all.filter((p) => !isTrainable(p.name));
    if (trainable.length === 0) throw new Error('Trainer: no trainable parameters');

    const grads = gradients(out.loss, trainable.map((p) => p.tensor));
    const dense = grads.map((gr, i) => gr ?? mul(trainable[i]!.tensor, 0));
    const { clipped, norm } = clipByGlobalNorm(dense, spec.optimizer.clipGradNorm ?? 0);
    const scalar = (name: string) => g.input(name, 'float32', []);
    const scalars = { lr: scalar('lr'), stepSize: scalar('step_size'), bc2Sqrt: scalar('bc2_sqrt') };
    trainable.forEach((p, i) => {
      const m = g.input(M + p.name, 'float32', p.shape);
      const v = g.input(V + p.name, 'float32', p.shape);
      const u = adamwUpdate(spec.optimizer, scalars, p.tensor, clipped[i]!, m, v);
      g.output(NEW + p.name, u.p);
      g.output(NEW + M + p.name, u.m);
      g.output(NEW + V + p.name, u.v);
    });
    g.output('loss', out.loss);
    g.output('grad_norm', norm);
    const metricNames = Object.keys(out.metrics ?? {});
    for (const k of metricNames) g.output(`metric.${k}`, out.metrics![k]!);
    // Trainable parameters are inputs (they change every step); frozen ones are initializers, which
    // lets ORT fold what depends only on them.
    const frozenSet = new Set(spec.frozenBinding === 'input' ? [] : frozen.map((p) => p.name));
    const session = await createSession(
      exportOnnx(g, { params: (n) => (frozenSet.has(n) ? 'initializer' : 'input'), values: (n) => params.get(n).data }),
      spec.session,
    );

    const eg = new Graph('eval');
    const eout = spec.build(eg, { training: false });
    eg.output('loss', eout.loss);
    for (const [k, t] of Object.entries(eout.metrics ?? {})) eg.output(`metric.${k}`, t);
    const evalSession = await createSession(
      exportOnnx(eg, { params: (n) => (frozenSet.has(n) ? 'initializer' : 'input'), values: (n) => params.get(n).data }),
      spec.session,
    );

    const shapes = new Map(all.map((p) => [p.name, p.shape]));
    const state = new Map<string, OrtTensor>();
    for (const p of trainable) {
      state.set(p.name, ortTensor('float32', Float32Array.from(params.get(p.name).data), p.shape));
      state.set(M + p.name, ortTensor('float32', new Float32Array(params.get(p.name).data.length), p.shape));
      state.set(V + p.name, ortTensor('float32', new Float32Array(params.get(p.name).data.length), p.shape));
    }
    const frozenFeeds = new Map<string, OrtTensor>();
    if (spec.frozenBinding === 'input') for (const p of frozen) frozenFeeds.set(p.name, ortTensor('float32', Float32Array.from(params.get(p.name).data), p.shape));
    return new Trainer(spec, session, evalSession, trainable.map((p) => p.name), frozen.map((p) => p.name), shapes, state, frozenFeeds, metricNames);
  }

  /** Applies one update on a batch (feeds for the inputs the model declared). */
  async trainStep(batch: Record<string, OrtTensor>): Promise<StepResult> {
    const t = this.step + 1;
    const lr = this.spec.schedule(t);
    const s = hostStepScalars(this.spec.optimizer, lr, t);
    const feeds: Record<string, OrtTensor> = { ...batch, lr: ortTensor('float32', [s.lr], []), step_size: ortTensor('float32', [s.stepSize], []), bc2_sqrt: ortTensor('float32', [s.bc2Sqrt], []) };
    for (const [k, v] of this.state) feeds[k] = v;
    for (const [k, v] of this.frozenFeeds) feeds[k] = v;
    const r = await this.session.run(feeds);
    const loss = Number(r.loss!.data[0]);
    if (!Number.isFinite(loss)) throw new Error(`training step ${t}: loss is ${loss}; parameters left unchanged`);
    for (const k of this.state.keys()) this.state.set(k, r[NEW + k]!);
    this.step = t;
    return { step: t, loss, gradNorm: Number(r.grad_norm!.data[0]), lr, metrics: this.readMetrics(r) };
  }

  /** Forward only (no dropout, no update) with the current parameters. */
  async evaluate(batch: Record<string, OrtTensor>): Promise<{ loss: number; metrics: Record<string, number> }> {
    const feeds: Record<string, OrtTensor> = { ...batch };
    for (const n of this.trainableNames) feeds[n] = this.state.get(n)!;
    for (const [k, v] of this.frozenFeeds) feeds[k] = v;
    const r = await this.evalSession.run(feeds);
    return { loss: Number(r.loss!.data[0]), metrics: this.readMetrics(r) };
  }

  private readMetrics(r: Record<string, OrtTensor>): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((k) => [k, Number(r[`metric.${k}`]!.data[0])]));
  }

  /** The live ORT tensors of the trainable parameters (valid until the next step). */
  paramTensors(): Map<string, OrtTensor> {
    return new Map(this.trainableNames.map((n) => [n, this.state.get(n)!]));
  }

  /** Replaces frozen parameters bound as inputs (frozenBinding 'input'), e.g. with another trainer's paramTensors(). */
  setFrozenTensors(values: Map<string, OrtTensor>): void {
    for (const [k, v] of values) {
      const cur = this.frozenFeeds.get(k);
      if (!cur) continue;
      if (cur.dims.join(',') !== v.dims.join(',')) throw new Error(`setFrozenTensors: '${k}' has shape [${v.dims}], expected [${cur.dims}]`);
      this.frozenFeeds.set(k, v);
    }
  }

  /** Ends ORT profiling (writing its trace when enabled) and frees both sessions. */
  async close(): Promise<void> {
    if (this.spec.session?.profilePrefix) {
      this.session.endProfiling();
      this.evalSession.endProfiling();
    }
    await this.session.release();
    await this.evalSession.release();
  }

  /** Current values of the trainable parameters, written into `store`. */
  exportParams(store: ParamStore): ParamStore {
    for (const n of this.trainableNames) store.set(n, this.shapes.get(n)!, Float32Array.from(this.state.get(n)!.data as Float32Array));
    return store;
  }

  /** Writes parameters, optimizer moments and the step count atomically. */
  saveCheckpoint(path: string, extraMetadata: Record<string, string> = {}): void {
    const tensors = new Map<string, { shape: number[]; data: StData }>();
    for (const [k, v] of this.state) tensors.set(k, { shape: [...v.dims], data: v.data as Float32Array });
    writeSafetensors(path, tensors, { ...extraMetadata, step: String(this.step), trainable: JSON.stringify(this.trainableNames) });
  }

  /** Restores a checkpoint written by saveCheckpoint (same model and trainable set). */
  loadCheckpoint(path: string): Record<string, string> {
    const file = readSafetensors(path);
    for (const k of this.state.keys()) {
      const t = file.tensors.get(k);
      if (!t) throw new SafetensorsError(path, `missing tensor '${k}'`);
      const expect = this.state.get(k)!.dims;
      if (t.shape.join(',') !== expect.join(',')) throw new SafetensorsError(path, `tensor '${k}' has shape [${t.shape}], expected [${expect}]`);
      if (!(t.data instanceof Float32Array)) throw new SafetensorsError(path, `tensor '${k}' is ${t.dtype}, expected F32`);
      this.state.set(k, ortTensor('float32', Float32Array.from(t.data), t.shape));
    }
    const step = Number(file.metadata.step);
    if (!Number.isInteger(step) || step < 0) throw new SafetensorsError(path, `bad step '${file.metadata.step}' in metadata`);
    this.step = step;
    return file.metadata;
  }
}
