// Bad ONNX files: each is refused with a CompileError that says what was expected and what
// was found (naming the node), or, for NaN/Inf weights, imported and flagged.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { DataType } from '../../src/frontends/onnx/proto.ts';
import { nonFiniteWeights } from '../../src/frontends/weight-check.ts';
import { floatTensor, intAttribute, intsAttribute, node, onnxModel, shapeTensor, stringAttribute, weights, type OnnxSpec } from './onnx-model.ts';

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
        { ...node('LpPool', ['x'], 'c1'), name: 'lp1' }, { ...node('LpPool', ['c1'], 'c2'), name: 'lp2' },
        { ...node('MaxRoiPool', ['c2', 'rois'], 'y'), name: 'roi' },
      ],
    }), /unsupported ONNX ops/);
    expect(error.message).toContain('"LpPool" (nodes "lp1", "lp2"); "MaxRoiPool" (node "roi")');
    // Where to look instead of the whole list of supported ops on the same line.
    expect(error.message).toContain('`fusegraph ops` lists the supported ones');
    expect(error.message).not.toContain('Gemm');
  });

  it('reports unsupported ops and bad inputs together, not one per run', () => {
    const error = refused(onnxModel({
      inputs: [['x', ['N', 'M']]], outputs: [['y', ['N', 4]]],
      nodes: [{ ...node('LpPool', ['x'], 'y'), name: 'lp' }],
    }), /unsupported ONNX op: "LpPool" \(node "lp"\)/);
    // A symbol on axis 1 is no problem any more (several symbols): only the op is reported.
    expect(error.message).not.toMatch(/symbolic dim/);
  });

  it('refuses external data and other opsets; takes a symbolic inner dim', () => {
    const external = { name: 'fc.weight', dims: [2, 4], data_type: DataType.FLOAT, data_location: 1, external_data: [{ key: 'location', value: 'weights.bin' }] };
    refused(onnxModel(mlp({ initializers: [external, weights('fc.bias', [2], 2)] })), /external file \("weights\.bin"\).*save_as_external_data=False/);
    refused(onnxModel(mlp({ opset: 0 })), /opset 0 is not supported: fusegraph reads ai\.onnx opsets 1 to 21/);
    refused(onnxModel(mlp({ opset: 22 })), /opset 22 is not supported/);
    const relu = onnxModel({ inputs: [['x', ['N', 'M']]], outputs: [['y', ['N', 'M']]], nodes: [node('Relu', ['x'], 'y')] });
    expect(importOnnx(relu).inputs[0]?.type.shape).toEqual(['N', 'M']);
  });
});

/** One named CNN node on x, with initializers; the refusal must name it and its op. */
function cnnModel(op: string, x: readonly (string | number)[], inputs: string[], attrs: Parameters<typeof node>[3], initializers: OnnxSpec['initializers'] = [], opset = 17, outputs = ['y']): Uint8Array {
  return onnxModel({
    opset, inputs: [['x', [...x]]], outputs: outputs.map((o) => [o, ['N']]), initializers,
    nodes: [{ ...node(op, ['x', ...inputs], 'y', attrs), output: outputs, name: 'layer' }],
  });
}

describe('bad CNN layers: one line naming the node, its op and what was expected', () => {
  const w = (shape: number[]): OnnxSpec['initializers'] => [weights('w', shape, 1)];

  it('a kernel larger than the padded input', () => {
    refused(cnnModel('Conv', ['N', 1, 3, 3], ['w'], [intsAttribute('pads', [1, 0, 1, 0])], w([1, 1, 5, 5])),
      /^%layer \(Conv\): kernel \[5,5\] \(extent 5 on spatial axis 1\) is larger than the padded input \(3\)$/);
    refused(cnnModel('MaxPool', ['N', 1, 3, 3], [], [intsAttribute('kernel_shape', [4, 4])]), /^%layer \(MaxPool\): kernel \[4,4\].*larger than the padded input \(3\)$/);
  });

  it('groups that do not divide the channels, a group below 1', () => {
    refused(cnnModel('Conv', ['N', 4, 5, 5], ['w'], [intAttribute('group', 3)], w([3, 1, 3, 3])), /^%layer \(Conv\): group 3 does not divide the 4 input channels of f32\[N,4,5,5\]$/);
    refused(cnnModel('Conv', ['N', 4, 5, 5], ['w'], [intAttribute('group', 0)], w([4, 4, 3, 3])), /^%layer \(Conv\): group must be >= 1, got 0$/);
  });

  it('a weight whose shape disagrees with the input or the attributes', () => {
    refused(cnnModel('Conv', ['N', 4, 5, 5], ['w'], [intsAttribute('kernel_shape', [3, 3])], w([2, 4, 2, 2])),
      /^%layer \(Conv\): kernel_shape \[3,3\] disagrees with the weight f32\[2,4,2,2\], whose spatial dims are \[2,2\]$/);
    refused(cnnModel('Conv', ['N', 4, 5, 5], ['w'], [], w([2, 3, 3, 3])), /^%layer \(Conv\): weight f32\[2,3,3,3\] needs 4 input channels per group .*got 3$/);
    refused(cnnModel('Conv', ['N', 4, 5, 5], ['w'], [], w([2, 4, 3])), /^%layer \(Conv\): weight f32\[2,4,3\] must be \[M, C\/group, k, k\] for X f32\[N,4,5,5\]$/);
    refused(cnnModel('Conv', ['N', 4, 5, 5, 5], ['w'], [], w([2, 4, 3, 3, 3])), /^%layer \(Conv\): fusegraph supports 1-D and 2-D convolutions/);
  });

  it('zero or negative strides and dilations, negative pads', () => {
    refused(cnnModel('Conv', ['N', 1, 5, 5], ['w'], [intsAttribute('strides', [0, 1])], w([1, 1, 3, 3])), /^%layer \(Conv\): strides must be >= 1, got \[0,1\]$/);
    refused(cnnModel('AveragePool', ['N', 1, 5, 5], [], [intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [-2, 2])]), /^%layer \(AveragePool\): strides must be >= 1, got \[-2,2\]$/);
    refused(cnnModel('ConvTranspose', ['N', 1, 5, 5], ['w'], [intsAttribute('dilations', [1, 0])], w([1, 1, 3, 3])), /^%layer \(ConvTranspose\): dilations must be >= 1/);
    refused(cnnModel('Conv', ['N', 1, 5, 5], ['w'], [intsAttribute('pads', [-1, 0, 0, 0])], w([1, 1, 3, 3])), /^%layer \(Conv\): pads must be >= 0, got \[-1,0,0,0\]$/);
  });

  it('auto_pad that conflicts with pads, an unknown auto_pad', () => {
    refused(cnnModel('Conv', ['N', 1, 5, 5], ['w'], [stringAttribute('auto_pad', 'SAME_UPPER'), intsAttribute('pads', [0, 0, 0, 0])], w([1, 1, 3, 3])),
      /^%layer \(Conv\): auto_pad SAME_UPPER implies pads \[1,1,1,1\], which conflicts with the pads attribute \[0,0,0,0\]; give one or the other$/);
    refused(cnnModel('MaxPool', ['N', 1, 5, 5], [], [intsAttribute('kernel_shape', [2, 2]), stringAttribute('auto_pad', 'VALID'), intsAttribute('pads', [1, 1, 1, 1])]), /auto_pad VALID implies pads \[0,0,0,0\]/);
    refused(cnnModel('Conv', ['N', 1, 5, 5], ['w'], [stringAttribute('auto_pad', 'SAME')], w([1, 1, 3, 3])), /auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, found "SAME"/);
  });

  it('an output dimension below 1', () => {
    refused(cnnModel('ConvTranspose', ['N', 1, 2, 2], ['w'], [intsAttribute('pads', [2, 2, 2, 2])], w([1, 1, 2, 2])), /^%layer \(ConvTranspose\): output size on spatial axis 0 would be -1 \(below 1\)$/);
    refused(cnnModel('ConvTranspose', ['N', 1, 2, 2], ['w'], [intsAttribute('output_shape', [9, 9])], w([1, 1, 2, 2])), /output size 9 on spatial axis 0 is not reachable: without pads the output is 3/);
    refused(cnnModel('Resize', [2, 1, 5, 5], ['', 'scales'], [], [floatTensor('scales', [4], Float32Array.of(1, 1, 0.1, 1))]), /^%layer \(Resize\): scale 0\.1.* gives an output dim of 0 \(below 1\)/);
  });

  it('spatial sizes whose tensors exceed the size limit', () => {
    refused(cnnModel('Resize', [2, 1, 5, 5], ['', '', 'sizes'], [], [shapeTensor('sizes', [2, 1, 100000, 100000])]), /^%layer \(Resize\): .*more than \d+ elements/);
    refused(cnnModel('Pad', ['N', 1, 5, 5], ['pads'], [], [shapeTensor('pads', [0, 0, 0, 0, 0, 0, 1e9, 0])]), /^%layer \(Pad\): .*(above the limit|more than)/);
    refused(cnnModel('ConvTranspose', ['N', 1, 5, 5], ['w'], [intsAttribute('strides', [100000, 100000])], w([1, 1, 3, 3])), /^%layer \(ConvTranspose\): .*(above the limit|more than)/);
  });

  it('what fusegraph cannot compute: MaxPool Indices, cubic resizing, a scale that is not out/in, Split sizes, slicing the batch', () => {
    refused(cnnModel('MaxPool', ['N', 1, 4, 4], [], [intsAttribute('kernel_shape', [2, 2])], [], 17, ['y', 'indices']),
      /^%layer \(MaxPool\): its second output \(Indices\) is not supported/);
    refused(cnnModel('Resize', [2, 1, 5, 5], ['', 'scales'], [stringAttribute('mode', 'cubic')], [floatTensor('scales', [4], Float32Array.of(1, 1, 2, 2))]), /mode "cubic" is not supported/);
    refused(cnnModel('Resize', [2, 1, 5, 5], ['', 'scales'], [], [floatTensor('scales', [4], Float32Array.of(1, 1, 1.5, 1))]),
      /^%layer \(Resize\): scale 1\.5 on axis 2 gives floor\(5·1\.5\) = 7 pixels, whose ratio 7\/5 is not the scale/);
    refused(cnnModel('Resize', [2, 1, 5, 5], ['', '', 'sizes'], [stringAttribute('keep_aspect_ratio_policy', 'not_smaller')], [shapeTensor('sizes', [2, 1, 10, 10])], 18),
      /keep_aspect_ratio_policy not_smaller scales axis 0 of f32\[2,1,5,5\] to 4; fusegraph resizes only the spatial axes/);
    refused(cnnModel('Split', ['N', 4, 5], ['sizes'], [intAttribute('axis', 1)], [shapeTensor('sizes', [1, 2])], 13, ['a', 'b']), /split \[1,2\] must be sizes >= 1 adding up to the axis size 4/);
    refused(onnxModel({
      inputs: [['x', ['N', 4]]], outputs: [['y', ['N']]], initializers: [shapeTensor('zero', [0]), shapeTensor('two', [2])],
      nodes: [node('Shape', ['x'], 's'), node('Gather', ['s', 'zero'], 'n'), { ...node('Add', ['n', 'two'], 'n2'), name: 'double' }, node('Reshape', ['x', 'n2'], 'y')],
    }), /^%double \(Add\): shape arithmetic on the symbolic dim N is not supported/);
    refused(cnnModel('Slice', ['N', 4, 5], ['s', 'e'], [], [shapeTensor('s', [0]), shapeTensor('e', [1])]), /cannot slice the symbolic axis 0/);
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
