// The attention fusion: random unfused graphs softmax(Q·Kᵀ·scale + mask)·V (leading dims with
// and without the symbolic batch, Sk across the 64-key tile, D and Dv on and off the 4-lane width,
// masks broadcast from any prefix) fuse into one `attention` node at -O2, and the fused graph
// on the interpreter, JS and WASM equals the unfused graph on the interpreter within
//
//   |fused − unfused| ≤ max|V| · u · (8·L + 2·Sk + 8),   u = 2⁻²⁴,
//
// L the largest |logit| bound |scale|·Σ_t|q_t·k_t| + |mask|: a logit rounded differently by
// δ changes its softmax weight by a relative ~2δ (hence 8·L·u with slack), and an f32
// accumulation over Sk weighted values adds up to Sk·u·max|V| (WASM sums in f32).

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';
import { TargetRunner } from '../conformance/targets.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

interface Case {
  readonly lead: readonly number[];
  readonly symbolic: boolean;
  readonly sq: number;
  readonly sk: number;
  readonly d: number;
  readonly dv: number;
  readonly scale: number;
  /** How many trailing axes of the score shape the mask has (0: no mask), and which of them are 1. */
  readonly maskRank: number;
  readonly maskOnes: readonly boolean[];
  readonly queryScaled: boolean;
  readonly seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  lead: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
  symbolic: fc.boolean(),
  sq: fc.integer({ min: 1, max: 9 }),
  sk: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 60, max: 140 })),
  // Multiples of 4 (D up to 128) take WASM's blocked kernel (codegen/wasm/attention-fast.ts).
  d: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(4, 8, 16, 32)),
  dv: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(4, 8, 16, 32)),
  scale: fc.double({ min: 0.05, max: 1.5, noNaN: true }),
  maskRank: fc.integer({ min: 0, max: 4 }),
  maskOnes: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  queryScaled: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

const BATCH = 2;

function random(seed: number, size: number, range: number): Float32Array {
  return new Random(seed).uniformArray(size, -range, range);
}

/** The unfused graph as PyTorch exports it (q·(1/√d) or scores·scale, a transposed K). */
function unfused(c: Case): { graph: Graph; feeds: Record<string, Float32Array>; maskData?: Float32Array } {
  const b = new GraphBuilder('attention_case');
  const lead: (number | string)[] = c.symbolic ? ['N', ...c.lead] : [...c.lead];
  const q = b.input('q', [...lead, c.sq, c.d]);
  const k = b.input('k', [...lead, c.sk, c.d]);
  const v = b.input('v', [...lead, c.sk, c.dv]);
  const rank = lead.length + 2;
  const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  const kt = b.transpose(k, perm);
  const factor = b.constant(Float32Array.of(c.queryScaled ? 1 / c.scale : c.scale), []);
  let scores = c.queryScaled ? b.matmul(b.div(q, factor), kt) : b.mul(b.matmul(q, kt), factor);
  const scoreShape = [...lead, c.sq, c.sk];
  const maskRank = Math.min(c.maskRank, scoreShape.length);
  let maskData: Float32Array | undefined;
  if (maskRank > 0) {
    const shape = scoreShape.slice(-maskRank).map((dim, i) => (c.maskOnes[i] === true || typeof dim === 'string' ? 1 : dim));
    maskData = random(c.seed + 3, shape.reduce((n, d) => n * d, 1), 3);
    scores = b.add(scores, b.constant(maskData, shape));
  }
  const p = b.op('softmax', [scores], { axis: -1 });
  b.output(b.matmul(p, v, 'out'));
  const size = (dims: readonly number[]): number => (c.symbolic ? BATCH : 1) * [...c.lead, ...dims].reduce((n, d) => n * d, 1);
  const feeds = {
    q: random(c.seed, size([c.sq, c.d]), 2),
    k: random(c.seed + 1, size([c.sk, c.d]), 2),
    v: random(c.seed + 2, size([c.sk, c.dv]), 2),
  };
  return { graph: b.build(), feeds, ...(maskData === undefined ? {} : { maskData }) };
}

function bound(c: Case, feeds: Record<string, Float32Array>, maskData?: Float32Array): number {
  const maxOf = (a: Float32Array | undefined): number => (a === undefined ? 0 : a.reduce((m, x) => Math.max(m, Math.abs(x)), 0));
  const logit = c.scale * c.d * maxOf(feeds['q']) * maxOf(feeds['k']) + maxOf(maskData);
  return maxOf(feeds['v']) * 2 ** -24 * (8 * logit + 2 * c.sk + 8);
}

function maxDiff(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (a === undefined || b === undefined || a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((x, i) => { worst = Math.max(worst, Math.abs(x - (b[i] ?? NaN))); });
  return Number.isNaN(worst) ? Infinity : worst;
}

describe('fuse-attention', () => {
  it('fuses and equals the unfused graph on the interpreter', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const { graph, feeds, maskData } = unfused(c);
      const fused = optimize(graph).graph;
      expect(fused.nodes.map((n) => n.op)).toContain('attention');
      expect(fused.nodes.map((n) => n.op)).not.toContain('softmax');
      const want = interpret(graph, feeds)['out'];
      expect(maxDiff(want, interpret(fused, feeds)['out'])).toBeLessThanOrEqual(bound(c, feeds, maskData));
    }), { numRuns: 60 });
  });

  for (const target of ['js', 'wasm'] as const) {
    it(`fused kernels on ${target} equal the unfused graph`, async () => {
      await fc.assert(fc.asyncProperty(caseArb, async (c) => {
        const { graph, feeds, maskData } = unfused(c);
        const want = interpret(graph, feeds)['out'];
        const session = await runner.open(graph, target, BATCH);
        try {
          const got = (await session.run(feeds))['out'];
          expect(maxDiff(want, got)).toBeLessThanOrEqual(bound(c, feeds, maskData));
        } finally {
          session.dispose();
        }
      }), { numRuns: 16 });
    });
  }

  it('leaves a softmax whose scores are read elsewhere', () => {
    const b = new GraphBuilder('shared_scores');
    const q = b.input('q', [2, 3, 4]);
    const k = b.input('k', [2, 4, 3]);
    const v = b.input('v', [2, 3, 5]);
    const scores = b.matmul(q, k);
    const out = b.matmul(b.op('softmax', [scores], { axis: -1 }), v);
    b.output(out, scores);
    expect(optimize(b.build()).graph.nodes.map((n) => n.op)).not.toContain('attention');
  });
});
