// Issue 12's PyTorch sequence fixtures (test/fixtures/pytorch-seq): each imports (LayerNorm's
// opset-13 decomposition fused at import), the interpreter reproduces PyTorch on the imported
// and on the -O2 graph (where attention is fused: one `attention` node per Softmax PyTorch
// exported, key padding masks included), and the JS and WASM bundles match PyTorch. Fully
// padded rows are NaN in PyTorch and must be NaN at exactly the same places here.
// The WGSL bundle is checked in test/wgsl/pytorch-seq.test.ts.

import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx, SUPPORTED_ONNX_OPS } from '../../src/frontends/onnx/import.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { TargetRunner } from '../conformance/targets.ts';
import { graphForTarget, MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_MODELS, readPytorchSeq, recordedDims, recordedFeed, seqRelativeError } from '../support/pytorch-seq-fixtures.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

const FAMILIES = [
  'ln_gelu_mlp', 'ln_gelu_mlp_op17', 'mha_batch_first', 'mha_seq_first', 'encoder_post_relu', 'encoder_pre_gelu', 'encoder_post_gelu_op15',
  'mha_kpm_batch_first', 'mha_kpm_seq_first', 'mha_kpm_float', 'mha_kpm_causal', 'mha_kpm_all_padded', 'encoder_kpm_post_relu', 'encoder_kpm_pre_gelu_2l',
  'mha_kpm_dyn_batch', 'encoder_kpm_dyn_batch',
];

describe('PyTorch sequence fixtures', () => {
  it('has every model of issue 12 (this part)', () => {
    expect(PYTORCH_SEQ_MODELS).toEqual(expect.arrayContaining(FAMILIES));
  });

  for (const name of PYTORCH_SEQ_MODELS) {
    it(`${name}: import, fusion and interpreter vs PyTorch`, () => {
      const { bytes, io } = readPytorchSeq(name);
      expect(io.onnx_ops.filter((op) => !SUPPORTED_ONNX_OPS.includes(op))).toEqual([]);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      const ops = new Set(graph.nodes.map((n) => n.op));
      if (io.onnx_ops.includes('Pow') || io.onnx_ops.includes('LayerNormalization')) {
        expect(ops.has('layer_norm'), 'LayerNorm is one node after import').toBe(true);
        expect(ops.has('pow') || ops.has('reduce_mean')).toBe(false);
      }
      const optimized = optimize(graph).graph;
      if (io.onnx_ops.includes('Softmax')) {
        const fused = optimized.nodes.map((n) => n.op);
        const softmaxes = io.onnx_op_counts?.['Softmax'];
        expect(fused.filter((op) => op === 'attention').length, 'one attention per layer at -O2').toBe(io.fused_attention ?? softmaxes);
        // A softmax that is also an output (need_weights' averaged weights) stays unfused.
        if ((io.fused_attention ?? softmaxes) === softmaxes) expect(fused.includes('softmax') || fused.includes('matmul'), 'nothing of the pattern is left').toBe(false);
      }
      const feeds = recordedFeed(graph, io);
      for (const g of [graph, optimized]) {
        const results = interpret(g, feeds, recordedDims(graph, io));
        for (const output of io.outputs) {
          expect(seqRelativeError(output.data, results[output.name]), `${name}: ${output.name}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        }
      }
    });

    for (const target of ['js', 'wasm'] as const) {
      it(`${name} on ${target} matches PyTorch`, async () => {
        const { bytes, io } = readPytorchSeq(name);
        const graph = importOnnx(bytes, { file: `${name}.onnx` });
        const compiled = graphForTarget(graph, target, io.input.shape[0] ?? 1);
        const session = await runner.open(compiled, target, io.input.shape[0] ?? 1);
        try {
          const results = await session.run(recordedFeed(graph, io), recordedDims(compiled, io));
          for (const output of io.outputs) {
            expect(seqRelativeError(output.data, results[output.name]), `${name} on ${target}: ${output.name}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
          }
        } finally {
          session.dispose();
        }
      });
    }
  }
});
