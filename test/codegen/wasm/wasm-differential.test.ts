// Differential tests of the wasm backend on the shared random graphs (every op with a
// kernel (KERNEL_OPS), hostile names, several inputs and outputs, static and symbolic batches): the
// generated bundle, imported as a real module with every embedded module validated,
// computes what the reference interpreter computes on the graph it was given, within
// src/tolerance.ts, unoptimized and at -O2 (fused bodies, in-place slots), at batches 1..5,
// and again in the same session at a larger batch (memory grows).
//
// Edge values (NaN, ±Inf, ±1e30, ±1e4, -0) go through every op but the contractions.
// linear and matmul accumulate in f32 (the interpreter in f64); their error is bounded by
// K·u·Σ|x·w|, which tolerance.ts relates to |result| assuming Σ|x·w| ≈ |result|. Inputs of
// ±1e30 next to ordinary values break that assumption through cancellation (a sum of
// 1e25-sized terms that nearly cancel), so graphs with contractions get ordinary inputs;
// linear-kernel.test.ts checks NaN and ±Inf through linear separately.

import { describe, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import type { Feeds } from '../../../ir/interpret.ts';
import { OPS } from '../../../ir/ops/index.ts';
import { staticSize, symbolOf } from '../../../ir/types.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { arbGraphAndFeeds, assertGraphPropertyAsync, KERNEL_OPS } from '../../arbitraries.ts';
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

/**
 * The bundle implements the graph it is given: at -O2 that is the optimized graph (whether
 * optimization preserves meaning is the passes' property, not this backend's).
 */
async function agrees(graph: Graph, feeds: Feeds, variant: Variant): Promise<void> {
  const built = variant === 'O2' ? optimize(graph) : { graph, plan: naivePlan(graph) };
  const session = await loadWasmBundle(bundleFor(built.graph, built.plan));
  expectAgrees(built.graph, { ...feeds }, session.runSync({ ...feeds }));
  const more = largerBatch(graph);
  if (more !== undefined) expectAgrees(built.graph, { ...more }, await session.run({ ...more }));
}

const CONTRACTIONS = KERNEL_OPS.filter((op) => OPS[op].kind === 'linear');
const withEdges = arbGraphAndFeeds({
  maxWidth: 24, ops: KERNEL_OPS.filter((op) => !CONTRACTIONS.includes(op)), feeds: { batch: { min: 1, max: 5 } },
});
/**
 * Every op, but pow after a contraction: an f32 sum that cancels to near 0 carries an absolute
 * error of a few u times its terms, and x^e for a small e (0.06) turns that into a relative
 * error no fixed tolerance holds (tolerance.ts bounds relative errors of non-cancelling sums).
 * pow itself runs in the edge-value property above, on every other op.
 */
const allOps = arbGraphAndFeeds({ ops: KERNEL_OPS.filter((op) => op !== 'pow'), maxWidth: 24, feeds: { batch: { min: 1, max: 5 }, edges: false } });

describe('wasm bundle vs interpreter', () => {
  for (const variant of ['unoptimized', 'O2'] as const) {
    it(`agrees on random graphs without contractions, edge values included (${variant})`, async () => {
      await assertGraphPropertyAsync(withEdges, async ({ graph, feeds }) => agrees(graph, feeds, variant), { numRuns: 200 });
    });
    it(`agrees on random graphs of every op, ordinary values (${variant})`, async () => {
      await assertGraphPropertyAsync(allOps, async ({ graph, feeds }) => agrees(graph, feeds, variant), { numRuns: 200 });
    });
  }
});
