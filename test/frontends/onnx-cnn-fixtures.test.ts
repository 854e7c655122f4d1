// The committed PyTorch CNN exports (test/fixtures/pytorch-cnn: torchvision backbones at small
// input sizes, LeNet, a 1-D conv net, a small U-Net, and one model per op family): each
// imports, and the interpreter reproduces PyTorch's recorded outputs. Backends are checked
// elsewhere; the interpreter is slow on the big nets, so those run on one recorded sample.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx, SUPPORTED_ONNX_OPS } from '../../src/frontends/onnx/import.ts';
import { MAX_RELATIVE_ERROR, PYTORCH_CNN_MODELS, readPytorchCnn, relativeError } from '../support/pytorch-cnn-fixtures.ts';

const MODELS = PYTORCH_CNN_MODELS;
const FAMILIES = ['lenet', 'resnet18', 'mobilenet_v2', 'mobilenet_v3_small', 'squeezenet1_1', 'shufflenet_v2', 'efficientnet_b0', 'conv1d_net', 'unet_small'];

/** Above this many parameters only the first recorded sample is interpreted (time). */
const BIG_MODEL = 100_000;

describe('PyTorch CNN fixtures: import and interpreter vs PyTorch', () => {
  it('has every model family of issue 10', () => {
    expect(MODELS).toEqual(expect.arrayContaining(FAMILIES));
  });

  for (const name of MODELS) {
    it(name, () => {
      const { bytes, io } = readPytorchCnn(name);
      expect(io.onnx_ops.filter((op) => !SUPPORTED_ONNX_OPS.includes(op))).toEqual([]);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      expect(graph.outputs).toEqual(io.outputs.map((o) => o.name));
      const batch = io.input.shape[0] ?? 1;
      const samples = io.parameters > BIG_MODEL ? 1 : batch;
      const firstSamples = (data: readonly number[]): number[] => data.slice(0, (data.length / batch) * samples);
      const results = interpret(graph, { [io.input.name]: Float32Array.from(firstSamples(io.input.data)) });
      for (const output of io.outputs) {
        const want = firstSamples(output.data);
        const got = results[output.name];
        expect(got?.length, `${name}: ${output.name}`).toBe(want.length);
        if (got === undefined) continue;
        expect(relativeError(want, got), `${name}: ${output.name} vs PyTorch`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
      }
    });
  }
});
