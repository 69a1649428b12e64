// A training step in one ORT run: forward, backward, gradient clipping and the AdamW update, with
// parameters and optimizer moments fed back from one step's outputs to the next step's inputs.
import type * as ortTypes from 'onnxruntime-node';
import { gradients } from './autodiff.js';
import { Graph, type Tensor } from './graph.js';
import { exportOnnx } from './onnx.js';
import { adamwUpdate, clipCoefficient, globalNorm, hostStepScalars, type AdamWConfig, type Schedule } from './optim.js';
import { concat, full, reshape } from './ops/shape.js';
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

/**
 * Trainable parameters live in flat float32 buffers ("buckets"): the model reads each parameter
 * from a view of its bucket and the optimizer updates the whole bucket at once, so the update is a
 * dozen large elementwise nodes instead of a dozen per parameter. Buckets stay under 4 M
 * floats (16 MB): a graph output above glibc's largest mmap threshold (32 MB) would get fresh pages
 * from the kernel on every run.
 */
const BUCKET_FLOATS = 4 * 1024 * 1024;

interface BucketMember {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

interface Bucket {
  members: BucketMember[];
  size: number;
}

/** Consecutive parameters grouped into buckets of at most `limit` floats (a larger one gets its own). */
function planBuckets(params: { name: string; shape: number[] }[], limit = BUCKET_FLOATS): Bucket[] {
  const buckets: Bucket[] = [];
  let cur: Bucket | undefined;
  for (const p of params) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!cur || (cur.size + size > limit && cur.members.length > 0)) buckets.push((cur = { members: [], size: 0 }));
    cur.members.push({ name: p.name, shape: p.shape, offset: cur.size, size });
    cur.size += size;
  }
  return buckets;
}

interface BucketState {
  p: OrtTensor;
  m: OrtTensor;
  v: OrtTensor;
}

function bucketState(p: Float32Array, m = new Float32Array(p.length), v = new Float32Array(p.length)): BucketState {
  return { p: ortTensor('float32', p, [p.length]), m: ortTensor('float32', m, [m.length]), v: ortTensor('float32', v, [v.length]) };
}

const stateName = (kind: 'p' | 'm' | 'v', k: number) => `state.${kind}.${k}`;

/** A float32 view of `len` values at `offset` of an ORT tensor's data (no copy). */
function view(t: OrtTensor, offset: number, len: number): Float32Array {
  const d = t.data as Float32Array;
  return d.subarray(offset, offset + len);
}

export class Trainer {
  /** Number of updates applied so far. */
  step = 0;
  private constructor(
    private readonly spec: TrainerSpec,
    private readonly session: ortTypes.InferenceSession,
    private readonly evalSession: ortTypes.InferenceSession,
    readonly trainableNames: string[],
    readonly frozenNames: string[],
    private readonly buckets: Bucket[],
    /** Per bucket: parameters, first and second moments (fed back from each step's outputs). */
    private readonly state: BucketState[],
    private readonly frozenFeeds: Map<string, OrtTensor>,
    readonly metricNames: string[],
    /** Node ids where the training graph's backward pass and optimizer begin (for profiles). */
    readonly phaseStarts: { backward: number; optimizer: number },
  ) {
    this.spare = state.map((st) => bucketState(new Float32Array(st.p.dims[0]!)));
  }

  /** Buffers the next step writes its new state into (double buffering). */
  private readonly spare: BucketState[];

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

    const backwardStart = g.nodes.length;
    const grads = gradients(out.loss, trainable.map((p) => p.tensor));
    const optimizerStart = g.nodes.length;
    const buckets = planBuckets(trainable);
    const scalar = (name: string) => g.input(name, 'float32', []);
    const scalars = { decay: scalar('decay'), denomScale: scalar('denom_scale'), denomShift: scalar('denom_shift') };
    const gradOf = new Map(trainable.map((p, i) => [p.name, grads[i] ?? null]));
    // The model reads each trainable parameter as its own input, fed with a view of its bucket (no
    // copy); the optimizer reads the whole bucket as one more input over the same memory.
    const flatGrads = buckets.map((b, k) => {
      const flat = g.input(stateName('p', k), 'float32', [b.size]);
      const parts = b.members.map((m) => {
        const gr = gradOf.get(m.name);
        return gr ? reshape(gr, [m.size]) : full([m.size], 0, 'float32', flat);
      });
      return { flat, grad: concat(parts, 0) };
    });
    const norm = globalNorm(flatGrads.map((f) => f.grad));
    const coef = clipCoefficient(norm, spec.optimizer.clipGradNorm);
    flatGrads.forEach(({ flat, grad }, k) => {
      const m = g.input(stateName('m', k), 'float32', [buckets[k]!.size]);
      const v = g.input(stateName('v', k), 'float32', [buckets[k]!.size]);
      const u = adamwUpdate(spec.optimizer, scalars, flat, grad, m, v, coef);
      g.output(NEW + stateName('p', k), u.p);
      g.output(NEW + stateName('m', k), u.m);
      g.output(NEW + stateName('v', k), u.v);
    });
    g.output('loss', out.loss);
    g.output('grad_norm', norm);
    const metricNames = Object.keys(out.metrics ?? {});
    for (const k of metricNames) g.output(`metric.${k}`, out.metrics![k]!);
    // Frozen parameters are initializers (ORT folds what depends only on them) unless the spec
    // wants to replace them between steps.
    const frozenSet = new Set(spec.frozenBinding === 'input' ? [] : frozen.map((p) => p.name));
    const bindingOf = (n: string) => (frozenSet.has(n) ? 'initializer' : 'input') as 'initializer' | 'input';
    // The training session runs back to back, so its threads may spin unless the spec says otherwise
    // (trainers that alternate, like a GAN's, should not).
    const session = await createSession(exportOnnx(g, { params: bindingOf, values: (n) => params.get(n).data }), { spinning: true, ...spec.session });

    // Evaluation reads the parameters as separate inputs: views of the same buckets, no copy.
    const eg = new Graph('eval');
    const eout = spec.build(eg, { training: false });
    eg.output('loss', eout.loss);
    for (const [k, t] of Object.entries(eout.metrics ?? {})) eg.output(`metric.${k}`, t);
    const evalSession = await createSession(exportOnnx(eg, { params: bindingOf, values: (n) => params.get(n).data }), spec.session);

    const state = buckets.map((b) => {
      const p = new Float32Array(b.size);
      for (const m of b.members) p.set(params.get(m.name).data, m.offset);
      return bucketState(p);
    });
    const frozenFeeds = new Map<string, OrtTensor>();
    if (spec.frozenBinding === 'input') for (const p of frozen) frozenFeeds.set(p.name, ortTensor('float32', Float32Array.from(params.get(p.name).data), p.shape));
    return new Trainer(spec, session, evalSession, trainable.map((p) => p.name), frozen.map((p) => p.name), buckets, state, frozenFeeds, metricNames, { backward: backwardStart, optimizer: optimizerStart });
  }

  /** Applies one update on a batch (feeds for the inputs the model declared). */
  async trainStep(batch: Record<string, OrtTensor>): Promise<StepResult> {
    const t = this.step + 1;
    const lr = this.spec.schedule(t);
    const s = hostStepScalars(this.spec.optimizer, lr, t);
    const feeds: Record<string, OrtTensor> = { ...batch, decay: ortTensor('float32', [s.decay], []), denom_scale: ortTensor('float32', [s.denomScale], []), denom_shift: ortTensor('float32', [s.denomShift], []) };
    for (const [n, t] of this.paramTensors()) feeds[n] = t;
    this.state.forEach((st, k) => {
      feeds[stateName('p', k)] = st.p;
      feeds[stateName('m', k)] = st.m;
      feeds[stateName('v', k)] = st.v;
    });
    for (const [k, v] of this.frozenFeeds) feeds[k] = v;
    // The new state is written into the spare buffers (no JavaScript allocation per step), which
    // then become current; a rejected step leaves the current state untouched.
    const fetches: Record<string, OrtTensor | null> = { loss: null, grad_norm: null };
    for (const m of this.metricNames) fetches[`metric.${m}`] = null;
    this.spare.forEach((sp, k) => {
      fetches[NEW + stateName('p', k)] = sp.p;
      fetches[NEW + stateName('m', k)] = sp.m;
      fetches[NEW + stateName('v', k)] = sp.v;
    });
    const r = await this.session.run(feeds, fetches);
    const loss = Number(r.loss!.data[0]);
    if (!Number.isFinite(loss)) throw new Error(`training step ${t}: loss is ${loss}; parameters left unchanged`);
    // onnxruntime-node writes preallocated outputs into the given buffers (and also returns copies,
    // which are not used): the spare buffers now hold the new state.
    this.state.forEach((st, k) => {
      this.state[k] = this.spare[k]!;
      this.spare[k] = st;
    });
    this.step = t;
    return { step: t, loss, gradNorm: Number(r.grad_norm!.data[0]), lr, metrics: this.readMetrics(r) };
  }

  /** Forward only (no dropout, no update) with the current parameters. */
  async evaluate(batch: Record<string, OrtTensor>): Promise<{ loss: number; metrics: Record<string, number> }> {
    const feeds: Record<string, OrtTensor> = { ...batch };
    for (const [n, t] of this.paramTensors()) feeds[n] = t;
    for (const [k, v] of this.frozenFeeds) feeds[k] = v;
    const r = await this.evalSession.run(feeds);
    return { loss: Number(r.loss!.data[0]), metrics: this.readMetrics(r) };
  }

  private readMetrics(r: Record<string, OrtTensor>): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((k) => [k, Number(r[`metric.${k}`]!.data[0])]));
  }

  /** The trainable parameters as ORT tensors: views of the live buckets (valid until the next step). */
  paramTensors(): Map<string, OrtTensor> {
    const out = new Map<string, OrtTensor>();
    this.buckets.forEach((b, k) => {
      const data = this.state[k]!.p.data as Float32Array;
      let views = this.views.get(data);
      if (!views) {
        views = b.members.map((m) => ortTensor('float32', data.subarray(m.offset, m.offset + m.size), m.shape));
        this.views.set(data, views);
      }
      b.members.forEach((m, i) => out.set(m.name, views![i]!));
    });
    return out;
  }

  /** Per-parameter views of each bucket buffer, made once per buffer (the buffers alternate). */
  private readonly views = new WeakMap<Float32Array, OrtTensor[]>();

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
    this.buckets.forEach((b, k) => {
      for (const m of b.members) store.set(m.name, m.shape, Float32Array.from(view(this.state[k]!.p, m.offset, m.size)));
    });
    return store;
  }

  /**
   * Writes parameters, optimizer moments and the step count atomically, one tensor per parameter
   * (`NAME`, `adam_m.NAME`, `adam_v.NAME`), so checkpoints do not depend on the bucket layout.
   */
  saveCheckpoint(path: string, extraMetadata: Record<string, string> = {}): void {
    const tensors = new Map<string, { shape: number[]; data: StData }>();
    this.buckets.forEach((b, k) => {
      const st = this.state[k]!;
      for (const m of b.members) {
        tensors.set(m.name, { shape: m.shape, data: view(st.p, m.offset, m.size) });
        tensors.set(M + m.name, { shape: m.shape, data: view(st.m, m.offset, m.size) });
        tensors.set(V + m.name, { shape: m.shape, data: view(st.v, m.offset, m.size) });
      }
    });
    writeSafetensors(path, tensors, { ...extraMetadata, step: String(this.step), trainable: JSON.stringify(this.trainableNames) });
  }

  /** Restores a checkpoint written by saveCheckpoint (same model and trainable set). */
  loadCheckpoint(path: string): Record<string, string> {
    const file = readSafetensors(path);
    const step = Number(file.metadata.step);
    if (!Number.isInteger(step) || step < 0) throw new SafetensorsError(path, `bad step '${file.metadata.step}' in metadata`);
    const state = this.buckets.map((b) => {
      const fresh = { p: new Float32Array(b.size), m: new Float32Array(b.size), v: new Float32Array(b.size) };
      for (const mem of b.members) {
        for (const [kind, key] of [['p', mem.name], ['m', M + mem.name], ['v', V + mem.name]] as const) {
          const t = file.tensors.get(key);
          if (!t) throw new SafetensorsError(path, `missing tensor '${key}'`);
          if (t.shape.join(',') !== mem.shape.join(',')) throw new SafetensorsError(path, `tensor '${key}' has shape [${t.shape}], expected [${mem.shape}]`);
          if (!(t.data instanceof Float32Array)) throw new SafetensorsError(path, `tensor '${key}' is ${t.dtype}, expected F32`);
          fresh[kind].set(t.data, mem.offset);
        }
      }
      return fresh;
    });
    // Only a fully read checkpoint replaces the state.
    state.forEach((f, k) => (this.state[k] = bucketState(f.p, f.m, f.v)));
    this.step = step;
    return file.metadata;
  }
}
