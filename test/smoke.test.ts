import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';

test('onnxruntime-node loads', () => {
  assert.equal(typeof ort.InferenceSession.create, 'function');
});
