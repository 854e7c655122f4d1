// The CNN ops of the ONNX importer (Conv, ConvTranspose, pooling, global pooling, Reduce*,
// Clip/HardSigmoid/HardSwish) in every attribute form exporters write, built by hand and
// checked against onnxruntime-node: import + interpreter must agree with it.

import { describe, expect, it } from 'vitest';
import type { Shape } from '../../ir/types.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { check } from './onnx-check.ts';
import { floatAttribute, floatTensor, intAttribute, intsAttribute, node, onnxModel, shapeTensor, stringAttribute, weights } from './onnx-model.ts';

type Attribute = Parameters<typeof node>[3];

/** One Conv (or ConvTranspose) node on x: weight `w` of `wShape`, optional bias of `bias` values. */
async function convCase(op: 'Conv' | 'ConvTranspose', x: Shape, wShape: number[], out: Shape, attrs: Attribute, bias?: number, opset = 17): Promise<void> {
  const initializers = [weights('w', wShape, 11), ...(bias === undefined ? [] : [weights('b', [bias], 12)])];
  await check({
    opset, inputs: [['x', x]], outputs: [['y', out]], initializers,
    nodes: [node(op, bias === undefined ? ['x', 'w'] : ['x', 'w', 'b'], 'y', attrs)],
  }, 2);
}

describe('Conv', () => {
  it('2-D with bias, asymmetric pads, strides, dilations and groups', async () => {
    await convCase('Conv', ['N', 4, 9, 8], [6, 2, 3, 2], ['N', 6, 5, 7], [
      intsAttribute('kernel_shape', [3, 2]), intsAttribute('strides', [2, 1]), intsAttribute('pads', [1, 0, 2, 1]),
      intsAttribute('dilations', [1, 2]), intAttribute('group', 2),
    ], 6);
  });

  it('depthwise without bias, and 1-D with stride and dilation (opsets 11 and 21)', async () => {
    await convCase('Conv', ['N', 3, 7, 7], [3, 1, 3, 3], ['N', 3, 7, 7], [intAttribute('group', 3), intsAttribute('pads', [1, 1, 1, 1])]);
    await convCase('Conv', ['N', 2, 15], [4, 2, 3], ['N', 4, 6], [intsAttribute('strides', [2]), intsAttribute('dilations', [2])], 4, 11);
    await convCase('Conv', ['N', 2, 15], [4, 2, 3], ['N', 4, 6], [intsAttribute('strides', [2]), intsAttribute('dilations', [2])], 4, 21);
  });

  for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
    it(`auto_pad ${autoPad} with stride 2 and an even kernel (odd total padding)`, async () => {
      const out = autoPad === 'VALID' ? 4 : 5;
      await convCase('Conv', ['N', 2, 9, 10], [3, 2, 2, 4], ['N', 3, out, out], [stringAttribute('auto_pad', autoPad), intsAttribute('strides', [2, 2])], 3);
    });
  }

  it('SAME_UPPER with dilation (as PyTorch exports padding="same") resolves to symmetric pads', () => {
    // onnxruntime refuses dilation with auto_pad; the PyTorch fixture ops_conv checks the values.
    const graph = importOnnx(onnxModel({
      inputs: [['x', ['N', 2, 6, 5]]], outputs: [['y', ['N', 2, 6, 5]]], initializers: [weights('w', [2, 2, 3, 3], 1)],
      nodes: [node('Conv', ['x', 'w'], 'y', [stringAttribute('auto_pad', 'SAME_UPPER'), intsAttribute('dilations', [2, 2])])],
    }));
    expect(graph.nodes.find((n) => n.op === 'conv')?.attrs['pads']).toEqual([2, 2, 2, 2]);
  });

});

describe('ConvTranspose', () => {
  it('strides, pads, output_padding, groups and bias (2-D)', async () => {
    await convCase('ConvTranspose', ['N', 4, 5, 4], [4, 3, 3, 3], ['N', 6, 10, 8], [
      intsAttribute('strides', [2, 2]), intsAttribute('pads', [1, 1, 1, 1]), intsAttribute('output_padding', [1, 1]), intAttribute('group', 2),
    ], 6);
  });

  it('1-D with dilation, no bias', async () => {
    await convCase('ConvTranspose', ['N', 3, 6], [3, 2, 3], ['N', 2, 15], [intsAttribute('strides', [2]), intsAttribute('dilations', [2])]);
  });

  it('output_shape resolved to pads (odd total padding, and with output_padding)', async () => {
    await convCase('ConvTranspose', ['N', 2, 4, 5], [2, 3, 3, 3], ['N', 3, 8, 9], [intsAttribute('strides', [2, 2]), intsAttribute('output_shape', [8, 9])], 3);
    await convCase('ConvTranspose', ['N', 2, 4, 5], [2, 3, 3, 3], ['N', 3, 7, 10], [
      intsAttribute('strides', [2, 2]), intsAttribute('output_shape', [7, 10]), intsAttribute('output_padding', [0, 1]),
    ]);
  });

  for (const autoPad of ['SAME_UPPER', 'SAME_LOWER']) {
    it(`auto_pad ${autoPad} (output = input · stride)`, async () => {
      await convCase('ConvTranspose', ['N', 2, 4, 3], [2, 2, 4, 3], ['N', 2, 8, 6], [stringAttribute('auto_pad', autoPad), intsAttribute('strides', [2, 2])], 2);
    });
  }
});

describe('MaxPool and AveragePool', () => {
  const poolCase = async (op: string, x: Shape, out: Shape, attrs: Attribute, opset = 17): Promise<void> => {
    await check({ opset, inputs: [['x', x]], outputs: [['y', out]], nodes: [node(op, ['x'], 'y', attrs)] }, 2);
  };

  it('MaxPool with pads, strides, dilations, ceil_mode; 1-D', async () => {
    await poolCase('MaxPool', ['N', 3, 11, 10], ['N', 3, 6, 3], [
      intsAttribute('kernel_shape', [3, 2]), intsAttribute('strides', [2, 3]), intsAttribute('pads', [1, 0, 1, 1]), intsAttribute('dilations', [1, 2]),
    ]);
    await poolCase('MaxPool', ['N', 3, 11, 10], ['N', 3, 5, 5], [intsAttribute('kernel_shape', [3, 3]), intsAttribute('strides', [2, 2]), intAttribute('ceil_mode', 1)]);
    await poolCase('MaxPool', ['N', 2, 9], ['N', 2, 4], [intsAttribute('kernel_shape', [2]), intsAttribute('strides', [2])], 11);
  });

  for (const include of [0, 1]) {
    it(`AveragePool count_include_pad ${include}, with ceil_mode`, async () => {
      await poolCase('AveragePool', ['N', 2, 7, 8], ['N', 2, 4, 4], [
        intsAttribute('kernel_shape', [3, 3]), intsAttribute('strides', [2, 2]), intsAttribute('pads', [1, 1, 1, 1]), intAttribute('count_include_pad', include),
      ]);
      await poolCase('AveragePool', ['N', 2, 7, 8], ['N', 2, 4, 4], [
        intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [2, 2]), intAttribute('ceil_mode', 1), intAttribute('count_include_pad', include),
      ]);
    });
  }

  it('auto_pad SAME_UPPER and VALID on pools', async () => {
    await poolCase('MaxPool', ['N', 2, 7, 8], ['N', 2, 4, 4], [intsAttribute('kernel_shape', [3, 3]), intsAttribute('strides', [2, 2]), stringAttribute('auto_pad', 'SAME_UPPER')]);
    await poolCase('AveragePool', ['N', 2, 7, 8], ['N', 2, 3, 3], [intsAttribute('kernel_shape', [3, 3]), intsAttribute('strides', [2, 2]), stringAttribute('auto_pad', 'VALID')]);
  });

  it('GlobalAveragePool and GlobalMaxPool become reductions over the spatial axes', async () => {
    const graph = await check({
      inputs: [['x', ['N', 3, 5, 4]], ['v', ['N', 2, 7]]], outputs: [['a', ['N', 3, 1, 1]], ['m', ['N', 3, 1, 1]], ['g', ['N', 2, 1]]],
      nodes: [node('GlobalAveragePool', ['x'], 'a'), node('GlobalMaxPool', ['x'], 'm'), node('GlobalAveragePool', ['v'], 'g')],
    });
    expect(graph.nodes.map((n) => [n.op, n.attrs['axes']])).toEqual([['reduce_mean', [2, 3]], ['reduce_max', [2, 3]], ['reduce_mean', [2]]]);
  });
});

describe('Reduce*', () => {
  it('axes as an attribute before opset 18 (ReduceSum: as an input from 13), keepdims 0 and 1', async () => {
    await check({
      opset: 13, inputs: [['x', ['N', 3, 4, 5]]], outputs: [['a', ['N', 3]], ['b', ['N', 3, 1, 5]], ['c', ['N', 1, 4, 1]], ['d', ['N', 4]]],
      initializers: [shapeTensor('sum_axes', [1, 3])],
      nodes: [
        node('ReduceMean', ['x'], 'a', [intsAttribute('axes', [2, -1]), intAttribute('keepdims', 0)]),
        node('ReduceMax', ['x'], 'b', [intsAttribute('axes', [2])]),
        node('ReduceMin', ['x'], 'c', [intsAttribute('axes', [1, 3])]),
        node('ReduceSum', ['x', 'sum_axes'], 'd', [intAttribute('keepdims', 0)]),
      ],
    });
  });

  it('ReduceSum with axes as an attribute at opset 11', async () => {
    await check({
      opset: 11, inputs: [['x', ['N', 3, 4]]], outputs: [['y', ['N', 1, 4]]],
      nodes: [node('ReduceSum', ['x'], 'y', [intsAttribute('axes', [1])])],
    });
  });

  it('axes as an input from opset 18; no axes reduces everything; noop_with_empty_axes', async () => {
    await check({
      opset: 18, inputs: [['x', [2, 3, 4]]], outputs: [['a', [2, 1, 4]], ['b', [1, 1, 1]], ['c', [2, 3, 4]]],
      initializers: [shapeTensor('axes', [1])],
      nodes: [
        node('ReduceMean', ['x', 'axes'], 'a'), node('ReduceMax', ['x'], 'b'),
        node('ReduceSum', ['x'], 'c0', [intAttribute('noop_with_empty_axes', 1)]), node('Relu', ['c0'], 'c'),
      ],
    });
  });
});

describe('bounded activations', () => {
  it('Clip with min and max inputs (ReLU6), only max, neither', async () => {
    const graph = await check({
      inputs: [['x', ['N', 6]]], outputs: [['a', ['N', 6]], ['b', ['N', 6]], ['c', ['N', 6]]],
      initializers: [floatTensor('zero', [], Float32Array.of(0)), floatTensor('six', [], Float32Array.of(6)), floatTensor('one', [], Float32Array.of(1))],
      nodes: [node('Clip', ['x', 'zero', 'six'], 'a'), node('Clip', ['x', '', 'one'], 'b'), node('Clip', ['x'], 'c')],
    });
    expect(graph.nodes.find((n) => n.name === 'a')?.attrs).toEqual({ min: 0, max: 6 });
  });

  it('HardSigmoid (defaults and PyTorch\'s alpha 1/6) and HardSwish', async () => {
    await check({
      opset: 14, inputs: [['x', ['N', 3, 4]]], outputs: [['a', ['N', 3, 4]], ['b', ['N', 3, 4]], ['c', ['N', 3, 4]]],
      nodes: [node('HardSigmoid', ['x'], 'a'), node('HardSigmoid', ['x'], 'b', [floatAttribute('alpha', 1 / 6)]), node('HardSwish', ['x'], 'c')],
    });
  });
});
