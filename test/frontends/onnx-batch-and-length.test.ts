// PyTorch 1.13's nn.TransformerEncoderLayer (post-norm ReLU, key padding mask) exported with
// both the batch N and the length S symbolic, batch-first and batch-second: the exporter
// folds them into [S*N, E] around out_proj and [S, N*H, D] for the heads, which import as
// the monomial dims N*S and 4*N. One bundle per target (interpreter, JS, wasm) matches
// PyTorch at two (N, S) pairs, with one fused attention; onnxruntime agrees on the exports.

import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { fixDims } from '../../ir/fix-dims.ts';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { TargetRunner } from '../conformance/targets.ts';
import { MAX_SEQ_RELATIVE_ERROR, seqRelativeError } from '../support/pytorch-seq-fixtures.ts';
import { nsFeeds, nsWant, PYTORCH_NS_MODELS, readPytorchNs } from '../support/pytorch-ns-fixtures.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

describe('encoder layers with a symbolic batch and a symbolic length (N*S dims)', () => {
  for (const name of PYTORCH_NS_MODELS) {
    it(`${name}: imports with N and S symbolic, fuses to one attention, and one bundle per target matches PyTorch at two (N, S)`, async () => {
      const { bytes, io } = readPytorchNs(name);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      expect(graph.inputs.map((input) => input.type.shape)).toEqual(io.batch_first ? [['N', 'S', 32], ['N', 'S']] : [['S', 'N', 32], ['N', 'S']]);
      const optimized = optimize(graph).graph;
      expect(optimized.nodes.filter((n) => n.op === 'attention').map((n) => n.type.shape)).toEqual([['4*N', 'S', 8]]);
      expect(optimized.nodes.some((n) => n.type.shape.includes('N*S'))).toBe(true);
      expect(io.cases.map((c) => [c.dims.N, c.dims.S])).toEqual([[3, 5], [2, 9]]);
      for (const target of ['interpreter', 'js', 'wasm'] as const) {
        const session = await runner.open(graph, target, 3);
        try {
          for (const entry of io.cases) {
            const got = (await session.run(nsFeeds(entry), entry.dims))['y'];
            expect(seqRelativeError(nsWant(entry), got), `${target} at N = ${entry.dims.N}, S = ${entry.dims.S}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
          }
        } finally {
          session.dispose();
        }
      }
      // --dim N=2 folds N into the monomials (N*S → 2*S, 4*N → 8) and still matches.
      const last = io.cases[1];
      if (last === undefined) throw new Error('two cases expected');
      const fixed = fixDims(graph, { N: last.dims.N });
      expect(optimize(fixed).graph.nodes.find((n) => n.op === 'attention')?.type.shape).toEqual([4 * last.dims.N, 'S', 8]);
      expect(seqRelativeError(nsWant(last), interpret(fixed, nsFeeds(last))['y']), '--dim N').toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
    });

    it(`${name}: onnxruntime reproduces PyTorch from the export at both (N, S)`, async () => {
      const { bytes, io } = readPytorchNs(name);
      const session = await ort.InferenceSession.create(bytes);
      for (const entry of io.cases) {
        const feeds = Object.fromEntries(entry.inputs.map((t) => [t.name, t.dtype === 'bool'
          ? new ort.Tensor('bool', Uint8Array.from(t.data, (v) => v ?? 0), t.shape)
          : new ort.Tensor('float32', Float32Array.from(t.data, (v) => v ?? NaN), t.shape)]));
        const out = await session.run(feeds);
        expect(seqRelativeError(nsWant(entry), out['y']?.data as Float32Array)).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
      }
    });
  }
});
