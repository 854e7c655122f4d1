// Property tests of every pass and every pipeline on random graphs (test/arbitraries.ts):
// the result verifies, computes what the input computed, and a second run changes nothing;
// -O2 never adds nodes.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { OPS } from '../../ir/ops/index.ts';
import { printGraph } from '../../ir/print.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { QUIET } from '../../src/passes/pass.ts';
import { optimize, PIPELINES, type OptLevel } from '../../src/passes/pipeline.ts';
import { ALL_PASSES } from '../../src/passes/registry.ts';
import { arbGraphAndFeeds, assertGraphProperty, type FeedOptions } from '../arbitraries.ts';
import { assertSameResults } from './equivalence.ts';

const RUNS = 60;
const full = { weights: 'full' } as const;

/**
 * Feeds per pass: every pass, fusion included, must keep results even on NaN, ±Inf, ±1e30
 * and 1e4 beside 0.5. Fusion can: a fused body rounds every primitive to f32 just as the
 * separate ops did through their tensors (ir/scalar.ts), so it changes no bit.
 */
const EDGE_FEEDS: FeedOptions = { finite: false };

function checkVerified(graph: Graph): void {
  const diagnostics = verifyGraph(graph);
  if (diagnostics.length > 0) throw new Error(`invalid graph: ${JSON.stringify(diagnostics[0])}\n${printGraph(graph)}`);
}

describe('each pass on random graphs', () => {
  for (const pass of ALL_PASSES) {
    it(`${pass.name}: verifies, preserves results, is idempotent`, () => {
      assertGraphProperty(arbGraphAndFeeds({ maxNodes: 8, feeds: EDGE_FEEDS }), ({ graph, feeds }) => {
        const once = pass.run(graph, QUIET);
        checkVerified(once);
        assertSameResults(graph, once, feeds);
        const twice = pass.run(once, QUIET);
        expect(printGraph(twice, full)).toBe(printGraph(once, full));
      }, { numRuns: RUNS });
    });
  }
});

describe('pipelines on random graphs', () => {
  for (const level of Object.keys(PIPELINES) as OptLevel[]) {
    it(`-${level}: verifies after every pass, preserves results, never adds nodes at -O2`, () => {
      assertGraphProperty(arbGraphAndFeeds({ maxNodes: 8, feeds: EDGE_FEEDS }), ({ graph, feeds }) => {
        const { graph: optimized } = optimize(graph, { level, verifyEach: true });
        assertSameResults(graph, optimized, feeds);
        // The one pass that adds work: each recurrent node's input projection becomes a linear
        // (with its W and B re-cut into constants), which the time loop then no longer does.
        if (level === 'O2') {
          const recurrent = graph.nodes.filter((n) => OPS[n.op].kind === 'recurrent').length;
          expect(optimized.nodes.length).toBeLessThanOrEqual(graph.nodes.length + 2 * recurrent);
        }
        const again = optimize(optimized, { level, verifyEach: true }).graph;
        expect(printGraph(again, full)).toBe(printGraph(optimized, full));
      }, { numRuns: RUNS });
    });
  }

  it('-O2 without elementwise fusion keeps NaN, infinities and huge values exactly where the input graph has them', () => {
    const passes = PIPELINES.O2.filter((name) => name !== 'fuse-elementwise');
    assertGraphProperty(arbGraphAndFeeds({ maxNodes: 8, feeds: { finite: false } }), ({ graph, feeds }) => {
      assertSameResults(graph, optimize(graph, { passes, verifyEach: true }).graph, feeds);
    }, { numRuns: RUNS });
  });
});
