// PyTorch 2.x export replicas (test/fixtures/pytorch-seq/t2_*, export_torch2_patterns.py)
// through one WGSL bundle each: the SDPA-exported pre-norm GELU encoder with a bool key
// padding mask at S = 6 and S = 11 (run-time sizes), the same over a symbolic batch at N = 2
// and 3, and bare SDPA with is_causal; each within MAX_SEQ_RELATIVE_ERROR of PyTorch 1.13.
// SwiftShader compiles pipelines on the CPU, so three models only.

import { describe, expect, it } from 'vitest';
import type { FeedArray } from '../../ir/feeds.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { MAX_SEQ_RELATIVE_ERROR, readPytorchSeq, recordedDims, recordedFeed, seqRelativeError, type PytorchSeqIo } from '../support/pytorch-seq-fixtures.ts';
import { gpuDevice } from '../support/webgpu.ts';

interface Session {
  run(feeds: Record<string, FeedArray>, dims?: Readonly<Record<string, number>>): Promise<Record<string, Float32Array>>;
  dispose(): void;
}
interface WgslModule { load(options: { device: GPUDevice }): Promise<Session> }

type MoreIo = PytorchSeqIo & { more?: Pick<PytorchSeqIo, 'inputs' | 'outputs'> };

describe('PyTorch 2.x export replicas on WGSL', () => {
  for (const name of ['t2_encoder_pre_gelu_kpm', 't2_encoder_pre_gelu_kpm_dyn_batch', 't2_encoder_post_relu_kpm_ns', 't2_sdpa_causal']) {
    it(`${name}: one bundle matches PyTorch at every recorded size`, async () => {
      const { device, description } = await gpuDevice();
      const { bytes, io } = readPytorchSeq(name);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      const bundle = compile(graph, { target: 'wgsl' });
      expect(bundle.graph.nodes.filter((n) => n.op === 'attention'), 'one fused attention').toHaveLength(1);
      const session = await ((await importBundle(bundle)) as unknown as WgslModule).load({ device });
      try {
        const more = (io as MoreIo).more;
        for (const recording of more === undefined ? [io] : [io, { ...io, ...more }]) {
          const results = await session.run(recordedFeed(graph, recording), recordedDims(graph, recording));
          for (const output of recording.outputs) {
            const shape = JSON.stringify(recording.inputs?.[0]?.shape);
            expect(seqRelativeError(output.data.map((v) => v ?? NaN), results[output.name]), `${description}, ${name} at ${shape}: ${output.name}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
          }
        }
      } finally {
        session.dispose();
      }
    }, 60_000);
  }
});
