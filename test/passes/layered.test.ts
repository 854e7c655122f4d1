// Passes and -O2 on layered model-like graphs (arb-layered.ts): same results, valid,
// idempotent, no growth; and the patterns they are built from do get rewritten.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useCounts, type Node } from '../../ir/graph.ts';
import { OPS } from '../../ir/ops/index.ts';
import { printGraph } from '../../ir/print.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { QUIET } from '../../src/passes/pass.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { ALL_PASSES } from '../../src/passes/registry.ts';
import { arbFeeds, assertGraphProperty } from '../arbitraries.ts';
import { arbLayeredGraph } from './arb-layered.ts';
import { assertSameResults } from './equivalence.ts';

const full = { weights: 'full' } as const;
// Edge values included: fusion is exact (see properties.test.ts).
const cases = arbLayeredGraph().chain((graph) => arbFeeds(graph, { finite: false, batch: 3 }).map((feeds) => ({ graph, feeds })));

describe('layered graphs', () => {
  for (const pass of ALL_PASSES) {
    it(`${pass.name}: verifies, same results, idempotent`, () => {
      assertGraphProperty(cases, ({ graph, feeds }) => {
        const once = pass.run(graph, QUIET);
        expect(verifyGraph(once)).toEqual([]);
        assertSameResults(graph, once, feeds);
        expect(printGraph(pass.run(once, QUIET), full)).toBe(printGraph(once, full));
      }, { numRuns: 40 });
    });
  }

  it('-O2: same results, never more nodes, no matmul by an unshared constant, no activation right after a single-use linear', () => {
    assertGraphProperty(cases, ({ graph, feeds }) => {
      const { graph: optimized } = optimize(graph, { verifyEach: true });
      assertSameResults(graph, optimized, feeds);
      expect(optimized.nodes.length).toBeLessThanOrEqual(graph.nodes.length);
      const producers = new Map(optimized.nodes.map((n) => [n.name, n]));
      const uses = useCounts(optimized);
      const first = (node: Node): Node | undefined => producers.get(node.inputs[0] ?? '');
      for (const node of optimized.nodes) {
        if (OPS[node.op].elementwise?.activation === true && first(node)?.op === 'linear') {
          const pre = node.inputs[0] ?? '';
          const fusible = first(node)?.attrs['activation'] === undefined && uses.get(pre) === 1;
          if (fusible && (node.inputs.length === 1 || node.type.shape.length === 2)) throw new Error(`${node.name} = ${node.op} was not fused`);
        }
        if (node.op === 'matmul' && producers.get(node.inputs[1] ?? '')?.op === 'const') {
          // Allowed only where the weight has another kind of reader (it is stored once).
          const weight = node.inputs[1] ?? '';
          const otherReader = optimized.nodes.some((n) => n.inputs.includes(weight) && (n.op !== 'matmul' || n.inputs[0] === weight));
          if (!otherReader) throw new Error(`${node.name} = matmul by a constant only matmuls read`);
        }
        if (node.op === 'transpose') expect(first(node)?.op).not.toBe('const');
        // A no-op survives only to give a returned value (or an input) a second public name.
        const source = node.inputs[0] ?? '';
        const named = optimized.outputs.includes(source) || optimized.inputs.some((input) => input.name === source);
        if ((node.op === 'identity' || node.op === 'dropout') && !named) throw new Error(`${node.op} survived -O2`);
      }
    }, { numRuns: 80 });
  });

  it('-O2 fuses in most of them (the arbitrary is not vacuous)', () => {
    const graphs = fc.sample(arbLayeredGraph(), { numRuns: 100, seed: 42 });
    const fused = graphs.filter((g) => optimize(g).graph.nodes.some((n) => n.op === 'linear' && n.attrs['activation'] !== undefined));
    expect(fused.length).toBeGreaterThan(30);
  });
});
