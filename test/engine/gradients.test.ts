// A finite-difference check of every op's gradient rule, through ORT.
import { test } from 'node:test';
import { registeredOps, op, type Tensor } from '../../src/engine/index.js';
import { gradCheck, type CheckInput } from './gradcheck.js';

const I = (name: string, shape: number[], extra: Partial<CheckInput> = {}): CheckInput => ({ name, shape, ...extra });
const away = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ((((i * 7919 + seed * 104729) % 997) / 997) * 2 - 1) * 2 + (i % 2 ? 0.3 : -0.3));
const pos = (n: number) => Array.from({ length: n }, (_, i) => 0.5 + ((i * 37) % 11) / 7);

interface Case {
  ops: string[];
  name: string;
  inputs: CheckInput[];
  build: (t: Tensor[]) => Tensor | Tensor[];
  dtype?: 'float32' | 'float64';
}

const cases: Case[] = [
  { ops: ['Add'], name: 'add broadcast', inputs: [I('a', [2, 3, 4]), I('b', [3, 1])], build: ([a, b]) => op.add(a!, b!) },
  { ops: ['Sub'], name: 'sub broadcast', inputs: [I('a', [2, 1, 4]), I('b', [3, 4])], build: ([a, b]) => op.sub(a!, b!) },
  { ops: ['Mul'], name: 'mul broadcast', inputs: [I('a', [2, 3]), I('b', [2, 1])], build: ([a, b]) => op.mul(a!, b!) },
  { ops: ['Div'], name: 'div broadcast', inputs: [I('a', [2, 3]), I('b', [3], { values: pos(3) })], build: ([a, b]) => op.div(a!, b!) },
  { ops: ['Pow'], name: 'pow both', inputs: [I('a', [2, 3], { values: pos(6) }), I('b', [3])], build: ([a, b]) => op.pow(a!, b!) },
  { ops: ['Neg', 'Identity'], name: 'neg', inputs: [I('a', [5])], build: ([a]) => op.identity(op.neg(a!)) },
  { ops: ['Sqrt'], name: 'sqrt', inputs: [I('a', [5], { values: pos(5) })], build: ([a]) => op.sqrt(a!) },
  { ops: ['Exp'], name: 'exp', inputs: [I('a', [5])], build: ([a]) => op.exp(a!) },
  { ops: ['Log'], name: 'log', inputs: [I('a', [5], { values: pos(5) })], build: ([a]) => op.log(a!) },
  { ops: ['Reciprocal'], name: 'reciprocal', inputs: [I('a', [5], { values: pos(5) })], build: ([a]) => op.reciprocal(a!) },
  { ops: ['Abs'], name: 'abs', inputs: [I('a', [6], { values: away(6, 1) })], build: ([a]) => op.abs(a!) },
  { ops: ['Erf'], name: 'erf', inputs: [I('a', [6])], build: ([a]) => op.erf(a!) },
  { ops: ['Relu'], name: 'relu', inputs: [I('a', [6], { values: away(6, 2) })], build: ([a]) => op.relu(a!) },
  { ops: ['LeakyRelu'], name: 'leaky relu', inputs: [I('a', [6], { values: away(6, 3) })], build: ([a]) => op.leakyRelu(a!, 0.2) },
  { ops: ['Tanh'], name: 'tanh', inputs: [I('a', [6])], build: ([a]) => op.tanh(a!) },
  { ops: ['Sigmoid'], name: 'sigmoid', inputs: [I('a', [6])], build: ([a]) => op.sigmoid(a!) },
  { ops: ['Softplus'], name: 'softplus', inputs: [I('a', [6])], build: ([a]) => op.softplus(a!) },
  { ops: ['Mish'], name: 'mish', inputs: [I('a', [6])], build: ([a]) => op.mish(a!) },
  { ops: ['Sin'], name: 'sin', inputs: [I('a', [6])], build: ([a]) => op.sin(a!) },
  { ops: ['Cos'], name: 'cos', inputs: [I('a', [6])], build: ([a]) => op.cos(a!) },
  { ops: ['Erf', 'Div', 'Mul', 'Add'], name: 'gelu (erf form)', inputs: [I('a', [6])], build: ([a]) => op.gelu(a!) },
  { ops: ['Max'], name: 'max broadcast', inputs: [I('a', [2, 3], { values: away(6, 4) }), I('b', [3], { values: away(3, 5).map((v) => v * 0.7) })], build: ([a, b]) => op.maximum(a!, b!) },
  { ops: ['Min'], name: 'min broadcast', inputs: [I('a', [2, 3], { values: away(6, 6) }), I('b', [3], { values: away(3, 7).map((v) => v * 0.7) })], build: ([a, b]) => op.minimum(a!, b!) },
  { ops: ['Clip'], name: 'clip', inputs: [I('a', [8], { values: away(8, 8) })], build: ([a]) => op.clip(a!, -0.9, 1.1) },
  {
    ops: ['Where', 'Greater', 'Less', 'Equal', 'Not', 'And', 'Or'],
    name: 'where with a computed condition',
    inputs: [I('a', [2, 3]), I('b', [3]), I('c', [2, 3], { values: away(6, 9), diff: false })],
    build: ([a, b, c]) => {
      const cond = op.or(op.and(op.greater(c!, 0), op.not(op.equal(c!, 5))), op.less(c!, -1.5));
      return op.where(cond, a!, b!);
    },
  },
  { ops: ['Cast'], name: 'cast float32 -> float64', inputs: [I('a', [4])], build: ([a]) => op.mul(op.cast(a!, 'float64'), 3), dtype: 'float32' },
  { ops: ['Sum'], name: 'sum broadcast', inputs: [I('a', [2, 3]), I('b', [3]), I('c', [2, 1])], build: ([a, b, c]) => op.sum([a!, b!, c!]) },
  { ops: ['MatMul'], name: 'matmul 2-D', inputs: [I('a', [3, 4]), I('b', [4, 2])], build: ([a, b]) => op.matmul(a!, b!) },
  { ops: ['MatMul'], name: 'matmul batched x 2-D weight', inputs: [I('a', [2, 3, 4]), I('b', [4, 2])], build: ([a, b]) => op.matmul(a!, b!) },
  { ops: ['MatMul'], name: 'matmul broadcast batch', inputs: [I('a', [2, 1, 3, 4]), I('b', [3, 4, 2])], build: ([a, b]) => op.matmul(a!, b!) },
  {
    ops: ['Gemm'],
    name: 'gemm all transposes',
    inputs: [I('a', [4, 3]), I('b', [2, 4]), I('c', [2])],
    build: ([a, b, c]) => op.gemm(a!, b!, c!, { transA: true, transB: true, alpha: 0.7, beta: 1.3 }),
  },
  { ops: ['Gemm'], name: 'gemm plain', inputs: [I('a', [3, 4]), I('b', [4, 2]), I('c', [3, 1])], build: ([a, b, c]) => op.gemm(a!, b!, c!) },
  {
    ops: ['Conv'],
    name: 'conv1d dilated same-padding (WaveNet)',
    inputs: [I('x', [2, 3, 7]), I('w', [4, 3, 3]), I('b', [4])],
    build: ([x, w, b]) => op.conv(x!, w!, b!, { dilations: [2], pads: [2, 2] }),
  },
  // Unit-stride 1-D convs take the MatMul-and-shift input gradient: every kind of padding.
  { ops: ['Conv'], name: 'conv1d causal dilated', inputs: [I('x', [2, 3, 9]), I('w', [4, 3, 3])], build: ([x, w]) => op.conv(x!, w!, null, { dilations: [2], pads: [4, 0] }) },
  { ops: ['Conv'], name: 'conv1d k=4 asymmetric pads', inputs: [I('x', [2, 3, 8]), I('w', [2, 3, 4])], build: ([x, w]) => op.conv(x!, w!, null, { pads: [1, 2] }) },
  { ops: ['Conv'], name: 'conv1d valid (no pads)', inputs: [I('x', [1, 2, 8]), I('w', [3, 2, 3]), I('b', [3])], build: ([x, w, b]) => op.conv(x!, w!, b!, { dilations: [3] }) },
  { ops: ['Conv'], name: 'conv1d pads beyond the reach', inputs: [I('x', [2, 2, 6]), I('w', [3, 2, 2])], build: ([x, w]) => op.conv(x!, w!, null, { pads: [3, 2] }) },
  { ops: ['Conv'], name: 'conv1d 1x1 padded', inputs: [I('x', [2, 3, 5]), I('w', [4, 3, 1])], build: ([x, w]) => op.conv(x!, w!, null, { pads: [1, 2] }) },
  { ops: ['Conv'], name: 'conv1d 1x1', inputs: [I('x', [2, 3, 5]), I('w', [4, 3, 1]), I('b', [4])], build: ([x, w, b]) => op.conv(x!, w!, b!) },
  {
    ops: ['Conv'],
    name: 'conv1d strided, asymmetric pads',
    inputs: [I('x', [2, 2, 9]), I('w', [3, 2, 4]), I('b', [3])],
    build: ([x, w, b]) => op.conv(x!, w!, b!, { strides: [2], pads: [1, 2] }),
  },
  {
    ops: ['Conv'],
    name: 'conv1d grouped + depthwise',
    inputs: [I('x', [2, 4, 6]), I('w', [6, 2, 3]), I('d', [6, 1, 7])],
    build: ([x, w, d]) => op.conv(op.conv(x!, w!, null, { group: 2, pads: [1, 1] }), d!, null, { group: 6, pads: [3, 3] }),
  },
  {
    ops: ['Conv'],
    name: 'conv1d grouped strided dilated',
    inputs: [I('x', [1, 4, 11]), I('w', [2, 2, 3])],
    build: ([x, w]) => op.conv(x!, w!, null, { group: 2, strides: [3], dilations: [2], pads: [0, 1] }),
  },
  {
    ops: ['Conv'],
    name: 'conv2d (SSIM-style window)',
    inputs: [I('x', [1, 2, 6, 5]), I('w', [2, 1, 3, 3])],
    build: ([x, w]) => op.conv(x!, w!, null, { group: 2, pads: [1, 1, 1, 1] }),
  },
  {
    ops: ['Conv'],
    name: 'conv2d strided',
    inputs: [I('x', [1, 2, 7, 6]), I('w', [3, 2, 3, 2])],
    build: ([x, w]) => op.conv(x!, w!, null, { strides: [2, 1], pads: [1, 0, 1, 1] }),
  },
  {
    ops: ['ConvTranspose'],
    name: 'conv-transpose 1-D upsampling',
    inputs: [I('x', [2, 3, 4]), I('w', [3, 2, 4]), I('b', [2])],
    build: ([x, w, b]) => op.convTranspose(x!, w!, b!, { strides: [2], pads: [1, 1] }),
  },
  {
    ops: ['ConvTranspose'],
    name: 'conv-transpose 1-D grouped with output padding',
    inputs: [I('x', [1, 4, 3]), I('w', [4, 1, 3])],
    build: ([x, w]) => op.convTranspose(x!, w!, null, { strides: [3], group: 2, outputPadding: [1] }),
  },
  { ops: ['MaxPool'], name: 'max-pool 1-D', inputs: [I('x', [2, 2, 8], { values: away(32, 10) })], build: ([x]) => op.maxPool1d(x!, 3, { stride: 2, pads: [1, 1] }) },
  { ops: ['AveragePool'], name: 'avg-pool 1-D', inputs: [I('x', [2, 2, 8])], build: ([x]) => op.avgPool1d(x!, 3, { stride: 1, pads: [1, 1] }) },
  { ops: ['AveragePool'], name: 'avg-pool 1-D counting pads', inputs: [I('x', [1, 2, 7])], build: ([x]) => op.avgPool1d(x!, 2, { stride: 2, pads: [0, 1], countIncludePad: true }) },
  { ops: ['Softmax'], name: 'softmax', inputs: [I('x', [2, 5])], build: ([x]) => op.softmax(x!, -1) },
  { ops: ['LogSoftmax'], name: 'log-softmax axis 0', inputs: [I('x', [3, 4])], build: ([x]) => op.logSoftmax(x!, 0) },
  {
    ops: ['LayerNormalization'],
    name: 'layer norm',
    inputs: [I('x', [2, 3, 4]), I('s', [4]), I('b', [4])],
    build: ([x, s, b]) => op.layerNorm(x!, s!, b!, { eps: 1e-5 }),
  },
  {
    ops: ['LayerNormalization'],
    name: 'layer norm over two axes',
    inputs: [I('x', [2, 3, 4]), I('s', [3, 4])],
    build: ([x, s]) => op.layerNorm(x!, s!, null, { axis: 1 }),
  },
  { ops: ['Gather'], name: 'gather rows (embedding, repeated ids)', inputs: [I('e', [5, 3]), I('i', [2, 3], { dtype: 'int64', values: [0, 4, 4, 1, 0, 2], diff: false })], build: ([e, i]) => op.gather(e!, i!, 0) },
  { ops: ['Gather'], name: 'gather axis 1', inputs: [I('e', [2, 5, 3]), I('i', [4], { dtype: 'int64', values: [3, 3, 0, 1], diff: false })], build: ([e, i]) => op.gather(e!, i!, 1) },
  {
    ops: ['GatherElements'],
    name: 'gather elements (frame lookup)',
    inputs: [I('e', [2, 4, 3]), I('i', [2, 6, 3], { dtype: 'int64', values: Array.from({ length: 36 }, (_, k) => Math.floor(k / 3) % 4), diff: false })],
    build: ([e, i]) => op.gatherElements(e!, i!, 1),
  },
  { ops: ['Reshape'], name: 'reshape', inputs: [I('x', [2, 3, 4])], build: ([x]) => op.reshape(x!, [6, -1]) },
  { ops: ['Transpose'], name: 'transpose', inputs: [I('x', [2, 3, 4])], build: ([x]) => op.transpose(x!, [2, 0, 1]) },
  { ops: ['Unsqueeze', 'Squeeze'], name: 'unsqueeze/squeeze', inputs: [I('x', [2, 3])], build: ([x]) => op.mul(op.unsqueeze(x!, [0, 2]), op.squeeze(op.unsqueeze(x!, [1]), [1])) },
  { ops: ['Concat'], name: 'concat', inputs: [I('a', [2, 3]), I('b', [2, 2])], build: ([a, b]) => op.concat([a!, b!, a!], 1) },
  { ops: ['Split'], name: 'split (one piece unused)', inputs: [I('a', [2, 6])], build: ([a]) => op.split(a!, [1, 2, 3], 1).slice(1) },
  { ops: ['Slice'], name: 'slice', inputs: [I('a', [3, 6])], build: ([a]) => op.slice(a!, [1, -5], [3, -1], [0, 1]) },
  { ops: ['Slice'], name: 'slice reversal', inputs: [I('a', [2, 4])], build: ([a]) => op.flip(a!, 1) },
  { ops: ['Pad'], name: 'pad', inputs: [I('a', [2, 3])], build: ([a]) => op.pad(a!, [1, 0, 2, 3], 0.5) },
  { ops: ['Expand'], name: 'expand', inputs: [I('a', [3, 1])], build: ([a]) => op.expand(a!, [2, 3, 4]) },
  { ops: ['ReduceSum'], name: 'reduce-sum', inputs: [I('a', [2, 3, 4])], build: ([a]) => op.reduceSum(a!, [0, 2]) },
  { ops: ['ReduceSumSquare'], name: 'reduce-sum-square', inputs: [I('a', [2, 3, 4])], build: ([a]) => op.reduceSumSquare(a!, [1]) },
  { ops: ['ReduceMean'], name: 'reduce-mean keepdims', inputs: [I('a', [2, 3, 4])], build: ([a]) => op.reduceMean(a!, [1], true) },
  { ops: ['ReduceMax'], name: 'reduce-max', inputs: [I('a', [2, 5], { values: away(10, 11) })], build: ([a]) => op.reduceMax(a!, [1]) },
  { ops: ['CumSum'], name: 'cumsum', inputs: [I('a', [2, 5])], build: ([a]) => [op.cumsum(a!, 1), op.cumsum(a!, 1, { exclusive: true, reverse: true })] },
];

for (const c of cases) {
  test(`gradient: ${c.name} [${c.ops.join(', ')}]`, async () => {
    await gradCheck(c.build, c.inputs, c.dtype ? { dtype: c.dtype } : {});
  });
}

test('every differentiable op has a gradient check', () => {
  const covered = new Set(cases.flatMap((c) => c.ops));
  // Ops without a gradient rule (comparisons, integer and shape queries, zero-derivative ops) and
  // internal helpers emitted only by gradient rules are listed explicitly.
  const exempt = new Set([
    'LessOrEqual', 'GreaterOrEqual', 'Xor', 'Sign', 'Floor', 'Ceil', 'Round', 'ReduceMin', 'ReduceProd',
    'StopGradient', 'ScaleGradient', // checked against a closed form in autodiff.test.ts
    'Shape', 'ConstantOfShape', 'ScatterND', 'ScatterElements', 'DynSlice', 'AssertShape', 'Dropout',
  ]);
  const missing = registeredOps().filter((o) => !covered.has(o) && !exempt.has(o));
  if (missing.length) throw new Error(`ops without a gradient check: ${missing.join(', ')}`);
});
