// Differential tests of the JS backend: a generated bundle computes what the reference
// interpreter computes, within the tolerances of src/tolerance.ts, on random graphs from the
// op table, batch 1 and several, with edge values.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { printGraph } from '../../../ir/print.ts';
import { staticSize } from '../../../ir/types.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { naivePlan } from '../naive-plan.ts';
import { compile } from '../../../src/compile.ts';
import { importBundle, type BundleFiles } from './load-bundle.ts';
import { arbFeed, arbGraphCase } from './random-graphs.ts';

type Variant = 'unoptimized' | 'O0' | 'O2';

function bundleFor(graph: Graph, variant: Variant): BundleFiles {
  return variant === 'unoptimized' ? emitJs(graph, naivePlan(graph)) : compile(graph, { target: 'js', level: variant });
}

async function agrees(graph: Graph, feeds: Record<string, Float32Array>, variant: Variant): Promise<void> {
  const module = await importBundle(bundleFor(graph, variant));
  const expected = interpret(graph, feeds);
  const actual = module.run(feeds);
  const tolerance = toleranceFor(graph);
  for (const name of graph.outputs) {
    const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), tolerance);
    if (!comparison.ok) throw new Error(`${variant}: output ${name} differs: ${JSON.stringify(comparison.mismatch)}\n${printGraph(graph)}`);
  }
}

const arbCase = arbGraphCase.chain((graphCase) =>
  fc.record({
    batch: fc.constantFrom(1, 2, 5),
    edges: fc.boolean(),
  }).chain(({ batch, edges }) => {
    const input = graphCase.graph.inputs[0];
    const sample = input === undefined ? 0 : staticSize(input.type.shape);
    return arbFeed(sample * batch, edges).map((x) => ({ graph: graphCase.graph, feeds: { x } }));
  }));

describe('JS bundle vs interpreter', () => {
  for (const variant of ['unoptimized', 'O0', 'O2'] as const) {
    it(`agrees on random graphs (${variant}), batches 1, 2 and 5, edge values included`, async () => {
      await fc.assert(fc.asyncProperty(arbCase, async ({ graph, feeds }) => agrees(graph, feeds, variant)), { numRuns: 80 });
    });
  }
});
