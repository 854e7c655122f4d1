// Differential tests of the JS backend: a generated bundle computes what the reference
// interpreter computes, within the tolerances of src/tolerance.ts, on the shared random
// graphs (every op with a kernel (KERNEL_OPS), hostile names, static and symbolic batches), unoptimized,
// at -O0 and at -O2, on batches of 1 to 5 with edge values (NaN, ±Inf, ±1e30, -0) included.

import { describe, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret, type Feeds } from '../../../ir/interpret.ts';
import { compile } from '../../../src/compile.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { arbGraphAndFeeds, assertGraphPropertyAsync, KERNEL_OPS } from '../../arbitraries.ts';
import { naivePlan } from '../naive-plan.ts';
import { importBundle, type BundleFiles } from './load-bundle.ts';

type Variant = 'unoptimized' | 'O0' | 'O2';

function bundleFor(graph: Graph, variant: Variant): BundleFiles {
  return variant === 'unoptimized' ? emitJs(graph, naivePlan(graph)) : compile(graph, { target: 'js', level: variant });
}

async function agrees(graph: Graph, feeds: Feeds, variant: Variant): Promise<void> {
  const module = await importBundle(bundleFor(graph, variant));
  const expected = interpret(graph, feeds);
  const actual = module.run({ ...feeds });
  const tolerance = toleranceFor(graph);
  for (const name of graph.outputs) {
    const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), tolerance);
    if (!comparison.ok) throw new Error(`${variant}: output ${JSON.stringify(name)} differs: ${JSON.stringify(comparison.mismatch)}`);
  }
}

const cases = arbGraphAndFeeds({ ops: KERNEL_OPS, maxWidth: 24, feeds: { batch: { min: 1, max: 5 } } });

describe('JS bundle vs interpreter', () => {
  for (const variant of ['unoptimized', 'O0', 'O2'] as const) {
    it(`agrees on random graphs (${variant})`, async () => {
      await assertGraphPropertyAsync(cases, async ({ graph, feeds }) => agrees(graph, feeds, variant), { numRuns: 100 });
    });
  }
});
