// Region and resampling ops of the ONNX importer (Concat, Slice, Split, Pad, Resize) and the
// shape arithmetic torchvision exports wrap around them (channel shuffle, chunk, F.pad),
// built by hand and checked against onnxruntime-node.

import { describe, expect, it } from 'vitest';
import type { Shape } from '../../ir/types.ts';
import { DataType } from '../../src/frontends/onnx/proto.ts';
import { check } from './onnx-check.ts';
import { floatTensor, int64Of, intAttribute, intsAttribute, node, shapeTensor, stringAttribute, weights } from './onnx-model.ts';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const scalar = (name: string, value: number): ReturnType<typeof shapeTensor> => ({ name, dims: [], data_type: DataType.INT64, int64_data: [value] });
/** Linear resampling sums two weighted taps per axis in a different order than onnxruntime. */
const RESAMPLING = { abs: 1e-6, rel: 1e-5 };

describe('Concat, Slice and Split', () => {
  it('Concat along channels and along the last axis, a constant operand included', async () => {
    await check({
      inputs: [['a', ['N', 2, 3]], ['b', ['N', 4, 3]]], outputs: [['y', ['N', 6, 3]]],
      nodes: [node('Concat', ['a', 'b'], 'y', [intAttribute('axis', 1)])],
    });
    await check({
      inputs: [['a', [2, 2, 3]]], outputs: [['z', [2, 2, 5]]], initializers: [weights('c', [2, 2, 2], 3)],
      nodes: [node('Concat', ['a', 'c'], 'z0', [intAttribute('axis', -1)]), node('Relu', ['z0'], 'z')],
    });
  });

  it('Slice with negative starts, negative steps, INT64 extremes, omitted axes and steps, and a whole-batch axis', async () => {
    const graph = await check({
      opset: 13, inputs: [['x', ['N', 4, 7, 9]]], outputs: [['a', [2, 2, 7, 9]], ['b', ['N', 4, 4, 3]], ['c', ['N', 4, 7, 9]], ['d', ['N', 4, 3, 4]]],
      initializers: [
        shapeTensor('s1', [-3]), shapeTensor('e1', [-1]), shapeTensor('ax1', [1]),
        int64Of('s2', [2], [-1n, 0n]), int64Of('e2', [2], [INT64_MIN, INT64_MAX]), shapeTensor('ax2', [2, 3]), shapeTensor('st2', [-2, 3]),
        int64Of('s3', [1], [0n]), int64Of('e3', [1], [INT64_MAX]), shapeTensor('ax3', [0]),
        shapeTensor('s4', [1, 0, 1]), shapeTensor('e4', [10, 7, 9]), shapeTensor('ax4', [2, 1, 3]), shapeTensor('st4', [2, 1, 2]),
      ],
      nodes: [
        node('Slice', ['x', 's1', 'e1', 'ax1'], 'a'), node('Slice', ['x', 's2', 'e2', 'ax2', 'st2'], 'b'),
        node('Slice', ['x', 's3', 'e3', 'ax3'], 'c0'), node('Relu', ['c0'], 'c'), node('Slice', ['x', 's4', 'e4', 'ax4', 'st4'], 'd'),
      ],
    }, 2);
    expect(graph.nodes.find((n) => n.name === 'b')?.attrs).toMatchObject({ starts: [-1, 0], ends: [-8, 9] });
    expect(graph.nodes.find((n) => n.name === 'c0')?.op).toBe('identity');
  });

  it('Split: `split` attribute (opset 11), input (13), equal parts, num_outputs with a short last part (18)', async () => {
    await check({
      opset: 11, inputs: [['x', ['N', 4, 6]]], outputs: [['a', ['N', 1, 6]], ['b', ['N', 3, 6]], ['c', ['N', 4, 2]], ['d', ['N', 4, 4]]],
      nodes: [node('Split', ['x'], 'a', [intAttribute('axis', 1), intsAttribute('split', [1, 3])]), node('Split', ['x'], 'c', [intAttribute('axis', 2)])]
        .map((n, i) => ({ ...n, output: i === 0 ? ['a', 'b'] : ['c', 'p', 'q'] })).concat([node('Concat', ['p', 'q'], 'd', [intAttribute('axis', 2)])]),
    }, 2);
    await check({
      opset: 13, inputs: [['x', ['N', 5, 3]]], outputs: [['a', ['N', 2, 3]], ['b', ['N', 3, 3]]],
      initializers: [shapeTensor('sizes', [2, 3])],
      nodes: [{ ...node('Split', ['x', 'sizes'], 'a', [intAttribute('axis', -2)]), output: ['a', 'b'] }],
    }, 2);
    await check({
      opset: 18, inputs: [['x', ['N', 3, 7]]], outputs: [['a', ['N', 3, 3]], ['b', ['N', 3, 3]], ['c', ['N', 3, 1]]],
      nodes: [{ ...node('Split', ['x'], 'a', [intAttribute('axis', 2), intAttribute('num_outputs', 3)]), output: ['a', 'b', 'c'] }],
    }, 2);
  });
});

describe('Pad', () => {
  for (const mode of ['constant', 'reflect', 'edge']) {
    it(`mode ${mode} with pads and constant_value as inputs`, async () => {
      await check({
        opset: 11, inputs: [['x', ['N', 2, 4, 5]]], outputs: [['y', ['N', 2, 7, 8]]],
        initializers: [shapeTensor('pads', [0, 0, 1, 2, 0, 0, 2, 1]), floatTensor('v', [], Float32Array.of(1.5))],
        nodes: [node('Pad', mode === 'constant' ? ['x', 'pads', 'v'] : ['x', 'pads'], 'y', [stringAttribute('mode', mode)])],
      }, 2);
    });
  }

  it('axes input (opset 18) and negative pads, which crop', async () => {
    await check({
      opset: 18, inputs: [['x', ['N', 2, 4, 5]]], outputs: [['y', ['N', 2, 3, 6]], ['z', ['N', 1, 4, 5]]],
      initializers: [shapeTensor('pads', [-1, 1, 2, -2]), shapeTensor('axes', [3, 2]), shapeTensor('crop', [0, 0, 0, 0, 0, -1, 0, 0])],
      nodes: [node('Pad', ['x', 'pads', '', 'axes'], 'y', [stringAttribute('mode', 'edge')]), node('Pad', ['x', 'crop'], 'z')],
    }, 2);
  });
});

describe('Resize', () => {
  const resize = (opset: number, inputs: string[], attrs: Parameters<typeof node>[3], out: Shape, initializers: ReturnType<typeof weights>[]): Promise<unknown> =>
    check({ opset, inputs: [['x', [2, 2, 5, 4]]], outputs: [['y', out]], initializers, nodes: [node('Resize', ['x', ...inputs], 'y', attrs)] }, 2, RESAMPLING);
  const scales = (values: number[]): ReturnType<typeof weights> => floatTensor('scales', [values.length], Float32Array.from(values));
  const empty = floatTensor('roi', [0], new Float32Array(0));

  it('opset 11: roi and scales inputs, nearest asymmetric floor and linear half_pixel / align_corners', async () => {
    const nearest = [stringAttribute('mode', 'nearest'), stringAttribute('coordinate_transformation_mode', 'asymmetric'), stringAttribute('nearest_mode', 'floor')];
    await resize(11, ['roi', 'scales'], nearest, [2, 2, 10, 8], [empty, scales([1, 1, 2, 2])]);
    for (const coordinate of ['half_pixel', 'align_corners', 'pytorch_half_pixel', 'asymmetric']) {
      await resize(11, ['roi', 'scales'], [stringAttribute('mode', 'linear'), stringAttribute('coordinate_transformation_mode', coordinate)], [2, 2, 15, 8], [empty, scales([1, 1, 3, 2])]);
    }
  });

  it('opset 13: sizes only (upsampling and downsampling), default nearest round_prefer_floor, round_prefer_ceil', async () => {
    await resize(13, ['', '', 'sizes'], [], [2, 2, 7, 9], [shapeTensor('sizes', [2, 2, 7, 9])]);
    await resize(13, ['', '', 'sizes'], [stringAttribute('nearest_mode', 'round_prefer_ceil')], [2, 2, 3, 2], [shapeTensor('sizes', [2, 2, 3, 2])]);
    await resize(13, ['', '', 'sizes'], [stringAttribute('mode', 'linear')], [2, 2, 3, 6], [shapeTensor('sizes', [2, 2, 3, 6])]);
    await resize(13, ['', 'scales'], [stringAttribute('mode', 'linear')], [2, 2, 10, 2], [scales([1, 1, 2, 0.5])]);
  });

  it('sizes computed from Shape with a symbolic batch (as F.interpolate(size=...) exports), and opset 11\'s roi, empty scales, sizes', async () => {
    await check({
      opset: 13, inputs: [['x', ['N', 2, 5, 4]]], outputs: [['y', ['N', 2, 8, 6]]],
      initializers: [shapeTensor('zero', [0]), shapeTensor('two', [2]), shapeTensor('hw', [8, 6])],
      nodes: [
        node('Shape', ['x'], 's'), node('Slice', ['s', 'zero', 'two', 'zero'], 'nc'), node('Concat', ['nc', 'hw'], 'sizes', [intAttribute('axis', 0)]),
        node('Resize', ['x', '', '', 'sizes'], 'y', [stringAttribute('mode', 'linear'), stringAttribute('coordinate_transformation_mode', 'pytorch_half_pixel')]),
      ],
    }, 2, RESAMPLING);
    await resize(11, ['roi', 'roi', 'sizes'], [stringAttribute('mode', 'linear')], [2, 2, 6, 3], [empty, shapeTensor('sizes', [2, 2, 6, 3])]);
  });

  it('opset 18: axes attribute and keep_aspect_ratio_policy', async () => {
    await resize(18, ['', 'scales'], [intsAttribute('axes', [2, 3]), stringAttribute('mode', 'linear')], [2, 2, 10, 8], [scales([2, 2])]);
    await resize(18, ['', '', 'sizes'], [intsAttribute('axes', [2, 3]), stringAttribute('keep_aspect_ratio_policy', 'not_larger')], [2, 2, 10, 8], [shapeTensor('sizes', [10, 10])]);
    await resize(18, ['', '', 'sizes'], [intsAttribute('axes', [3, 2]), stringAttribute('keep_aspect_ratio_policy', 'not_smaller')], [2, 2, 13, 10], [shapeTensor('sizes', [10, 10])]);
  });
});

describe('shape arithmetic as torchvision exports it', () => {
  it('channel shuffle: Shape, Gather, Div, Unsqueeze, Concat into a rank-5 Reshape and Transpose', async () => {
    const dims = ['n', 'c', 'h', 'w'];
    const graph = await check({
      opset: 13, inputs: [['x', ['N', 6, 3, 4]]], outputs: [['y', ['N', 6, 3, 4]]],
      initializers: [...dims.map((d, i) => scalar(`i_${d}`, i)), scalar('two', 2), shapeTensor('ax0', [0]), shapeTensor('groups', [2]), shapeTensor('minus1', [-1])],
      nodes: [
        node('Shape', ['x'], 's'), ...dims.map((d) => node('Gather', ['s', `i_${d}`], d)),
        node('Div', ['c', 'two'], 'cpg'), ...[...dims, 'cpg'].map((d) => node('Unsqueeze', [d, 'ax0'], `${d}1`)),
        node('Concat', ['n1', 'groups', 'cpg1', 'h1', 'w1'], 'shape5', [intAttribute('axis', 0)]), node('Reshape', ['x', 'shape5'], 'r5'),
        node('Transpose', ['r5'], 't5', [intsAttribute('perm', [0, 2, 1, 3, 4])]),
        node('Concat', ['n1', 'minus1', 'h1', 'w1'], 'shape4', [intAttribute('axis', 0)]), node('Reshape', ['t5', 'shape4'], 'y'),
      ],
    }, 2);
    expect(graph.nodes.find((n) => n.name === 'r5')?.type.shape).toEqual(['N', 2, 3, 3, 4]);
  });

  it('chunk: Slice bounds from Shape, Gather, Add, Div, Mul; a slice up to the batch size keeps the batch', async () => {
    await check({
      opset: 13, inputs: [['x', ['N', 5, 3]]], outputs: [['a', ['N', 3, 3]], ['b', ['N', 2, 3]], ['whole', ['N', 5, 3]]],
      initializers: [shapeTensor('one', [1]), shapeTensor('two', [2]), shapeTensor('zero', [0])],
      nodes: [
        node('Shape', ['x'], 's'), node('Gather', ['s', 'one'], 'c'), node('Add', ['c', 'one'], 'c1'), node('Div', ['c1', 'two'], 'half'),
        node('Mul', ['half', 'one'], 'end0'), node('Mul', ['half', 'two'], 'end1'),
        node('Slice', ['x', 'zero', 'end0', 'one'], 'a'), node('Slice', ['x', 'end0', 'end1', 'one'], 'b'),
        node('Slice', ['s', 'zero', 'one'], 'n'), node('Slice', ['x', 'zero', 'n', 'zero'], 'c0'), node('Relu', ['c0'], 'whole'),
      ],
    }, 2);
  });

  it('F.pad: pads built by ConstantOfShape, Concat, Reshape, Slice (INT64_MIN end), Transpose, Cast', async () => {
    const fill = { name: 'value', type: 4, t: { ...shapeTensor('', [0]), dims: [1] } };
    await check({
      opset: 13, inputs: [['x', ['N', 2, 4, 5]]], outputs: [['y', ['N', 2, 6, 8]]],
      initializers: [
        shapeTensor('four', [4]), shapeTensor('given', [1, 2, 1, 0]), shapeTensor('pairs', [-1, 2]), shapeTensor('zero', [0]),
        shapeTensor('minus1', [-1]), int64Of('end', [1], [INT64_MIN + 1n]),
      ],
      nodes: [
        { ...node('ConstantOfShape', ['four'], 'zeros'), attribute: [fill] }, node('Concat', ['given', 'zeros'], 'all', [intAttribute('axis', 0)]),
        node('Reshape', ['all', 'pairs'], 'p2'), node('Slice', ['p2', 'minus1', 'end', 'zero', 'minus1'], 'rev'),
        node('Transpose', ['rev'], 'tr', [intsAttribute('perm', [1, 0])]), node('Reshape', ['tr', 'minus1'], 'flat'),
        node('Cast', ['flat'], 'pads', [intAttribute('to', 7)]), node('Pad', ['x', 'pads'], 'y', [stringAttribute('mode', 'reflect')]),
      ],
    }, 2);
  });
});
