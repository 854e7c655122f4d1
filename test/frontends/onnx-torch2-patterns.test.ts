// The hand-built replicas of PyTorch 2.x's attention exports (test/fixtures/pytorch-seq/t2_*,
// export_torch2_patterns.py: SDPA inside nn.TransformerEncoderLayer, nn.MultiheadAttention's
// need_weights baddbmm form, SDPA with is_causal or a bool mask): onnxruntime-node computes
// the recorded PyTorch 1.13 outputs from each graph (so the replica is a faithful ONNX graph
// of that math), and where a symbol is left (S, or the batch N) one JS and one wasm bundle
// match PyTorch at both recorded sizes. Import, fusion and the recorded size on every target
// are in onnx-seq-fixtures.test.ts (these fixtures sit in the same folder).

import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { TargetRunner } from '../conformance/targets.ts';
import { runOnnxRuntime } from './ort-runner.ts';
import { MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_MODELS, readPytorchSeq, recordedDims, recordedFeed, seqRelativeError, type PytorchSeqIo } from '../support/pytorch-seq-fixtures.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

const MODELS = PYTORCH_SEQ_MODELS.filter((name) => name.startsWith('t2_'));

/** The io.json's second recording (another S or N), shaped as the first. */
type MoreIo = PytorchSeqIo & { more?: Pick<PytorchSeqIo, 'inputs' | 'outputs'> };

function recordings(io: MoreIo): PytorchSeqIo[] {
  return io.more === undefined ? [io] : [io, { ...io, ...io.more, input: io.more.inputs?.[0] ?? io.input }];
}

describe('PyTorch 2.x export replicas', () => {
  it('has the SDPA encoders, need_weights MHA and bare SDPA forms', () => {
    expect(MODELS).toEqual(expect.arrayContaining([
      't2_encoder_post_relu', 't2_encoder_post_relu_kpm', 't2_encoder_pre_gelu_kpm', 't2_encoder_pre_gelu_kpm_dyn_batch',
      't2_encoder_post_relu_kpm_ns', 't2_mha_weights', 't2_mha_weights_kpm', 't2_mha_weights_avg_kpm', 't2_sdpa_causal', 't2_sdpa_bool_mask',
    ]));
  });

  for (const name of MODELS) {
    it(`${name}: onnxruntime-node on the replica gives PyTorch's outputs (1e-5)`, async () => {
      const { bytes, io } = readPytorchSeq(name);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      for (const recording of recordings(io as MoreIo)) {
        const results = await runOnnxRuntime(bytes, graph, recordedFeed(graph, recording), new Map(), recordedDims(graph, recording));
        for (const output of recording.outputs) {
          expect(seqRelativeError(output.data.map((v) => v ?? NaN), results[output.name]), `${name}: ${output.name}`).toBeLessThanOrEqual(1e-5);
        }
      }
    });

    const { io } = readPytorchSeq(name);
    if ((io as MoreIo).more === undefined) continue;
    it(`${name}: the -O2 graph on the interpreter matches PyTorch at both sizes`, () => {
      const { bytes } = readPytorchSeq(name);
      const graph = optimize(importOnnx(bytes, { file: `${name}.onnx` })).graph;
      for (const recording of recordings(io as MoreIo)) {
        const results = interpret(graph, recordedFeed(graph, recording), recordedDims(graph, recording));
        for (const output of recording.outputs) {
          expect(seqRelativeError(output.data.map((v) => v ?? NaN), results[output.name]), `${name} at ${JSON.stringify(recording.input.shape)}: ${output.name}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        }
      }
    });
    for (const target of ['js', 'wasm'] as const) {
      it(`${name}: one ${target} bundle matches PyTorch at both sizes`, async () => {
        const { bytes } = readPytorchSeq(name);
        const graph = importOnnx(bytes, { file: `${name}.onnx` });
        const session = await runner.open(graph, target, io.input.shape[0] ?? 1);
        try {
          for (const recording of recordings(io as MoreIo)) {
            const results = await session.run(recordedFeed(graph, recording), recordedDims(graph, recording));
            for (const output of recording.outputs) {
              expect(seqRelativeError(output.data.map((v) => v ?? NaN), results[output.name]), `${name} on ${target} at ${JSON.stringify(recording.input.shape)}: ${output.name}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
            }
          }
        } finally {
          session.dispose();
        }
      });
    }
  }
});
