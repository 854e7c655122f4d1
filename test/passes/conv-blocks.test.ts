// The conv passes (fold-batch-norm, fuse-conv-bias, fuse-conv-residual, activation fusion)
// and -O2 on random CNN blocks (arb-conv-blocks.ts): valid, same results, idempotent, no
// growth; after -O2 no fusible mul/add/activation is left after a conv; and the arbitrary is
// not vacuous.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useCounts, type Graph } from '../../ir/graph.ts';
import { OPS } from '../../ir/ops/index.ts';
import { printGraph } from '../../ir/print.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { QUIET } from '../../src/passes/pass.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { PASSES } from '../../src/passes/registry.ts';
import { arbFeeds, assertGraphProperty } from '../arbitraries.ts';
import { arbConvBlockGraph } from './arb-conv-blocks.ts';
import { assertSameResults } from './equivalence.ts';

const full = { weights: 'full' } as const;
// Edge values included (NaN, ±Inf, ±1e30 beside ordinary values): the exact passes keep
// every bit, and fold-batch-norm's extra rounding of W·s stays within the linear tolerance
// unless a sum cancels to far below its terms, which these weights and scales make rare.
const cases = arbConvBlockGraph().chain((graph) => arbFeeds(graph, { finite: false, batch: 2 }).map((feeds) => ({ graph, feeds })));

const CONV_PASSES = ['fold-batch-norm', 'fuse-conv-bias', 'fuse-conv-residual', 'fuse-linear-activation'] as const;

/** Whether a value is read only once and not returned (so fusion may consume it). */
function singleUse(graph: Graph, name: string): boolean {
  return useCounts(graph).get(name) === 1;
}

describe('conv blocks', () => {
  for (const name of CONV_PASSES) {
    it(`${name}: verifies, same results, idempotent`, () => {
      const pass = PASSES[name];
      if (pass === undefined) throw new Error(`no pass ${name}`);
      assertGraphProperty(cases, ({ graph, feeds }) => {
        const once = pass.run(graph, QUIET);
        expect(verifyGraph(once)).toEqual([]);
        assertSameResults(graph, once, feeds);
        expect(printGraph(pass.run(once, QUIET), full)).toBe(printGraph(once, full));
      }, { numRuns: 60 });
    });
  }

  it('-O2: same results, never more nodes, nothing fusible left after a conv', () => {
    assertGraphProperty(cases, ({ graph, feeds }) => {
      const { graph: optimized } = optimize(graph, { verifyEach: true });
      assertSameResults(graph, optimized, feeds);
      expect(optimized.nodes.length).toBeLessThanOrEqual(graph.nodes.length);
      const producers = new Map(optimized.nodes.map((n) => [n.name, n]));
      for (const node of optimized.nodes) {
        const conv = producers.get(node.inputs[0] ?? '');
        if (conv?.op !== 'conv' || !singleUse(optimized, conv.name) || conv.attrs['activation'] !== undefined) continue;
        if (OPS[node.op].elementwise?.activation === true) throw new Error(`${node.name} = ${node.op} was not fused into ${conv.name}`);
        if (node.op === 'mul' || node.op === 'add') {
          const other = producers.get(node.inputs[1] ?? '');
          if (other?.op === 'const' && conv.attrs['residual'] === 0) throw new Error(`${node.name} = ${node.op} by a constant was not folded into ${conv.name}`);
        }
      }
    }, { numRuns: 60 });
  });

  it('-O2 folds BatchNorm, residuals and activations in most of them (the arbitrary is not vacuous)', () => {
    const graphs = fc.sample(arbConvBlockGraph(), { numRuns: 100, seed: 42 });
    const optimized = graphs.map((g) => optimize(g).graph);
    const convs = optimized.flatMap((g) => g.nodes.filter((n) => n.op === 'conv'));
    expect(convs.filter((n) => n.attrs['residual'] === 1).length).toBeGreaterThan(15);
    expect(convs.filter((n) => n.attrs['activation'] !== undefined).length).toBeGreaterThan(40);
    const normsLeft = optimized.filter((g) => g.nodes.some((n) => n.op === 'mul')).length;
    const normsBefore = graphs.filter((g) => g.nodes.some((n) => n.op === 'mul')).length;
    expect(normsBefore).toBeGreaterThan(30);
    expect(normsLeft).toBeLessThan(normsBefore / 2);
  });
});
