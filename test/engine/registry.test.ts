// The op records: every registered op is a standard ONNX op written as itself, or a pseudo-op
// (autodiff, shape assertions) that declares the ONNX op it is written as.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportOnnx, getOp, Graph, gradients, op, registeredOps } from '../../src/engine/index.js';
import { ModelProto } from '../../src/engine/onnx-proto.js';

/** The standard ONNX ops (default domain, opset 18) the engine writes. Only ONNX's own op names belong here. */
const ONNX_OPS = new Set([
  'Abs', 'Add', 'And', 'AveragePool', 'Cast', 'Ceil', 'Clip', 'Concat', 'ConstantOfShape', 'Conv', 'ConvTranspose', 'Cos',
  'CumSum', 'Div', 'Dropout', 'Equal', 'Erf', 'Exp', 'Expand', 'Floor', 'Gather', 'GatherElements', 'Gemm', 'Greater',
  'GreaterOrEqual', 'Identity', 'LayerNormalization', 'LeakyRelu', 'Less', 'LessOrEqual', 'Log', 'LogSoftmax', 'MatMul',
  'Max', 'MaxPool', 'Min', 'Mish', 'Mul', 'Neg', 'Not', 'Or', 'Pad', 'Pow', 'Reciprocal', 'ReduceMax', 'ReduceMean',
  'ReduceMin', 'ReduceProd', 'ReduceSum', 'ReduceSumSquare', 'Relu', 'Reshape', 'Round', 'ScatterElements', 'ScatterND',
  'Shape', 'Sigmoid', 'Sign', 'Sin', 'Slice', 'Softmax', 'Softplus', 'Split', 'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tanh',
  'Transpose', 'Unsqueeze', 'Where', 'Xor',
]);

test('every registered op is a standard ONNX op or declares the ONNX op it is written as', () => {
  const pseudo = registeredOps().filter((t) => getOp(t).exportAs !== undefined);
  const real = registeredOps().filter((t) => getOp(t).exportAs === undefined);
  assert.deepEqual(real.filter((t) => !ONNX_OPS.has(t)), [], 'ops that are neither standard ONNX ops nor declare an exportAs');
  assert.deepEqual([...ONNX_OPS].filter((t) => !real.includes(t)), [], 'listed ONNX ops the registry no longer has');
  for (const t of pseudo) {
    const target = getOp(t).exportAs!;
    assert.ok(real.includes(target), `${t} is written as ${target}, which is not a standard op of the registry`);
  }
  assert.deepEqual(pseudo, ['AssertShape', 'DynSlice', 'ScaleGradient', 'StopGradient']);
});

test('the serialiser writes each pseudo-op as its ONNX op, without its attributes', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 'T']);
  const y = g.input('y', 'float32', ['B', 'T']);
  // Gradients through a Concat over a symbolic axis slice at run time (DynSlice); through a slice
  // that ends before a symbolic end they pad by a run-time amount and assert the shape (AssertShape).
  const joined = op.concat([op.stopGradient(y), op.scaleGradient(x, 0.5), x], 1);
  const loss = op.add(op.reduceSum(op.mul(joined, joined)), op.reduceSum(op.sliceAxis(x, 1, 0, 2)));
  const [gx] = gradients(loss, [x]);
  g.output('gx', gx!);
  const used = new Set(g.nodes.map((n) => n.op));
  for (const t of ['StopGradient', 'ScaleGradient', 'DynSlice', 'AssertShape']) assert.ok(used.has(t), `the test graph has no ${t} node`);

  const model = ModelProto.decode(exportOnnx(g)) as unknown as { graph: { node: { name: string; opType: string; attribute: unknown[] }[] } };
  const written = new Map(model.graph.node.map((n) => [n.name, n]));
  const lowered = new Set<string>();
  for (const node of g.nodes) {
    const proto = written.get(`n${node.id}_${node.op}`);
    if (!proto) continue; // not needed for the outputs
    const exportAs = getOp(node.op).exportAs;
    assert.equal(proto.opType, exportAs ?? node.op);
    if (exportAs) {
      assert.deepEqual(proto.attribute, [], `${node.op} attributes`);
      lowered.add(node.op);
    } else assert.equal(proto.attribute.length, Object.keys(node.attrs).length, `${node.op} attributes`);
  }
  assert.deepEqual([...lowered].sort(), ['AssertShape', 'DynSlice', 'ScaleGradient', 'StopGradient']);
});
