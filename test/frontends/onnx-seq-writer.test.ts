// writeOnnx on the transformer ops: the -O2 graphs of the PyTorch sequence fixtures (fused
// attention and layer_norm) written at opset 13 (layer_norm decomposed) and 17
// (LayerNormalization) run in onnxruntime-node as in the interpreter, and read back to
// graphs that compute the same. The fixtures themselves also run in onnxruntime as in the
// interpreter; with a key padding mask too, where a fully padded row is NaN in both (ONNX's
// Softmax over -inf only), and the fused attention with its mask written back unfused; with
// a symbolic batch folded into the heads (4*N) too.

import { describe, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { writeOnnx } from '../../src/frontends/onnx/writer.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { readPytorchSeq, recordedFeed } from '../support/pytorch-seq-fixtures.ts';
import { expectClose } from './compare.ts';
import { runOnnxRuntime } from './ort-runner.ts';

describe('ONNX writer on the sequence ops', () => {
  for (const name of ['encoder_post_relu', 'encoder_pre_gelu', 'ln_gelu_mlp', 'mha_kpm_all_padded', 'mha_kpm_causal', 'encoder_kpm_post_relu', 'mha_kpm_dyn_batch']) {
    it(`${name}: the fixture and its -O2 graph (opsets 13, 17) run in onnxruntime as in the interpreter`, async () => {
      const { bytes, io } = readPytorchSeq(name);
      const imported = importOnnx(bytes, { file: `${name}.onnx` });
      const feeds = recordedFeed(imported, io);
      expectClose(imported, interpret(imported, feeds), await runOnnxRuntime(bytes, imported, feeds), `${name} as exported`);
      const graph = optimize(imported).graph;
      const want = interpret(graph, feeds);
      for (const opset of [13, 17]) {
        const written = writeOnnx(graph, { opset });
        expectClose(graph, want, await runOnnxRuntime(written, graph, feeds), `${name} written at opset ${opset}`);
        const back = importOnnx(written);
        expectClose(graph, want, interpret(back, feeds), `${name} read back from opset ${opset}`);
      }
    });
  }
});
