// PyTorch 1.13's encoder layers exported with both N and S symbolic
// (test/fixtures/pytorch-seq-ns: dims N*S and 4*N inside) through one WGSL bundle each,
// batch-first and batch-second, at both recorded (N, S); each within MAX_SEQ_RELATIVE_ERROR
// of PyTorch and with one fused attention. The other targets: onnx-batch-and-length.test.ts.

import { describe, expect, it } from 'vitest';
import type { FeedArray } from '../../ir/feeds.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { nsFeeds, nsWant, PYTORCH_NS_MODELS, readPytorchNs } from '../support/pytorch-ns-fixtures.ts';
import { MAX_SEQ_RELATIVE_ERROR, seqRelativeError } from '../support/pytorch-seq-fixtures.ts';
import { gpuDevice } from '../support/webgpu.ts';

interface Session {
  run(feeds: Record<string, FeedArray>, dims: Readonly<Record<string, number>>): Promise<Record<string, Float32Array>>;
  dispose(): void;
}
interface WgslModule { load(options: { device: GPUDevice }): Promise<Session> }

describe('encoder layers over symbolic N and S on WGSL', () => {
  for (const name of PYTORCH_NS_MODELS) {
    it(`${name}: one bundle matches PyTorch at both (N, S)`, async () => {
      const { device, description } = await gpuDevice();
      const { bytes, io } = readPytorchNs(name);
      const bundle = compile(importOnnx(bytes, { file: `${name}.onnx` }), { target: 'wgsl' });
      expect(bundle.graph.nodes.filter((n) => n.op === 'attention'), 'one fused attention').toHaveLength(1);
      const session = await ((await importBundle(bundle)) as unknown as WgslModule).load({ device });
      try {
        for (const entry of io.cases) {
          const got = (await session.run(nsFeeds(entry), entry.dims))['y'];
          expect(seqRelativeError(nsWant(entry), got), `${description}, ${name} at N = ${entry.dims.N}, S = ${entry.dims.S}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        }
      } finally {
        session.dispose();
      }
    }, 60_000);
  }
});
