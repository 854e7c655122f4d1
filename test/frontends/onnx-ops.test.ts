// Each supported ONNX op, in the forms exporters write it, built by hand and checked
// against onnxruntime-node: fusegraph's import, run by the interpreter, must agree.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import type { Shape } from '../../ir/types.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { DataType } from '../../src/frontends/onnx/proto.ts';
import { Random } from '../../src/random.ts';
import { check } from './onnx-check.ts';
import {
  floatAttribute, floatTensor, intAttribute, intsAttribute, node, onnxModel, shapeTensor, stringAttribute, weights, type OnnxSpec,
} from './onnx-model.ts';

const x2 = (features: number): [string, Shape] => ['x', ['N', features]];

describe('Gemm', () => {
  it('folds alpha, beta and transB = 0 into a linear with a bias vector', async () => {
    const graph = await check({
      inputs: [x2(5)], outputs: [['y', ['N', 4]]],
      initializers: [weights('B', [5, 4], 1), weights('C', [4], 2)],
      nodes: [node('Gemm', ['x', 'B', 'C'], 'y', [floatAttribute('alpha', 0.5), floatAttribute('beta', 2)])],
    });
    expect(graph.nodes.map((n) => n.op)).toEqual(['const', 'const', 'linear']);
  });

  it('handles transA, a computed B and a matrix C', async () => {
    await check({
      inputs: [['a', [5, 3]], ['b', [4, 5]]], outputs: [['y', [3, 4]]],
      initializers: [weights('C', [3, 4], 3)],
      nodes: [node('Gemm', ['a', 'b', 'C'], 'y', [intAttribute('transA', 1), intAttribute('transB', 1), floatAttribute('alpha', 1.5)])],
    });
  });

  it('broadcasts a scalar C and works without C', async () => {
    await check({
      inputs: [x2(6)], outputs: [['y', ['N', 2]], ['z', ['N', 2]]],
      initializers: [weights('W', [2, 6], 4), weights('c', [1], 5)],
      nodes: [node('Gemm', ['x', 'W', 'c'], 'y', [intAttribute('transB', 1)]), node('Gemm', ['x', 'W'], 'z', [intAttribute('transB', 1)])],
    });
  });

  it('reports mismatched shapes naming the node and op', () => {
    const bytes = onnxModel({
      inputs: [x2(784)], outputs: [['y', ['N', 10]]],
      initializers: [weights('fc.weight', [10, 50], 1)],
      nodes: [{ ...node('Gemm', ['x', 'fc.weight'], 'y', [intAttribute('transB', 1)]), name: 'fc' }],
    });
    expect(() => importOnnx(bytes)).toThrow(/%fc \(Gemm\): weight f32\[10,50\] needs input f32\[\*,50\], got f32\[N,784\]/);
  });
});

describe('MatMul and elementwise ops', () => {
  it('imports MatMul by a constant as linear, MatMul of two values as matmul', async () => {
    const graph = await check({
      inputs: [['x', ['N', 2, 6]], ['m', [6, 3]]], outputs: [['y', ['N', 2, 4]], ['z', ['N', 2, 3]]],
      initializers: [weights('W', [6, 4], 1), weights('b', [4], 2)],
      nodes: [node('MatMul', ['x', 'W'], 'p'), node('Add', ['p', 'b'], 'y'), node('MatMul', ['x', 'm'], 'z')],
    });
    expect(graph.nodes.map((n) => n.op)).toContain('matmul');
    expect(graph.nodes.find((n) => n.name === 'p')?.op).toBe('linear');
  });

  it('maps Sub, Mul, Div with broadcasting and the unary math ops', async () => {
    await check({
      inputs: [['x', ['N', 3, 4]], ['v', [4]]], outputs: [['y', ['N', 3, 4]]],
      initializers: [weights('s', [3, 1], 7)],
      nodes: [
        node('Sub', ['x', 'v'], 'a'), node('Mul', ['a', 's'], 'b'), node('Abs', ['b'], 'c'), node('Sqrt', ['c'], 'd'),
        node('Div', ['d', 's'], 'e'), node('Neg', ['e'], 'f'), node('Exp', ['f'], 'g'), node('Max', ['g', 'x'], 'h'),
        node('Min', ['h', 'v'], 'y'),
      ],
    });
  });

  it('takes Max and Min of one, two or three operands, broadcast together', async () => {
    await check({
      inputs: [['x', ['N', 3, 4]], ['v', [4]]], outputs: [['y', ['N', 3, 4]], ['z', ['N', 3, 4]]],
      initializers: [weights('s', [3, 1], 8)],
      nodes: [
        node('Max', ['x', 'v', 's'], 'a'), node('Min', ['a'], 'b'), node('Min', ['s', 'b', 'v'], 'y'),
        node('Max', ['x'], 'z'),
      ],
    });
  });

  it('converts every seed activation with its ONNX defaults', async () => {
    await check({
      inputs: [x2(8)], outputs: [['y', ['N', 8]]],
      nodes: [
        node('LeakyRelu', ['x'], 'a'), node('Elu', ['a'], 'b', [floatAttribute('alpha', 0.7)]), node('Relu', ['b'], 'c'),
        node('Tanh', ['x'], 'd'), node('Sigmoid', ['d'], 'e'), node('Add', ['c', 'e'], 'f'), node('Elu', ['f'], 'y'),
      ],
    });
  });

  it('reads Gelu at opset 20, tanh approximation included', async () => {
    await check({
      opset: 20, inputs: [x2(8)], outputs: [['y', ['N', 8]]],
      nodes: [node('Gelu', ['x'], 'a'), node('Gelu', ['a'], 'y', [stringAttribute('approximate', 'tanh')])],
    });
  });

  it('recognizes the erf GELU pattern in both multiplication orders', async () => {
    const graph = await check({
      inputs: [x2(5)], outputs: [['y', ['N', 5]], ['z', ['N', 5]]],
      initializers: [floatTensor('sqrt2', [], Float32Array.of(Math.SQRT2)), floatTensor('one', [], Float32Array.of(1)), floatTensor('half', [], Float32Array.of(0.5))],
      nodes: [
        node('Div', ['x', 'sqrt2'], 'd'), node('Erf', ['d'], 'e'), node('Add', ['e', 'one'], 'a'), node('Mul', ['x', 'a'], 'm'), node('Mul', ['m', 'half'], 'y'),
        node('Div', ['y', 'sqrt2'], 'd2'), node('Erf', ['d2'], 'e2'), node('Add', ['one', 'e2'], 'a2'), node('Mul', ['y', 'half'], 'h2'), node('Mul', ['h2', 'a2'], 'z'),
      ],
    });
    expect(graph.nodes.filter((n) => n.op === 'gelu').map((n) => n.name)).toEqual(['y', 'z']);
  });

  it('keeps an Erf whose intermediate is used elsewhere as plain arithmetic', async () => {
    const graph = await check({
      inputs: [x2(4)], outputs: [['y', ['N', 4]], ['e', ['N', 4]]],
      initializers: [floatTensor('sqrt2', [], Float32Array.of(Math.SQRT2)), floatTensor('one', [], Float32Array.of(1)), floatTensor('half', [], Float32Array.of(0.5))],
      nodes: [node('Div', ['x', 'sqrt2'], 'd'), node('Erf', ['d'], 'e'), node('Add', ['e', 'one'], 'a'), node('Mul', ['x', 'a'], 'm'), node('Mul', ['m', 'half'], 'y')],
    });
    expect(graph.nodes.map((n) => n.op)).not.toContain('gelu');
  });
});

describe('BatchNormalization', () => {
  for (const shape of [['N', 6], ['N', 3, 4, 5]] as Shape[]) {
    it(`folds constant statistics into a per-channel scale and shift on ${JSON.stringify(shape)}`, async () => {
      const c = shape[1] as number;
      const variance = floatTensor('var', [c], new Random(4).uniformArray(c, 0.1, 2));
      await check({
        inputs: [['x', shape]], outputs: [['y', shape]],
        initializers: [weights('scale', [c], 1), weights('B', [c], 2), weights('mean', [c], 3), variance],
        nodes: [node('BatchNormalization', ['x', 'scale', 'B', 'mean', 'var'], 'y', [floatAttribute('epsilon', 1e-3)])],
      }, 2);
    });
  }
});

describe('PRelu slope broadcasting', () => {
  const cases: [string, Shape, number[], string][] = [
    ['per channel [C,1,1] on NCHW', ['N', 3, 4, 5], [3, 1, 1], 'prelu'],
    ['per channel [C] on [N,C]', ['N', 6], [6], 'prelu'],
    ['scalar [1]', ['N', 3, 4], [1], 'prelu'],
    ['scalar []', ['N', 3, 4], [], 'prelu'],
    ['last axis [W] on NCHW (decomposed)', ['N', 3, 4, 5], [5], 'fused_elementwise'],
    ['[H,W] on NCHW (decomposed)', ['N', 3, 4, 5], [4, 5], 'fused_elementwise'],
  ];
  for (const [label, shape, slope, op] of cases) {
    it(label, async () => {
      const graph = await check({
        inputs: [['x', shape]], outputs: [['y', shape]],
        initializers: [weights('slope', slope, 9)],
        nodes: [node('PRelu', ['x', 'slope'], 'y')],
      }, 2);
      expect(graph.nodes.find((n) => n.name === 'y')?.op).toBe(op);
    });
  }
});

describe('Softmax', () => {
  const model = (opset: number, axis: number): OnnxSpec => ({
    opset, inputs: [['x', ['N', 3, 4]]], outputs: [['y', ['N', 3, 4]]],
    nodes: [node('Softmax', ['x'], 'y', [intAttribute('axis', axis)])],
  });

  it('before opset 13 normalizes over every dim from axis on (2-D coercion)', async () => {
    await check(model(11, 1));
    await check({ ...model(12, -2), inputs: [['x', [2, 3, 4]]], outputs: [['y', [2, 3, 4]]] });
  });

  it('from opset 13 normalizes along the one axis, with default -1', async () => {
    await check(model(13, 1));
    await check({ opset: 13, inputs: [['x', ['N', 3, 4]]], outputs: [['y', ['N', 3, 4]]], nodes: [node('Softmax', ['x'], 'y')] });
  });

  it('the two meanings differ on the same input', () => {
    const x = new Random(2).uniformArray(12, -2, 2);
    const old = interpret(importOnnx(onnxModel(model(11, 1))), { x }).y;
    const current = interpret(importOnnx(onnxModel(model(13, 1))), { x }).y;
    expect(Array.from(old ?? [])).not.toEqual(Array.from(current ?? []));
  });
});

describe('layout ops', () => {
  it('Reshape with 0 and -1, Flatten, Transpose', async () => {
    await check({
      inputs: [['x', ['N', 2, 6]]], outputs: [['y', ['N', 12]], ['z', ['N', 3, 4]], ['t', ['N', 6, 2]]],
      initializers: [shapeTensor('keep_batch', [0, -1]), shapeTensor('three_four', [-1, 3, 4])],
      nodes: [
        node('Reshape', ['x', 'keep_batch'], 'y'), node('Reshape', ['y', 'three_four'], 'z'),
        node('Transpose', ['x'], 't', [intsAttribute('perm', [0, 2, 1])]),
      ],
    });
    await check({
      inputs: [['x', [2, 3, 4]]], outputs: [['y', [6, 4]], ['z', [4, 6]]],
      initializers: [shapeTensor('s', [4, -1])],
      nodes: [node('Flatten', ['x'], 'y', [intAttribute('axis', 2)]), node('Reshape', ['x', 's'], 'z')],
    });
  });

  it('evaluates PyTorch\'s x.view(x.size(0), -1) shape arithmetic at import (Shape, Gather, Unsqueeze, Concat, Cast)', async () => {
    const graph = await check({
      inputs: [['x', ['N', 2, 3, 4]]], outputs: [['y', ['N', 5]]],
      initializers: [
        { name: 'zero', dims: [], data_type: DataType.INT64, int64_data: [0] }, shapeTensor('minus_one', [-1]), shapeTensor('axes', [0]),
        weights('fc.weight', [5, 24], 3),
      ],
      nodes: [
        node('Shape', ['x'], 's'), node('Gather', ['s', 'zero'], 'n'), node('Unsqueeze', ['n', 'axes'], 'n1'),
        node('Concat', ['n1', 'minus_one'], 'target', [intAttribute('axis', 0)]), node('Cast', ['target'], 'target64', [intAttribute('to', 7)]),
        node('Reshape', ['x', 'target64'], 'flat'), node('Gemm', ['flat', 'fc.weight'], 'y', [intAttribute('transB', 1)]),
      ],
    });
    expect(graph.nodes.find((n) => n.name === 'flat')?.type.shape).toEqual(['N', 24]);
  });

  it('Squeeze and Unsqueeze with axes as an input (opset 13) and as an attribute (opset 11)', async () => {
    await check({
      opset: 13, inputs: [x2(4)], outputs: [['y', ['N', 4]], ['u', ['N', 1, 4]]],
      initializers: [shapeTensor('axes', [1])],
      nodes: [node('Unsqueeze', ['x', 'axes'], 'u'), node('Squeeze', ['u', 'axes'], 'y')],
    });
    await check({
      opset: 11, inputs: [x2(4)], outputs: [['y', ['N', 4]]],
      initializers: [weights('b', [4], 3)],
      nodes: [node('Unsqueeze', ['b'], 'b2', [intsAttribute('axes', [0])]), node('Squeeze', ['b2'], 'b3', [intsAttribute('axes', [0])]), node('Add', ['x', 'b3'], 'y')],
    });
  });

  it('Identity, Dropout and Constant, an Identity returned as an output', async () => {
    const graph = await check({
      inputs: [x2(4)], outputs: [['y', ['N', 4]], ['copy', ['N', 4]]],
      nodes: [
        { op_type: 'Constant', input: [], output: ['k'], name: 'k', attribute: [{ name: 'value', type: 4, t: floatTensor('', [4], Float32Array.of(1, 2, 3, 4)) }] },
        { op_type: 'Constant', input: [], output: ['half'], name: 'half', attribute: [floatAttribute('value_float', 0.5)] },
        node('Mul', ['x', 'k'], 'a'), node('Dropout', ['a'], 'b'), node('Identity', ['b'], 'c'), node('Mul', ['c', 'half'], 'y'), node('Identity', ['y'], 'copy'),
      ],
    });
    expect(graph.outputs).toEqual(['y', 'copy']);
  });
});

describe('initializer encodings', () => {
  it('reads float_data initializers (checked against onnxruntime)', async () => {
    const floats = { name: 'f', dims: [3], data_type: DataType.FLOAT, float_data: [1, 2, 3] };
    await check({ inputs: [x2(3)], outputs: [['y', ['N', 3]]], initializers: [floats], nodes: [node('Div', ['x', 'f'], 'y')] });
  });

  it('converts FLOAT16, BFLOAT16 and DOUBLE initializers to f32 (raw and typed fields)', () => {
    const rawHalf = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35]);
    const halfRaw = { name: 'h', dims: [3], data_type: DataType.FLOAT16, raw_data: rawHalf };
    const halfTyped = { name: 'h2', dims: [3], data_type: DataType.FLOAT16, int32_data: [0x3c00, 0xc000, 0x3555] };
    const bf16 = { name: 'bf', dims: [3], data_type: DataType.BFLOAT16, int32_data: [0x3f80, 0x4040, 0xbf00] };
    const doubles = { name: 'd', dims: [3], data_type: DataType.DOUBLE, double_data: [0.1, -0.2, 1e-3] };
    const graph = importOnnx(onnxModel({
      inputs: [x2(3)], outputs: [['y', ['N', 3]]], initializers: [halfRaw, halfTyped, bf16, doubles],
      nodes: [node('Mul', ['x', 'h'], 'a'), node('Add', ['a', 'bf'], 'b'), node('Sub', ['b', 'd'], 'c'), node('Div', ['c', 'h2'], 'y')],
    }));
    const value = (name: string): number[] => {
      const attr = graph.nodes.find((n) => n.name === name)?.attrs['value'];
      return attr !== undefined && typeof attr === 'object' && 'data' in attr ? Array.from(attr.data) : [];
    };
    expect(value('h')).toEqual([1, -2, 0.333251953125]);
    expect(value('h2')).toEqual(value('h'));
    expect(value('bf')).toEqual([1, 3, -0.5]);
    expect(value('d')).toEqual([Math.fround(0.1), Math.fround(-0.2), Math.fround(1e-3)]);
  });
});
