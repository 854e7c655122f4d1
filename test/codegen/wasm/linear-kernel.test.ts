// The packed-panel linear micro-kernel at shapes that exercise every path: full and tail
// panels (N not a multiple of 8 or 4), 4-row blocks and leftover rows, K = 1 and odd K,
// each fused activation with bias or without, PReLU with a scalar or per-channel slope
// (on rank-3 input the channel axis is not the column axis: the separate epilogue pass),
// and the relaxed-SIMD module where the engine supports it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import { ACTIVATION_OPS } from '../../../ir/ops/index.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { bundleFor, expectAgrees, loadWasmBundle, relaxedSimdSupported } from './wasm-bundle.ts';

interface LinearCase {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly rows: number;
  readonly bias: boolean;
  readonly activation: string | undefined;
  readonly rank3: boolean;
  readonly perChannel: boolean;
  readonly seed: number;
}

function linearGraph(c: LinearCase): Graph {
  const random = new Random(c.seed);
  const b = new GraphBuilder('linear_case');
  const x = b.input('x', c.rank3 ? ['N', 3, c.inFeatures] : ['N', c.inFeatures]);
  const scale = 1 / Math.sqrt(c.inFeatures);
  const w = b.constant(random.uniformArray(c.outFeatures * c.inFeatures, -scale, scale), [c.outFeatures, c.inFeatures]);
  const bias = c.bias ? b.constant(random.uniformArray(c.outFeatures, -1, 1), [c.outFeatures]) : undefined;
  const channels = c.rank3 ? 3 : c.outFeatures;
  const params = c.activation === 'prelu'
    ? [c.perChannel ? b.constant(random.uniformArray(channels, 0, 0.5), [channels]) : b.constant(Float32Array.of(0.25), [1])]
    : [];
  const activation = c.activation === undefined ? undefined : { op: c.activation, attrs: {} };
  b.output(b.linear(x, w, bias, activation, params));
  return b.build();
}

const arbLinear: fc.Arbitrary<LinearCase> = fc.record({
  inFeatures: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(128, 257)),
  outFeatures: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(64, 130)),
  rows: fc.integer({ min: 1, max: 11 }),
  bias: fc.boolean(),
  activation: fc.option(fc.constantFrom(...ACTIVATION_OPS), { nil: undefined }),
  rank3: fc.boolean(),
  perChannel: fc.boolean(),
  seed: fc.integer({ min: 1, max: 10_000 }),
});

function feedsFor(graph: Graph, rows: number, seed: number): Record<string, Float32Array> {
  const input = graph.inputs[0];
  const sample = input?.type.shape.slice(1).reduce<number>((n, d) => n * Number(d), 1) ?? 0;
  return { x: new Random(seed + 1).uniformArray(sample * rows, -2, 2) };
}

describe('wasm linear micro-kernel', () => {
  it('matches the interpreter on panel/row tails, every activation, bias or not', async () => {
    await fc.assert(fc.asyncProperty(arbLinear, async (c) => {
      const graph = linearGraph(c);
      const { graph: optimized, plan } = optimize(graph);
      const session = await loadWasmBundle(bundleFor(optimized, plan));
      const feeds = feedsFor(graph, c.rows, c.seed);
      expectAgrees(graph, feeds, session.runSync(feeds));
    }), { numRuns: 60 });
  });

  it('the seed MLP shape at batch 1, 4, 7 and 64', async () => {
    const graph = linearGraph({ inFeatures: 784, outFeatures: 128, rows: 1, bias: true, activation: 'relu', rank3: false, perChannel: false, seed: 3 });
    const session = await loadWasmBundle(bundleFor(graph, optimize(graph).plan));
    for (const rows of [1, 4, 7, 64]) {
      const feeds = feedsFor(graph, rows, rows);
      expectAgrees(graph, feeds, session.runSync(feeds));
    }
  });

  it('propagates NaN and ±Inf through the dot product and every activation like the interpreter', async () => {
    for (const activation of [undefined, ...ACTIVATION_OPS]) {
      const graph = linearGraph({ inFeatures: 9, outFeatures: 11, rows: 1, bias: true, activation, rank3: false, perChannel: true, seed: 9 });
      const session = await loadWasmBundle(bundleFor(graph, optimize(graph).plan));
      const x = new Random(4).uniformArray(9 * 6, -1, 1);
      [x[0], x[10], x[20], x[30], x[31]] = [NaN, Infinity, -Infinity, Infinity, -Infinity];
      expectAgrees(graph, { x }, session.runSync({ x }));
    }
  });

  it('the relaxed-SIMD module agrees too (where the engine validates it)', async () => {
    const graph = linearGraph({ inFeatures: 200, outFeatures: 37, rows: 1, bias: true, activation: 'gelu', rank3: false, perChannel: false, seed: 5 });
    const { graph: optimized, plan } = optimize(graph);
    const session = await loadWasmBundle(bundleFor(optimized, plan, { relaxed: true }));
    expect(session.relaxedSimd).toBe(relaxedSimdSupported());
    for (const rows of [1, 6]) {
      const feeds = feedsFor(graph, rows, rows);
      expectAgrees(graph, feeds, session.runSync(feeds));
    }
  });
});
