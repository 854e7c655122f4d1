// Differential tests of the wasm backend on the shared random graphs (every op of the
// table, hostile names, several inputs and outputs, static and symbolic batches): the
// generated bundle, imported as a real module with every embedded module validated,
// computes what the reference interpreter computes within src/tolerance.ts, unoptimized and
// at -O2 (fused bodies, in-place slots), at batches 1..5 with edge values (NaN, ±Inf,
// ±1e30, -0), and again in the same session at a larger batch (memory grows).

import { describe, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import type { Feeds } from '../../../ir/interpret.ts';
import { staticSize, symbolOf } from '../../../ir/types.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { arbGraphAndFeeds, assertGraphPropertyAsync } from '../../arbitraries.ts';
import { naivePlan } from '../naive-plan.ts';
import { bundleFor, expectAgrees, loadWasmBundle } from './wasm-bundle.ts';

type Variant = 'unoptimized' | 'O2';

/** Feeds for a batch of 9 (deterministic values), if the graph has a symbolic batch. */
function largerBatch(graph: Graph): Feeds | undefined {
  if (!graph.inputs.some((input) => symbolOf(input.type.shape) !== undefined)) return undefined;
  return Object.fromEntries(graph.inputs.map((input, k) => {
    const count = staticSize(input.type.shape) * (symbolOf(input.type.shape) !== undefined ? 9 : 1);
    return [input.name, new Float32Array(count).map((_, i) => Math.sin(i + k))];
  }));
}

async function agrees(graph: Graph, feeds: Feeds, variant: Variant): Promise<void> {
  const built = variant === 'O2' ? optimize(graph) : { graph, plan: naivePlan(graph) };
  const session = await loadWasmBundle(bundleFor(built.graph, built.plan));
  expectAgrees(graph, { ...feeds }, session.runSync({ ...feeds }));
  const more = largerBatch(graph);
  if (more !== undefined) expectAgrees(graph, { ...more }, await session.run({ ...more }));
}

const cases = arbGraphAndFeeds({ maxWidth: 24, feeds: { batch: { min: 1, max: 5 } } });

describe('wasm bundle vs interpreter', () => {
  for (const variant of ['unoptimized', 'O2'] as const) {
    it(`agrees on random graphs (${variant})`, async () => {
      await assertGraphPropertyAsync(cases, async ({ graph, feeds }) => agrees(graph, feeds, variant), { numRuns: 300 });
    });
  }
});
