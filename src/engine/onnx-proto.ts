// The subset of the ONNX protobuf schema (onnx/onnx.proto, proto2) that we emit, declared through
// protobufjs reflection. Field numbers follow the published schema.
import protobuf from 'protobufjs';

const { Root, Type, Field, OneOf } = protobuf;

function message(name: string, fields: [string, number, string, ('repeated' | 'optional')?][]): protobuf.Type {
  const t = new Type(name);
  for (const [fname, id, type, rule] of fields) t.add(new Field(fname, id, type, rule ?? 'optional'));
  return t;
}

const tensorShapeDim = message('Dimension', [
  ['dimValue', 1, 'int64'],
  ['dimParam', 2, 'string'],
]);
tensorShapeDim.add(new OneOf('value', ['dimValue', 'dimParam']));

const root = new Root().add(
  new protobuf.Namespace('onnx').add(
    message('TensorProto', [
      ['dims', 1, 'int64', 'repeated'],
      ['dataType', 2, 'int32'],
      ['floatData', 4, 'float', 'repeated'],
      ['int32Data', 5, 'int32', 'repeated'],
      ['int64Data', 7, 'int64', 'repeated'],
      ['name', 8, 'string'],
      ['rawData', 9, 'bytes'],
      ['doubleData', 10, 'double', 'repeated'],
    ]),
  )
    .add(message('TensorShapeProto', [['dim', 1, 'Dimension', 'repeated']]).add(tensorShapeDim))
    .add(
      message('TypeProto', [['tensorType', 1, 'Tensor']]).add(
        message('Tensor', [
          ['elemType', 1, 'int32'],
          ['shape', 2, 'TensorShapeProto'],
        ]),
      ),
    )
    .add(
      message('ValueInfoProto', [
        ['name', 1, 'string'],
        ['type', 2, 'TypeProto'],
        ['docString', 3, 'string'],
      ]),
    )
    .add(
      message('AttributeProto', [
        ['name', 1, 'string'],
        ['f', 2, 'float'],
        ['i', 3, 'int64'],
        ['s', 4, 'bytes'],
        ['t', 5, 'TensorProto'],
        ['floats', 7, 'float', 'repeated'],
        ['ints', 8, 'int64', 'repeated'],
        ['type', 20, 'int32'],
      ]),
    )
    .add(
      message('NodeProto', [
        ['input', 1, 'string', 'repeated'],
        ['output', 2, 'string', 'repeated'],
        ['name', 3, 'string'],
        ['opType', 4, 'string'],
        ['attribute', 5, 'AttributeProto', 'repeated'],
        ['docString', 6, 'string'],
        ['domain', 7, 'string'],
      ]),
    )
    .add(
      message('GraphProto', [
        ['node', 1, 'NodeProto', 'repeated'],
        ['name', 2, 'string'],
        ['initializer', 5, 'TensorProto', 'repeated'],
        ['docString', 10, 'string'],
        ['input', 11, 'ValueInfoProto', 'repeated'],
        ['output', 12, 'ValueInfoProto', 'repeated'],
        ['valueInfo', 13, 'ValueInfoProto', 'repeated'],
      ]),
    )
    .add(
      message('OperatorSetIdProto', [
        ['domain', 1, 'string'],
        ['version', 2, 'int64'],
      ]),
    )
    .add(
      message('ModelProto', [
        ['irVersion', 1, 'int64'],
        ['producerName', 2, 'string'],
        ['producerVersion', 3, 'string'],
        ['domain', 4, 'string'],
        ['modelVersion', 5, 'int64'],
        ['docString', 6, 'string'],
        ['graph', 7, 'GraphProto'],
        ['opsetImport', 8, 'OperatorSetIdProto', 'repeated'],
      ]),
    ),
);
root.resolveAll();

export const ModelProto = root.lookupType('onnx.ModelProto');

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;
