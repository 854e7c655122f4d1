// A PyTorch nn.TransformerEncoderLayer exported with a symbolic sequence length S
// (test/fixtures/pytorch-seq-dyn, recorded at N = 2, S = 6): it imports with S symbolic (the
// exporter's [S*N, E] reshapes become the dim 2*S), the interpreter reproduces PyTorch, and one
// JS and one wasm bundle (run-time sizes) match PyTorch at S = 6 and the interpreter at other S.
// The WGSL bundle is checked in test/wgsl/runtime-sizes.test.ts.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { TargetRunner } from '../conformance/targets.ts';
import type { PytorchIo } from '../support/pytorch-cnn-fixtures.ts';
import { MAX_SEQ_RELATIVE_ERROR, seqRelativeError } from '../support/pytorch-seq-fixtures.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

const DYN_SEQ_DIR = new URL('../fixtures/pytorch-seq-dyn/', import.meta.url);

function readFixture(name: string): { bytes: Uint8Array; io: PytorchIo } {
  return {
    bytes: readFileSync(new URL(`${name}.onnx`, DYN_SEQ_DIR)),
    io: JSON.parse(readFileSync(new URL(`${name}.io.json`, DYN_SEQ_DIR), 'utf8')) as PytorchIo,
  };
}

describe('a PyTorch encoder layer with a symbolic sequence length', () => {
  const { bytes, io } = readFixture('encoder_post_relu_dyn_seq');
  const graph = importOnnx(bytes, { file: 'encoder_post_relu_dyn_seq.onnx' });
  const recorded = { x: Float32Array.from(io.input.data) };
  const want = io.outputs[0]?.data ?? [];

  it('imports with S symbolic and the interpreter matches PyTorch', () => {
    expect(graph.inputs[0]?.type.shape).toEqual([2, 'S', 32]);
    expect(graph.nodes.some((n) => n.type.shape.includes('2*S'))).toBe(true);
    expect(seqRelativeError(want, interpret(graph, recorded)['y'])).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
  });

  it('fuses to one attention per layer over a symbolic key length (never the S×S scores)', () => {
    const optimized = optimize(graph).graph;
    const attention = optimized.nodes.filter((n) => n.op === 'attention');
    expect(attention).toHaveLength(1);
    expect(attention[0]?.type.shape.slice(-2)).toEqual(['S', 8]);
    expect(optimized.nodes.some((n) => n.op === 'softmax' || n.op === 'matmul'), 'nothing of the pattern is left').toBe(false);
  });

  for (const target of ['js', 'wasm'] as const) {
    it(`one ${target} bundle matches PyTorch at S = 6 and the interpreter at S = 1 and 11`, async () => {
      const session = await runner.open(graph, target, 2);
      try {
        expect(seqRelativeError(want, (await session.run(recorded))['y']), target).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        for (const s of [1, 11]) {
          const feeds = { x: new Random(s).uniformArray(2 * s * 32, -2, 2) };
          const comparison = compareArrays(interpret(graph, feeds)['y'] ?? new Float32Array(), (await session.run(feeds))['y'] ?? new Float32Array(), toleranceFor(graph));
          expect(comparison.ok, `${target}, S = ${s}: ${JSON.stringify(comparison)}`).toBe(true);
        }
      } finally {
        session.dispose();
      }
    });
  }
});
