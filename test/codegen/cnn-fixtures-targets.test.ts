// Issue 10's bar on the CPU backends: each committed PyTorch CNN export (torchvision
// backbones, LeNet, a 1-D conv net, a small U-Net, one model per op family) compiles at -O2 to
// a JS and a WASM bundle whose outputs on the recorded batch match PyTorch's own within a
// relative error of 3e-4. The WGSL bundle is checked in test/wgsl/pytorch-cnn.test.ts.

import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { TargetRunner, type ConformanceTarget } from '../conformance/targets.ts';
import { MAX_RELATIVE_ERROR, PYTORCH_CNN_MODELS, readPytorchCnn, relativeError } from '../support/pytorch-cnn-fixtures.ts';

const TARGETS: readonly ConformanceTarget[] = ['js', 'wasm'];

const runner = new TargetRunner();
afterAll(() => runner.dispose());

describe('PyTorch CNN fixtures on the JS and WASM bundles', () => {
  for (const name of PYTORCH_CNN_MODELS) {
    for (const target of TARGETS) {
      it(`${name} on ${target} matches PyTorch`, async () => {
        const { bytes, io } = readPytorchCnn(name);
        const graph = importOnnx(bytes, { file: `${name}.onnx` });
        const session = await runner.open(graph, target, io.input.shape[0] ?? 1);
        try {
          const results = await session.run({ [io.input.name]: Float32Array.from(io.input.data) });
          for (const output of io.outputs) {
            expect(relativeError(output.data, results[output.name]), `${name} on ${target}: ${output.name}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
          }
        } finally {
          session.dispose();
        }
      });
    }
  }
});
