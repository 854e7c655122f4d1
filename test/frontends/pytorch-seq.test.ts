// The PyTorch embedding classifier fixture (test/fixtures/pytorch-seq, made by its export
// script with Debian's torch 1.13): int64 ids [N, 12] → nn.Embedding → masked mean over the
// sequence → nn.Linear. Imported, it must match PyTorch's logits on the interpreter and on
// the JS, WASM and WGSL bundles, fed as an Int32Array and as a BigInt64Array.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { TargetRunner, type ConformanceTarget } from '../conformance/targets.ts';

const DIR = new URL('../fixtures/pytorch-seq/', import.meta.url);
interface Recorded { name: string; shape: number[]; data: number[] }
const io = JSON.parse(readFileSync(new URL('embedding_classifier.io.json', DIR), 'utf8')) as { onnx_ops: string[]; input: Recorded; outputs: Recorded[] };
const graph = importOnnx(readFileSync(new URL('embedding_classifier.onnx', DIR)), { file: 'embedding_classifier.onnx' });
const ids = Int32Array.from(io.input.data);
const want = io.outputs[0]?.data ?? [];

/** Sums in another order than PyTorch's: a few f32 ulps of the largest logit. */
function expectLogits(got: Float32Array | undefined): void {
  const scale = Math.max(...want.map(Math.abs));
  expect(got?.length).toBe(want.length);
  want.forEach((v, i) => expect(Math.abs((got?.[i] ?? NaN) - v), `logits[${i}]`).toBeLessThanOrEqual(1e-5 * scale));
}

const runner = new TargetRunner();
afterAll(() => runner.dispose());

describe('PyTorch embedding classifier', () => {
  it('imports with an i32 input and a gather', () => {
    expect(io.onnx_ops).toContain('Gather');
    expect(graph.inputs[0]?.type).toEqual({ dtype: 'i32', shape: ['N', 12] });
    expect(graph.nodes.some((n) => n.op === 'gather')).toBe(true);
  });

  it('matches PyTorch on the interpreter', () => {
    expectLogits(interpret(graph, { ids })['logits']);
    expectLogits(interpret(graph, { ids: BigInt64Array.from(io.input.data, BigInt) })['logits']);
  });

  for (const target of ['js', 'wasm', 'wgsl'] as const satisfies readonly ConformanceTarget[]) {
    it(`matches PyTorch on the ${target} bundle`, async () => {
      const session = await runner.open(graph, target, 4);
      try {
        expectLogits((await session.run({ ids }))['logits']);
        expectLogits((await session.run({ ids: BigInt64Array.from(io.input.data, BigInt) }))['logits']);
        const bad = Int32Array.from(ids);
        bad[13] = 50;
        await expect(session.run({ ids: bad })).rejects.toThrow('fusegraph: id 50 at position [1, 1] of %ids is outside [-50, 50)');
      } finally {
        session.dispose();
      }
    });
  }
});
