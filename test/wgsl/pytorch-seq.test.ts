// Issue 12's PyTorch sequence fixtures (test/fixtures/pytorch-seq) through the WGSL bundle:
// the layer_norm and fused attention shaders validate and, on this machine's WebGPU adapter,
// match PyTorch within MAX_SEQ_RELATIVE_ERROR. SwiftShader compiles pipelines on the CPU
// (~4–9 s per encoder model), so three models run by default and all with
// FUSEGRAPH_WGSL_FIXTURES=all.

import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_MODELS, readPytorchSeq, relativeError } from '../support/pytorch-seq-fixtures.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { checkShaders, loadWgsl, prepared } from './run-wgsl.ts';

const ALL = process.env['FUSEGRAPH_WGSL_FIXTURES'] === 'all';
const MODELS = PYTORCH_SEQ_MODELS.filter((name) => ALL || ['ln_gelu_mlp_op17', 'mha_batch_first', 'encoder_post_relu'].includes(name));

describe('PyTorch sequence fixtures on WGSL', () => {
  for (const name of MODELS) {
    it(name, async () => {
      const { bytes, io } = readPytorchSeq(name);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      const target = prepared(graph, 'O2');
      await checkShaders((await gpuDevice()).device, target.graph, target.plan);
      const session = await loadWgsl(target.graph, target.plan, io.input.shape[0] ?? 1);
      try {
        const results = await session.run({ [io.input.name]: Float32Array.from(io.input.data) });
        for (const output of io.outputs) {
          const got = results[output.name] ?? new Float32Array();
          expect(got.length, `${name}: ${output.name}`).toBe(output.data.length);
          expect(relativeError(output.data, got), `${name}: ${output.name} vs PyTorch`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        }
      } finally {
        session.dispose();
      }
    }, ALL ? 120_000 : undefined);
  }
});
