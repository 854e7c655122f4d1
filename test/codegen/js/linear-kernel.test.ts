// The register-blocked linear kernel across its code paths: row blocks, row groups and
// leftover rows (batches up to 130), full and partial column panels, packed constant weights
// and unpacked runtime weights, every fused activation with and without bias, and epilogue
// operands that vary by row (a per-channel PReLU slope on a 3-D input).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { ACTIVATION_OPS } from '../../../ir/ops/index.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { naivePlan } from '../naive-plan.ts';
import { importBundle } from './load-bundle.ts';

interface Shape { inFeatures: number; outFeatures: number; bias: boolean; activation: string | undefined; runtimeWeight: boolean; batch: number }

function linearGraph(s: Shape, seed: number): Graph {
  const random = new Random(seed);
  const b = new GraphBuilder('lin');
  const x = b.input('x', ['N', s.inFeatures]);
  const w = s.runtimeWeight ? b.input('w', [s.outFeatures, s.inFeatures]) : b.constant(random.uniformArray(s.outFeatures * s.inFeatures, -1, 1), [s.outFeatures, s.inFeatures]);
  const bias = s.bias ? b.constant(random.uniformArray(s.outFeatures, -1, 1), [s.outFeatures]) : undefined;
  const params = s.activation === 'prelu' ? [b.constant(random.uniformArray(s.outFeatures, 0, 1), [s.outFeatures])] : [];
  b.output(b.linear(x, w, bias, s.activation === undefined ? undefined : { op: s.activation, attrs: {} }, params, 'y'));
  return b.build();
}

async function check(graph: Graph, feeds: Record<string, Float32Array>): Promise<void> {
  const module = await importBundle(emitJs(graph, naivePlan(graph)));
  const expected = interpret(graph, feeds);
  const actual = module.run(feeds);
  const comparison = compareArrays(expected['y'] ?? new Float32Array(), actual['y'] ?? new Float32Array(), toleranceFor(graph));
  expect(comparison.mismatch).toBeUndefined();
}

describe('JS linear kernel', () => {
  it('matches the interpreter on every path: batch tails, panel tails, activations, runtime weights', async () => {
    const shape = fc.record({
      inFeatures: fc.integer({ min: 1, max: 40 }),
      outFeatures: fc.integer({ min: 1, max: 21 }),
      bias: fc.boolean(),
      activation: fc.option(fc.constantFrom(...ACTIVATION_OPS), { nil: undefined }),
      runtimeWeight: fc.boolean(),
      batch: fc.constantFrom(1, 2, 3, 4, 5, 63, 64, 65, 67, 130),
    });
    await fc.assert(fc.asyncProperty(shape, fc.nat(), async (s, seed) => {
      const graph = linearGraph(s, seed);
      const random = new Random(seed + 1);
      const feeds: Record<string, Float32Array> = { x: random.uniformArray(s.batch * s.inFeatures, -2, 2) };
      if (s.runtimeWeight) feeds['w'] = random.uniformArray(s.outFeatures * s.inFeatures, -1, 1);
      await check(graph, feeds);
    }), { numRuns: 60 });
  });

  it('applies a per-channel PReLU slope on axis 1 of a 3-D input by row', async () => {
    const b = new GraphBuilder('lin3');
    const x = b.input('x', ['N', 3, 5]);
    const w = b.constant(new Random(1).uniformArray(6 * 5, -1, 1), [6, 5]);
    const slope = b.constant(new Float32Array([0.1, 0.5, 2]), [3]);
    b.output(b.linear(x, w, undefined, { op: 'prelu', attrs: {} }, [slope], 'y'));
    const graph = b.build();
    await check(graph, { x: new Random(2).uniformArray(7 * 15, -2, 2) });
  });
});
