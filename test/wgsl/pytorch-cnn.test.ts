// The committed PyTorch CNN exports (test/fixtures/pytorch-cnn) through the WGSL bundle: the
// single-op models and LeNet by default; every family (ResNet-18, MobileNetV2/V3, SqueezeNet,
// ShuffleNetV2, EfficientNet-B0, the 1-D net, the U-Net) with FUSEGRAPH_WGSL_FIXTURES=all,
// since SwiftShader compiles their ~50–150 pipelines on the CPU (minutes; measured in the
// README). The bar is issue 10's: max |WGSL − PyTorch| / max |PyTorch| ≤ 3e-4 per output.

import { describe, it } from 'vitest';
import { MAX_RELATIVE_ERROR, PYTORCH_CNN_MODELS, readPytorchCnn } from '../support/pytorch-cnn-fixtures.ts';
import { expectWgslMatchesPytorch } from './pytorch-fixture-check.ts';

const ALL = process.env['FUSEGRAPH_WGSL_FIXTURES'] === 'all';
const MODELS = PYTORCH_CNN_MODELS.filter((name) => ALL || name.startsWith('ops_') || name === 'lenet');

describe('PyTorch CNN fixtures on WGSL', () => {
  for (const name of MODELS) {
    it(name, async () => {
      const { bytes, io } = readPytorchCnn(name);
      await expectWgslMatchesPytorch(name, bytes, io, MAX_RELATIVE_ERROR);
    }, ALL ? 600_000 : undefined);
  }
});
