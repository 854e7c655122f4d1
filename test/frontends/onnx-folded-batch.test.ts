// A symbolic batch folded into another axis: batch-first nn.MultiheadAttention exports
// [N, S, E] → [S, N, E] → [S, N·H, D] with the target computed from Shape at import, which
// fusegraph imports as the dim `4*N` (a multiple of one symbol, ir/sym-size.ts). The
// *_dyn_batch fixtures (symbolic N, recorded at N = 3) fuse to one attention over [4*N, S, D]
// and one JS bundle reproduces PyTorch at every batch size; so do one wasm and one WGSL
// bundle, whose [S, N, E] strides are run-time sizes (codegen/runtime-sizes.ts), and they
// still compile with N fixed (test/frontends/onnx-seq-fixtures.test.ts runs them so).

import { afterAll, describe, expect, it } from 'vitest';
import type { FeedArray } from '../../ir/feeds.ts';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { TargetRunner } from '../conformance/targets.ts';
import { MAX_SEQ_RELATIVE_ERROR, readPytorchSeq, recordedFeed, seqRelativeError } from '../support/pytorch-seq-fixtures.ts';
import { intAttribute, node, onnxModel, shapeTensor } from './onnx-model.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

/** The first `n` samples of every feed (each input has N on axis 0). */
function firstSamples(feeds: Record<string, FeedArray>, n: number, of: number): Record<string, FeedArray> {
  return Object.fromEntries(Object.entries(feeds).map(([name, data]) => [name, data.slice(0, (data.length / of) * n)]));
}

describe('a batch folded into the heads (4*N)', () => {
  for (const name of ['mha_kpm_dyn_batch', 'encoder_kpm_dyn_batch']) {
    it(`${name}: imports with a symbolic N, fuses to one attention over [4*N, S, D], and one JS bundle matches PyTorch at N = 1, 2, 3`, async () => {
      const { bytes, io } = readPytorchSeq(name);
      const graph = importOnnx(bytes, { file: `${name}.onnx` });
      expect(graph.inputs.map((input) => input.type.shape[0])).toEqual(['N', 'N']);
      const attention = optimize(graph).graph.nodes.filter((n) => n.op === 'attention');
      expect(attention).toHaveLength(1);
      expect(attention[0]?.type.shape[0]).toBe('4*N');
      const recorded = io.input.shape[0] ?? 1;
      const feeds = recordedFeed(graph, io);
      const want = io.outputs[0]?.data ?? [];
      const session = await runner.open(graph, 'js', recorded);
      try {
        for (let n = 1; n <= recorded; n++) {
          const part = firstSamples(feeds, n, recorded);
          const expected = want.slice(0, (want.length / recorded) * n);
          expect(seqRelativeError(expected, interpret(graph, part)['y']), `interpreter, N = ${n}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
          expect(seqRelativeError(expected, (await session.run(part))['y']), `js, N = ${n}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        }
      } finally {
        session.dispose();
      }
    });
  }

  it('one wasm and one WGSL bundle take the symbolic [S, N, E] layout (run-time sizes) and match PyTorch at N = 1, 2, 3; N fixed still compiles', async () => {
    const { bytes, io } = readPytorchSeq('mha_kpm_dyn_batch');
    const graph = importOnnx(bytes);
    const recorded = io.input.shape[0] ?? 1;
    const feeds = recordedFeed(graph, io);
    const want = io.outputs[0]?.data ?? [];
    for (const target of ['wasm', 'wgsl'] as const) {
      expect(() => compile(graph, { target, dims: { N: 2 } }), target).not.toThrow();
      const session = await runner.open(graph, target, recorded);
      try {
        for (let n = 1; n <= recorded; n++) {
          const expected = want.slice(0, (want.length / recorded) * n);
          expect(seqRelativeError(expected, (await session.run(firstSamples(feeds, n, recorded)))['y']), `${target}, N = ${n}`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        }
      } finally {
        session.dispose();
      }
    }
  });

  it('a reshape of a reshape becomes one reshape of the source (0 keeps a symbol on its axis, -1 derives 2*S)', () => {
    const b = new GraphBuilder('views');
    const x = b.input('x', ['N', 'S', 8]);
    b.output(b.reshape(b.reshape(x, [0, 0, 2, 4]), [0, -1, 4], 'y'));
    const nodes = optimize(b.build()).graph.nodes;
    expect(nodes.map((n) => [n.op, n.attrs['shape'], n.type.shape])).toEqual([['reshape', [0, -1, 4], ['N', '2*S', 4]]]);
  });

  it('shape arithmetic: N·c is the dim c*N, a target contradicting the sizes is refused, N + c still is', () => {
    const model = (op: string, factor: number, rows: number): Uint8Array => onnxModel({
      inputs: [['x', ['N', rows]]], outputs: [['y', ['M', 2]]], initializers: [shapeTensor('zero', [0]), shapeTensor('c', [factor]), shapeTensor('two', [2])],
      nodes: [
        node('Shape', ['x'], 's'), node('Gather', ['s', 'zero'], 'n'), { ...node(op, ['n', 'c'], 'nc'), name: 'arith' },
        node('Concat', ['nc', 'two'], 'target', [intAttribute('axis', 0)]), node('Reshape', ['x', 'target'], 'y'),
      ],
    });
    expect(importOnnx(model('Mul', 3, 6)).nodes.find((n) => n.name === 'y')?.type.shape).toEqual(['3*N', 2]);
    expect(() => importOnnx(model('Mul', 2, 6))).toThrow('(Reshape): %x is f32[N,6]: cannot reshape [N,6] to [2*N,2] (axis 0 would be 3*N)');
    expect(() => importOnnx(model('Add', 3, 6))).toThrow(/^%arith \(Add\): shape arithmetic on the symbolic dim N is not supported/);
  });
});
