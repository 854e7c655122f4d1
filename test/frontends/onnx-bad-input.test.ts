// Bad ONNX files: each is refused with a CompileError that says what was expected and what
// was found (naming the node), or, for NaN/Inf weights, imported and flagged.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { DataType } from '../../src/frontends/onnx/proto.ts';
import { nonFiniteWeights } from '../../src/frontends/weight-check.ts';
import { floatTensor, intAttribute, node, onnxModel, weights, type OnnxSpec } from './onnx-model.ts';

const residual = readFileSync(new URL('../fixtures/pytorch/residual.onnx', import.meta.url));

function refused(bytes: Uint8Array, message: RegExp): CompileError {
  let caught: unknown;
  try {
    importOnnx(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CompileError);
  const error = caught as CompileError;
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain('\n');
  return error;
}

const mlp = (overrides: Partial<OnnxSpec> = {}): OnnxSpec => ({
  inputs: [['x', ['N', 4]]], outputs: [['y', ['N', 2]]],
  initializers: [weights('fc.weight', [2, 4], 1), weights('fc.bias', [2], 2)],
  nodes: [{ ...node('Gemm', ['x', 'fc.weight', 'fc.bias'], 'y', [intAttribute('transB', 1)]), name: 'fc' }],
  ...overrides,
});

describe('malformed files', () => {
  it('refuses a truncated file', () => {
    refused(residual.subarray(0, Math.floor(residual.length / 2)), /not a valid ONNX model|holds no graph|raw_data/);
  });

  it('refuses random bytes', () => {
    const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 251);
    refused(bytes, /not (a valid )?an? ?ONNX model|not a valid ONNX model/);
  });

  it('refuses a protobuf of another message type (a TensorProto)', () => {
    // TensorProto { dims: [2, 3], data_type: FLOAT, name: "w" } in wire format.
    const tensor = Uint8Array.of(0x08, 0x02, 0x08, 0x03, 0x10, 0x01, 0x42, 0x01, 0x77);
    refused(tensor, /ONNX model/);
  });

  it('refuses an empty file and a model with no outputs', () => {
    refused(new Uint8Array(0), /holds no graph/);
    refused(onnxModel({ inputs: [['x', ['N', 4]]], outputs: [], nodes: [] }), /no outputs/);
  });
});

describe('bad graphs', () => {
  it('names the nodes of a cycle', () => {
    refused(onnxModel({
      inputs: [['x', ['N', 4]]], outputs: [['a', ['N', 4]]],
      nodes: [node('Add', ['x', 'b'], 'a'), node('Relu', ['a'], 'b')],
    }), /cycle through "\/Add_a", "\/Relu_b"/);
  });

  it('names a missing initializer and the node reading it', () => {
    refused(onnxModel(mlp({ initializers: [weights('fc.bias', [2], 2)] })), /^%fc \(Gemm\): operand %fc\.weight is not defined.*missing initializer/);
  });

  it('refuses dims of 10^12 and negative dims before allocating', () => {
    refused(onnxModel(mlp({ inputs: [['x', ['N', 1e12]]] })), /%x: dim 1 is 1000000000000, above the limit/);
    refused(onnxModel(mlp({ inputs: [['x', ['N', -4]]] })), /dim 1 must be a positive integer, got -4/);
    const huge = { name: 'fc.weight', dims: [1e6, 1e6], data_type: DataType.FLOAT, raw_data: new Uint8Array(8) };
    refused(onnxModel(mlp({ initializers: [huge, weights('fc.bias', [2], 2)] })), /initializer %fc\.weight: tensor \[1000000,1000000\] has more than/);
    const negative = { name: 'fc.weight', dims: [-2, 4], data_type: DataType.FLOAT, raw_data: new Uint8Array(8) };
    refused(onnxModel(mlp({ initializers: [negative, weights('fc.bias', [2], 2)] })), /invalid shape \[-2,4\]/);
  });

  it('refuses raw_data of the wrong size', () => {
    const short = { name: 'fc.weight', dims: [2, 4], data_type: DataType.FLOAT, raw_data: new Uint8Array(12) };
    refused(onnxModel(mlp({ initializers: [short, weights('fc.bias', [2], 2)] })), /12 bytes of raw_data, expected 32/);
  });

  it('reports mismatched Gemm shapes as expected vs found', () => {
    refused(onnxModel(mlp({ initializers: [weights('fc.weight', [2, 5], 1), weights('fc.bias', [2], 2)] })),
      /^%fc \(Gemm\): weight f32\[2,5\] needs input f32\[\*,5\], got f32\[N,4\]$/);
  });

  it('refuses duplicate output names', () => {
    refused(onnxModel(mlp({ outputs: [['y', ['N', 2]], ['y', ['N', 2]]] })), /output %y is listed twice/);
  });

  it('lists every unsupported op with the nodes using it, in one message', () => {
    const error = refused(onnxModel({
      inputs: [['x', ['N', 1, 8, 8]]], outputs: [['y', ['N', 1, 2, 2]]],
      nodes: [
        { ...node('Conv', ['x', 'w'], 'c1'), name: 'conv1' }, { ...node('Conv', ['c1', 'w'], 'c2'), name: 'conv2' },
        { ...node('MaxPool', ['c2'], 'y'), name: 'pool' },
      ],
    }), /unsupported ONNX ops/);
    expect(error.message).toContain('"Conv" (nodes "conv1", "conv2"); "MaxPool" (node "pool")');
    // Where to look instead of the whole list of supported ops on the same line.
    expect(error.message).toContain('`fusegraph ops` lists the supported ones');
    expect(error.message).not.toContain('Gemm');
  });

  it('reports unsupported ops and bad inputs together, not one per run', () => {
    const error = refused(onnxModel({
      inputs: [['x', ['N', 'M']]], outputs: [['y', ['N', 4]]],
      nodes: [{ ...node('Conv', ['x', 'x'], 'y'), name: 'conv' }],
    }), /unsupported ONNX op: "Conv" \(node "conv"\)/);
    expect(error.message).toMatch(/; input %x has a symbolic dim "M" on axis 1/);
  });

  it('refuses external data, other opsets, integer inputs and a symbolic inner dim', () => {
    const external = { name: 'fc.weight', dims: [2, 4], data_type: DataType.FLOAT, data_location: 1, external_data: [{ key: 'location', value: 'weights.bin' }] };
    refused(onnxModel(mlp({ initializers: [external, weights('fc.bias', [2], 2)] })), /external file \("weights\.bin"\).*save_as_external_data=False/);
    refused(onnxModel(mlp({ opset: 10 })), /opset 10 is not supported: fusegraph reads ai\.onnx opsets 11 to 21/);
    refused(onnxModel(mlp({ opset: 22 })), /opset 22 is not supported/);
    refused(onnxModel(mlp({ inputs: [['x', [2, 'M']]] })), /symbolic dim "M" on axis 1/);
  });
});

describe('odd but valid models', () => {
  it('imports NaN and Inf weights, compiles them, and flags them by name', () => {
    const bad = floatTensor('fc.weight', [2, 4], Float32Array.of(1, NaN, 0, 0, Infinity, 0, -Infinity, 1));
    const graph = importOnnx(onnxModel(mlp({ initializers: [bad, weights('fc.bias', [2], 2)] })));
    expect(nonFiniteWeights(graph)).toEqual(['%fc.weight holds 1 NaN and 2 infinite of 8 values']);
    expect(compile(graph, { target: 'js' }).files.length).toBeGreaterThan(0);
    expect(nonFiniteWeights(importOnnx(onnxModel(mlp())))).toEqual([]);
  });

  it('keeps hostile names as names, and errors about them stay on one line', () => {
    const hostile = '"); process.exit(1); //\n\u2028';
    const graph = importOnnx(onnxModel({
      inputs: [['__proto__', ['N', 4]]], outputs: [[hostile, ['N', 4]]],
      nodes: [{ ...node('Relu', ['__proto__'], hostile), name: hostile }],
    }));
    expect(graph.inputs[0]?.name).toBe('__proto__');
    expect(graph.outputs).toEqual([hostile]);
    const bad = onnxModel(mlp({ nodes: [{ ...node('Gemm', ['x', 'fc.weight'], 'y', [intAttribute('transB', 0)]), name: hostile }] }));
    refused(bad, /^%"\\"\); process\.exit\(1\); \/\/\\n\\u2028" \(Gemm\): /);
  });
});
