// The committed PyTorch CNN exports (test/fixtures/pytorch-cnn) through the WGSL bundle: the
// single-op models and LeNet by default; every family (ResNet-18, MobileNetV2/V3, SqueezeNet,
// ShuffleNetV2, EfficientNet-B0, the 1-D net, the U-Net) with FUSEGRAPH_WGSL_FIXTURES=all,
// since SwiftShader compiles their ~50–150 pipelines on the CPU (minutes; measured in the
// README). The bar is issue 10's: max |WGSL − PyTorch| / max |PyTorch| ≤ 3e-4 per output.

import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { MAX_RELATIVE_ERROR, PYTORCH_CNN_MODELS, readPytorchCnn, relativeError } from '../support/pytorch-cnn-fixtures.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { checkShaders, loadWgsl, prepared } from './run-wgsl.ts';

const ALL = process.env['FUSEGRAPH_WGSL_FIXTURES'] === 'all';
const MODELS = PYTORCH_CNN_MODELS.filter((name) => ALL || name.startsWith('ops_') || name === 'lenet');

describe('PyTorch CNN fixtures on WGSL', () => {
  for (const name of MODELS) {
    it(name, async () => {
      const { bytes, io } = readPytorchCnn(name);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      const target = prepared(graph, 'O2');
      await checkShaders((await gpuDevice()).device, target.graph, target.plan);
      const session = await loadWgsl(target.graph, target.plan, io.input.shape[0] ?? 1);
      try {
        const results = await session.run({ [io.input.name]: Float32Array.from(io.input.data) });
        for (const output of io.outputs) {
          const got = results[output.name] ?? new Float32Array();
          expect(got.length, `${name}: ${output.name}`).toBe(output.data.length);
          expect(relativeError(output.data, got), `${name}: ${output.name} vs PyTorch`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
        }
      } finally {
        session.dispose();
      }
    }, ALL ? 600_000 : undefined);
  }
});
