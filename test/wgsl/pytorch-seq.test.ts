// Issue 12's PyTorch sequence fixtures (test/fixtures/pytorch-seq) through the WGSL bundle:
// the layer_norm and fused attention shaders validate and, on this machine's WebGPU adapter,
// match PyTorch within MAX_SEQ_RELATIVE_ERROR. SwiftShader compiles pipelines on the CPU
// (~4–9 s per encoder model), so five models run by default and all with
// FUSEGRAPH_WGSL_FIXTURES=all. The masked fixtures feed their bool or float key padding
// mask; mha_kpm_all_padded's NaN rows (every key padded) are NaN here too on SwiftShader,
// although WGSL does not promise NaN (implementations may assume it never occurs). The
// *_dyn_batch fixtures compile with N fixed at the recorded batch (graphForTarget).

import { describe, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import type { Graph } from '../../ir/graph.ts';
import { graphForTarget, MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_MODELS, readPytorchSeq, recordedFeed, seqRelativeError } from '../support/pytorch-seq-fixtures.ts';
import { expectWgslMatchesPytorch } from './pytorch-fixture-check.ts';

const ALL = process.env['FUSEGRAPH_WGSL_FIXTURES'] === 'all';
const DEFAULT = ['ln_gelu_mlp_op17', 'mha_batch_first', 'encoder_post_relu', 'mha_kpm_batch_first', 'mha_kpm_all_padded'];
// The PyTorch 2.x replicas (t2_*, a symbolic S) run from one bundle at two lengths in torch2-patterns.test.ts.
const MODELS = PYTORCH_SEQ_MODELS.filter((name) => !name.startsWith('t2_') && (ALL || DEFAULT.includes(name)));

describe('PyTorch sequence fixtures on WGSL', () => {
  for (const name of MODELS) {
    it(name, async () => {
      const { bytes, io } = readPytorchSeq(name);
      const feeds = recordedFeed(importOnnx(bytes, { file: `${name}.onnx` }), io);
      const prepare = (graph: Graph): Graph => graphForTarget(graph, 'wgsl', io.input.shape[0] ?? 1);
      await expectWgslMatchesPytorch(name, bytes, io, MAX_SEQ_RELATIVE_ERROR, { feeds, measure: seqRelativeError, prepare });
    }, ALL ? 120_000 : 30_000);
  }
});
