// Several symbols through the ONNX importer: dim_param on any axis becomes a symbol, and the
// shape arithmetic exporters build reshape targets with (Shape → Slice → Concat) keeps the
// symbols, so [N, S, 8] → [N, S, 2, 4] stays symbolic; checked against onnxruntime-node.

import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { check } from './onnx-check.ts';
import { intAttribute, intsAttribute, node, onnxModel, shapeTensor, weights } from './onnx-model.ts';

describe('ONNX with several symbols', () => {
  it('keeps N and S through Shape/Slice/Concat reshape targets, a transpose moving S, softmax and mean over S', async () => {
    const graph = await check({
      opset: 17, inputs: [['x', ['N', 'S', 8]]], outputs: [['y', ['N', 2, 4]], ['z', ['N', 'S', 8]]],
      initializers: [shapeTensor('zero', [0]), shapeTensor('two', [2]), shapeTensor('heads', [2, 4]), shapeTensor('flat', [0, 0, -1]), weights('w', [8, 8], 3)],
      nodes: [
        node('MatMul', ['x', 'w'], 'h'),
        node('Shape', ['h'], 's'), node('Slice', ['s', 'zero', 'two', 'zero'], 'ns'), node('Concat', ['ns', 'heads'], 'target', [intAttribute('axis', 0)]),
        node('Reshape', ['h', 'target'], 'r'), node('Transpose', ['r'], 't', [intsAttribute('perm', [0, 2, 1, 3])]),
        node('Softmax', ['t'], 'p', [intAttribute('axis', 2)]), node('ReduceMean', ['p'], 'y', [intsAttribute('axes', [2]), intAttribute('keepdims', 0)]),
        node('Transpose', ['p'], 'back', [intsAttribute('perm', [0, 2, 1, 3])]), node('Reshape', ['back', 'flat'], 'z'),
      ],
    });
    const types = new Map(graph.nodes.map((n) => [n.name, n.type.shape.join(',')]));
    expect(types.get('r')).toBe('N,S,2,4');
    expect(types.get('t')).toBe('N,2,S,4');
    expect(types.get('z')).toBe('N,S,8');
  });

  it('moves two symbols through Unsqueeze, Squeeze and a Gather of one row (PyTorch 2.x\'s packed q, k, v) and reads a -1 that is a number', async () => {
    // [N, S, 6] → unflatten(-1, (3, 2)) → unsqueeze(0) → transpose(0, -2) → squeeze(-2) → [3, N, S, 2], then proj[1].
    const graph = await check({
      opset: 17, inputs: [['x', ['N', 'S', 6]]], outputs: [['y', ['N', 'S', 2]], ['z', ['N', 2, 1, 'S']]],
      initializers: [
        shapeTensor('zero', [0]), shapeTensor('two', [2]), shapeTensor('split', [3, 2]), shapeTensor('axis0', [0]), shapeTensor('axis3', [3]),
        { ...shapeTensor('row', [1]), dims: [] }, shapeTensor('one', [1]), shapeTensor('heads', [2, -1]),
      ],
      nodes: [
        node('Shape', ['x'], 's'), node('Slice', ['s', 'zero', 'two', 'zero'], 'ns'), node('Concat', ['ns', 'split'], 'target', [intAttribute('axis', 0)]),
        node('Reshape', ['x', 'target'], 'r'), node('Unsqueeze', ['r', 'axis0'], 'u'), node('Transpose', ['u'], 't', [intsAttribute('perm', [3, 1, 2, 0, 4])]),
        node('Squeeze', ['t', 'axis3'], 'q'), node('Gather', ['q', 'row'], 'y', [intAttribute('axis', 0)]),
        // [N, S, 2] → [N, 2, S] → [N, 2, -1, S]: the -1 is 1.
        node('Transpose', ['y'], 'yt', [intsAttribute('perm', [0, 2, 1])]), node('Slice', ['s', 'zero', 'one', 'zero'], 'n'), node('Slice', ['s', 'one', 'two', 'zero'], 'sl'),
        node('Concat', ['n', 'heads', 'sl'], 'ztarget', [intAttribute('axis', 0)]), node('Reshape', ['yt', 'ztarget'], 'z'),
      ],
    });
    const types = new Map(graph.nodes.map((n) => [n.name, n.type.shape.join(',')]));
    expect(types.get('u')).toBe('1,N,S,3,2');
    expect(types.get('q')).toBe('3,N,S,2');
    expect(types.get('y')).toBe('N,S,2');
    expect(types.get('z')).toBe('N,2,1,S');
  });

  it('names moved symbols in the IR target, and refuses a -1 it cannot derive beside them', () => {
    const model = (last: string): Uint8Array => onnxModel({
      opset: 17, inputs: [['x', ['N', 'S', 8]]], outputs: [['y', ['S', 'N', 8]]],
      initializers: [shapeTensor('one', [1]), shapeTensor('zero', [0]), shapeTensor('two', [2]), shapeTensor('eight', [8]), shapeTensor('minus', [-1]), shapeTensor('three', [3])],
      nodes: [
        node('Shape', ['x'], 's'), node('Slice', ['s', 'one', 'two', 'zero'], 'sl'), node('Slice', ['s', 'zero', 'one', 'zero'], 'n'),
        node('Concat', last === 'eight' ? ['sl', 'n', 'eight'] : ['sl', 'minus', 'three'], 'target', [intAttribute('axis', 0)]), node('Reshape', ['x', 'target'], 'y'),
      ],
    });
    const graph = importOnnx(model('eight'));
    const y = graph.nodes.find((n) => n.name === 'y');
    expect([y?.type.shape, y?.attrs['shape']]).toEqual([['S', 'N', 8], ['S', 'N', 8]]);
    expect(() => importOnnx(model('three'))).toThrow(/cannot derive the target \[S,-1,3\] of \[N,S,8\] from the symbols/);
  });
});

describe('ONNX with symbols fixed at import', () => {
  it('turns shape arithmetic over a symbol into a multiple (N·heads: 2*N) or, fixed, into sizes; refuses an unknown one', () => {
    // As nn.MultiheadAttention exports [S, N, E] → [S, N·H, D]: Mul of the batch by the heads.
    const model = onnxModel({
      opset: 17, inputs: [['x', ['S', 'N', 8]]], outputs: [['y', ['S', 'H', 4]]],
      initializers: [shapeTensor('zero', [0]), shapeTensor('one', [1]), shapeTensor('two', [2]), shapeTensor('heads', [2]), shapeTensor('d', [4])],
      nodes: [
        node('Shape', ['x'], 's'), node('Slice', ['s', 'zero', 'one', 'zero'], 'seq'), node('Slice', ['s', 'one', 'two', 'zero'], 'batch'),
        node('Mul', ['batch', 'heads'], 'bh'), node('Concat', ['seq', 'bh', 'd'], 'target', [intAttribute('axis', 0)]), node('Reshape', ['x', 'target'], 'y'),
      ],
    });
    expect(importOnnx(model).nodes.find((n) => n.name === 'y')?.type.shape).toEqual(['S', '2*N', 4]);
    const fixed = importOnnx(model, { dims: { N: 3 } });
    expect(fixed.nodes.find((n) => n.name === 'y')?.type.shape).toEqual(['S', 6, 4]);
    expect(() => importOnnx(model, { dims: { T: 3 } })).toThrow(/cannot fix T: the model has no symbol T/);
  });
});
