// Golden cases of the official DiffNet: forward outputs, or gradients of an L1 loss.
import { createSession, exportOnnx, gradients, Graph, op, ortTensor, ParamStore, type Tensor } from '../engine/index.js';
import type { StTensor } from '../engine/safetensors.js';
import { denoiser, denoiserConfigFromHparams } from '../model/denoiser.js';
import { parseHparams } from '../model/hparams.js';

export { denoiserConfigFromHparams };
import { Scope } from '../nn/index.js';
import { compareArrays, toleranceFor } from './compare.js';
import type { CaseRunner, GoldenCase, ParityCheck } from './types.js';

function need(c: GoldenCase, name: string): StTensor {
  const t = c.tensors.get(name);
  if (!t) throw new Error(`${c.file}: missing tensor '${name}'`);
  return t;
}

function paramsFrom(c: GoldenCase, prefix = 'param.'): ParamStore {
  const store = new ParamStore();
  for (const [name, t] of c.tensors) {
    if (name.startsWith(prefix) && t.data instanceof Float32Array) store.set(name.slice(prefix.length), t.shape, t.data);
  }
  return store;
}

export const diffnetRunner: CaseRunner = {
  name: 'diffnet',
  matches: (c) => c.metadata.module === 'usr.diff.net.DiffNet',
  async run(c) {
    const hp = parseHparams(JSON.parse(c.metadata.hparams ?? '{}'), c.file);
    const xT = need(c, 'input.x_t');
    const step = need(c, 'input.step');
    const cond = need(c, 'input.cond');
    const cfg = denoiserConfigFromHparams(hp, xT.shape[2]!);
    const params = paramsFrom(c);
    const g = new Graph('diffnet');
    const x = g.input('x_t', 'float32', ['B', 1, cfg.mels, 'T']);
    const s = g.input('step', 'int64', ['B']);
    const k = g.input('cond', 'float32', ['B', cfg.condChannels, 'T']);
    const out = denoiser(new Scope(g, 'denoise_fn.'), cfg, x, s, k);
    params.checkAgainst(g, c.file);
    const feeds: Record<string, ReturnType<typeof ortTensor>> = {
      x_t: ortTensor('float32', xT.data as Float32Array, xT.shape),
      step: ortTensor('int64', step.data as BigInt64Array, step.shape),
      cond: ortTensor('float32', cond.data as Float32Array, cond.shape),
    };
    const checks: ParityCheck[] = [];
    const isGrad = [...c.tensors.keys()].some((n) => n.startsWith('grad.'));
    if (!isGrad) {
      g.output('x0_pred', out.x0);
      g.output('step_embedding', out.stepEmbedding);
    } else {
      const loss = c.metadata.loss ?? '';
      if (!loss.startsWith('l1_mean')) throw new Error(`unsupported loss '${loss}'`);
      const target = g.input('target', 'float32', ['B', 1, cfg.mels, 'T']);
      const tgt = need(c, 'input.target');
      feeds.target = ortTensor('float32', tgt.data as Float32Array, tgt.shape);
      const l = op.reduceMean(op.abs(op.sub(out.x0, target)));
      g.output('loss', l);
      const names = [...c.tensors.keys()].filter((n) => n.startsWith('grad.')).map((n) => n.slice(5));
      const wrt: Tensor[] = names.map((n) => {
        if (n === 'input.cond') return k;
        if (n === 'input.x_t') return x;
        const p = g.params.get(n);
        if (!p) throw new Error(`gradient for unknown parameter '${n}'`);
        return p.tensor;
      });
      gradients(l, wrt).forEach((gt, i) => g.output(`grad.${names[i]}`, gt ?? op.mul(wrt[i]!, 0)));
    }
    const session = await createSession(exportOnnx(g, { values: (n) => params.get(n).data }));
    const result = await session.run(feeds);
    for (const [name, value] of Object.entries(result)) {
      const refName = name.startsWith('grad.') ? name : `output.${name}`;
      checks.push(compareArrays(name, value.data as Float32Array, need(c, refName), toleranceFor(c, name)));
    }
    return checks;
  },
};
