// ai.onnx opsets 6–10 in their own attribute forms, checked against onnxruntime-node where it
// still runs them: each is rewritten to the opset-11 form at import (legacy-opsets.ts).

import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { encodeModel } from '../../src/frontends/onnx/proto.ts';
import { valueInfo } from '../../src/frontends/onnx/writer.ts';
import { check } from './onnx-check.ts';
import { floatAttribute, floatTensor, int64Tensor, intAttribute, intsAttribute, node, onnxModel, stringAttribute, weights, type OnnxSpec } from './onnx-model.ts';

const floatsAttribute = (name: string, floats: readonly number[]): NonNullable<OnnxSpec['nodes'][number]['attribute']>[number] => ({ name, type: 6, floats: [...floats] });

/** Linear interpolation weights are computed in another order than onnxruntime's: a few ulps. */
const INTERPOLATION = { abs: 1e-6, rel: 1e-5 };

describe('opset 9/10 forms', () => {
  it('Slice with starts/ends/axes attributes (opset 9)', async () => {
    await check({
      opset: 9, inputs: [['x', ['N', 4, 6]]], outputs: [['y', ['N', 2, 3]]],
      nodes: [node('Slice', ['x'], 'y', [intsAttribute('starts', [1, 1]), intsAttribute('ends', [3, 100]), intsAttribute('axes', [1, 2])])],
    });
  });

  it('Pad with pads/value attributes (opset 10), constant and reflect', async () => {
    for (const mode of ['constant', 'reflect']) {
      await check({
        opset: 10, inputs: [['x', ['N', 2, 4, 4]]], outputs: [['y', ['N', 2, 6, 7]]],
        nodes: [node('Pad', ['x'], 'y', [intsAttribute('pads', [0, 0, 1, 2, 0, 0, 1, 1]), floatAttribute('value', 0.5), stringAttribute('mode', mode)])],
      });
    }
  });

  it('Clip with min/max attributes (opset 10), one or both given', async () => {
    await check({
      opset: 10, inputs: [['x', ['N', 8]]], outputs: [['y', ['N', 8]], ['z', ['N', 8]]],
      nodes: [
        node('Clip', ['x'], 'y', [floatAttribute('min', -0.5), floatAttribute('max', 1.5)]),
        node('Clip', ['x'], 'z', [floatAttribute('max', 0)]),
      ],
    });
  });

  it('Upsample with a scales input (opset 9) and attribute (opset 7), nearest and linear', async () => {
    for (const mode of ['nearest', 'linear']) {
      await check({
        opset: 9, inputs: [['x', ['N', 2, 3, 4]]], outputs: [['y', ['N', 2, 6, 12]]],
        initializers: [floatTensor('scales', [4], Float32Array.of(1, 1, 2, 3))],
        nodes: [node('Upsample', ['x', 'scales'], 'y', [stringAttribute('mode', mode)])],
      }, 3, INTERPOLATION);
      await check({
        opset: 7, inputs: [['x', ['N', 2, 3, 4]]], outputs: [['y', ['N', 2, 6, 8]]],
        nodes: [node('Upsample', ['x'], 'y', [stringAttribute('mode', mode), floatsAttribute('scales', [1, 1, 2, 2])])],
      }, 3, INTERPOLATION);
    }
  });

  it('Resize with X and scales (opset 10)', async () => {
    await check({
      opset: 10, inputs: [['x', ['N', 2, 3, 4]]], outputs: [['y', ['N', 2, 6, 8]]],
      initializers: [floatTensor('scales', [4], Float32Array.of(1, 1, 2, 2))],
      nodes: [node('Resize', ['x', 'scales'], 'y', [stringAttribute('mode', 'nearest')])],
    });
  });

  it('BatchNormalization with spatial = 1 (opset 7); spatial = 0 is refused', async () => {
    const bn = (spatial: number): OnnxSpec => ({
      opset: 7, inputs: [['x', ['N', 3, 4, 4]]], outputs: [['y', ['N', 3, 4, 4]]],
      initializers: [weights('s', [3], 1), weights('b', [3], 2), weights('m', [3], 3), floatTensor('v', [3], Float32Array.of(0.5, 1, 2))],
      nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], 'y', [intAttribute('spatial', spatial), floatAttribute('epsilon', 1e-3)])],
    });
    await check(bn(1));
    expect(() => importOnnx(onnxModel(bn(0)))).toThrow(/BatchNormalization\): spatial = 0/);
  });

  it('Dropout with is_test and ratio (opset 6; onnxruntime no longer runs it) is the identity', () => {
    const graph = importOnnx(onnxModel({
      opset: 6, inputs: [['x', ['N', 5]]], outputs: [['y', ['N', 5]]],
      nodes: [
        node('Dropout', ['x'], 'd', [intAttribute('is_test', 1), floatAttribute('ratio', 0.3)]),
        node('Elu', ['d'], 'e', [floatAttribute('alpha', 0.7)]),
        node('Relu', ['e'], 'y'),
      ],
    }));
    expect(graph.nodes.map((n) => n.op)).toEqual(['elu', 'relu']);
  });

  it('Conv, MaxPool and AveragePool (opsets 8–10), Softmax coerced at axis 1 (opset 9)', async () => {
    await check({
      opset: 8, inputs: [['x', ['N', 2, 6, 6]]], outputs: [['y', ['N', 18]]],
      initializers: [weights('w', [3, 2, 3, 3], 4), weights('wb', [3], 5)],
      nodes: [
        node('Conv', ['x', 'w', 'wb'], 'c', [intsAttribute('pads', [1, 1, 1, 1])]),
        node('MaxPool', ['c'], 'p', [intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [2, 2])]),
        node('Flatten', ['p'], 'f'),
        node('Softmax', ['f'], 'y'),
      ],
    });
    await check({
      opset: 10, inputs: [['x', ['N', 2, 5, 5]]], outputs: [['y', ['N', 2, 3, 3]]],
      nodes: [node('AveragePool', ['x'], 'y', [intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [2, 2]), intAttribute('ceil_mode', 1)])],
    });
  });

  it('Add with the legacy broadcast attribute (opset 6) and Reshape with a shape attribute (opset 4)', () => {
    const legacy = importOnnx(onnxModel({
      opset: 6, inputs: [['x', ['N', 3, 4]]], outputs: [['y', ['N', 3, 4]]],
      initializers: [weights('b', [4], 1)],
      nodes: [node('Add', ['x', 'b'], 'y', [intAttribute('broadcast', 1)])],
    }));
    expect(legacy.nodes.map((n) => n.op)).toEqual(['const', 'add']);
    expect(() => importOnnx(onnxModel({
      opset: 6, inputs: [['x', ['N', 3, 4]]], outputs: [['y', ['N', 3, 4]]],
      initializers: [weights('b', [3], 1)],
      nodes: [{ ...node('Add', ['x', 'b'], 'y', [intAttribute('broadcast', 1), intAttribute('axis', 1)]), name: 'add' }],
    }))).toThrow(/%add \(Add\): legacy broadcast at axis 1/);
    const reshaped = importOnnx(onnxModel({
      opset: 4, inputs: [['x', ['N', 3, 4]]], outputs: [['y', ['N', 12]]],
      nodes: [node('Reshape', ['x'], 'y', [intsAttribute('shape', [-1, 12])])],
    }));
    expect(reshaped.nodes.at(-1)?.type.shape).toEqual(['N', 12]);
  });

  it('accepts an unused ai.onnx.ml or training domain import', async () => {
    const bytes = encodeModel({
      ir_version: 5,
      opset_import: [{ domain: '', version: 9 }, { domain: 'ai.onnx.ml', version: 2 }, { domain: 'ai.onnx.training', version: 1 }],
      producer_name: 'fusegraph-tests',
      graph: {
        name: 'ml', node: [node('Relu', ['x'], 'y')], initializer: [int64Tensor('unused', [1])],
        input: [valueInfo('x', ['N', 4])], output: [valueInfo('y', ['N', 4])],
      },
    });
    expect(importOnnx(bytes).nodes.map((n) => n.op)).toEqual(['relu']);
  });
});
