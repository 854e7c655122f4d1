// Issue 12's PyTorch sequence fixtures (test/fixtures/pytorch-seq) through the WGSL bundle:
// the layer_norm and fused attention shaders validate and, on this machine's WebGPU adapter,
// match PyTorch within MAX_SEQ_RELATIVE_ERROR. SwiftShader compiles pipelines on the CPU
// (~4–9 s per encoder model), so three models run by default and all with
// FUSEGRAPH_WGSL_FIXTURES=all.

import { describe, it } from 'vitest';
import { MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_MODELS, readPytorchSeq } from '../support/pytorch-seq-fixtures.ts';
import { expectWgslMatchesPytorch } from './pytorch-fixture-check.ts';

const ALL = process.env['FUSEGRAPH_WGSL_FIXTURES'] === 'all';
const MODELS = PYTORCH_SEQ_MODELS.filter((name) => ALL || ['ln_gelu_mlp_op17', 'mha_batch_first', 'encoder_post_relu'].includes(name));

describe('PyTorch sequence fixtures on WGSL', () => {
  for (const name of MODELS) {
    it(name, async () => {
      const { bytes, io } = readPytorchSeq(name);
      await expectWgslMatchesPytorch(name, bytes, io, MAX_SEQ_RELATIVE_ERROR);
    }, ALL ? 120_000 : undefined);
  }
});
