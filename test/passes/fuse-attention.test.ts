// The attention fusion: random unfused graphs softmax(Q·Kᵀ·scale + mask)·V (the scale on the
// query, on the scores, or split as √scale on q and kᵀ as PyTorch 2.x exports SDPA; leading dims with
// and without the symbolic batch, Sq and Sk static or the symbols T and S, Sk across the 64-key tile, D and Dv on and off the 4-lane width,
// masks broadcast from any prefix: an additive float constant, a bool input applied as
// scores + where(m, -inf, 0), where(m, -inf, scores) or where(keep, scores, -inf), alone or
// after a float mask, with rows whose every key is masked now and then) fuse into one
// `attention` node at -O2, and the fused graph on the interpreter, JS and WASM equals the
// unfused graph on the interpreter (NaN exactly where a row is fully masked) within
//
//   |fused − unfused| ≤ max|V| · u · (8·L + 2·Sk + 8),   u = 2⁻²⁴,
//
// L the largest |logit| bound |scale|·Σ_t|q_t·k_t| + |float mask|: a logit rounded differently by
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
  /** Sq and Sk as the symbols T and S (bound to sq and sk at run time): one bundle for every length. */
  readonly symbolicSeq: boolean;
  readonly sq: number;
  readonly sk: number;
  readonly d: number;
  readonly dv: number;
  readonly scale: number;
  /** How many trailing axes of the score shape the mask has (0: no mask), and which of them are 1. */
  readonly maskRank: number;
  readonly maskOnes: readonly boolean[];
  /**
   * Where the scale is: the query divided by 1/scale (PyTorch 1.x), the scores times scale, or
   * split as √scale on both q and kᵀ (PyTorch 2.x's scaled_dot_product_attention export).
   */
  readonly scaleForm: ScaleForm;
  /** How a mask applies: an additive float constant, a bool input (3 forms), or a float constant then a bool. */
  readonly maskKind: MaskKind;
  /** The share of masked keys, and whether the first score row is masked entirely. */
  readonly density: number;
  readonly fullRow: boolean;
  readonly seed: number;
}

type MaskKind = 'float' | 'bool-add' | 'bool-where' | 'bool-keep' | 'float-then-bool';
type ScaleForm = 'query' | 'scores' | 'split';

const caseArb: fc.Arbitrary<Case> = fc.record({
  lead: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
  symbolic: fc.boolean(),
  symbolicSeq: fc.boolean(),
  sq: fc.integer({ min: 1, max: 9 }),
  sk: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 60, max: 140 })),
  // Multiples of 4 (D up to 128) take WASM's blocked kernel (codegen/wasm/attention-fast.ts).
  d: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(4, 8, 16, 32)),
  dv: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(4, 8, 16, 32)),
  scale: fc.double({ min: 0.05, max: 1.5, noNaN: true }),
  maskRank: fc.integer({ min: 0, max: 4 }),
  maskOnes: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  scaleForm: fc.constantFrom<ScaleForm>('query', 'scores', 'split'),
  maskKind: fc.constantFrom<MaskKind>('float', 'bool-add', 'bool-where', 'bool-keep', 'float-then-bool'),
  density: fc.constantFrom(0, 0.3, 0.7),
  fullRow: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

const BATCH = 2;

interface DimsSession {
  run(feeds: Record<string, Float32Array | Uint8Array>, dims: Record<string, number>): Promise<Record<string, Float32Array>>;
  dispose(): void;
}

function random(seed: number, size: number, range: number): Float32Array {
  return new Random(seed).uniformArray(size, -range, range);
}

/** 1 where a key is masked: a share `density` of them, all of the first row when `fullRow`. */
function maskBits(c: Case, shape: readonly number[]): Uint8Array {
  const random = new Random(c.seed + 4);
  const bits = Uint8Array.from({ length: shape.reduce((n, d) => n * d, 1) }, () => (random.uniform(0, 1) < c.density ? 1 : 0));
  if (c.fullRow) bits.fill(1, 0, shape[shape.length - 1] ?? 1);
  return bits;
}

/** The unfused graph as PyTorch exports it (q·(1/√d) or scores·scale, a transposed K). */
function unfused(c: Case): { graph: Graph; feeds: Record<string, Float32Array | Uint8Array>; maskData?: Float32Array; dims: Record<string, number> } {
  const b = new GraphBuilder('attention_case');
  const lead: (number | string)[] = c.symbolic ? ['N', ...c.lead] : [...c.lead];
  const [sq, sk] = c.symbolicSeq ? ['T', 'S'] : [c.sq, c.sk];
  const q = b.input('q', [...lead, sq, c.d]);
  const k = b.input('k', [...lead, sk, c.d]);
  const v = b.input('v', [...lead, sk, c.dv]);
  const rank = lead.length + 2;
  const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  const kt = b.transpose(k, perm);
  let scores: ReturnType<typeof b.input>;
  if (c.scaleForm === 'split') {
    // Mul(q, Sqrt(scale)) and Mul(kᵀ, Sqrt(scale)), one Sqrt of a [1] constant read twice.
    const root = b.sqrt(b.constant(Float32Array.of(c.scale), [1]));
    scores = b.matmul(b.mul(q, root), b.mul(kt, root));
  } else {
    const factor = b.constant(Float32Array.of(c.scaleForm === 'query' ? 1 / c.scale : c.scale), []);
    scores = c.scaleForm === 'query' ? b.matmul(b.div(q, factor), kt) : b.mul(b.matmul(q, kt), factor);
  }
  const scoreShape = [...lead, sq, sk];
  const maskRank = Math.min(c.maskRank, scoreShape.length);
  let maskData: Float32Array | undefined;
  let bits: Uint8Array | undefined;
  if (maskRank > 0) {
    const shape = scoreShape.slice(-maskRank).map((dim, i) => (c.maskOnes[i] === true || typeof dim === 'string' ? 1 : dim));
    if (c.maskKind === 'float' || c.maskKind === 'float-then-bool') {
      maskData = random(c.seed + 3, shape.reduce((n, d) => n * d, 1), 3);
      scores = b.add(scores, b.constant(maskData, shape));
    }
    if (c.maskKind !== 'float') {
      bits = maskBits(c, shape);
      const m = b.input('m', shape, 'bool');
      const inf = b.constant(Float32Array.of(-Infinity), []);
      if (c.maskKind === 'bool-add') scores = b.add(scores, b.op('where', [m, inf, b.constant(Float32Array.of(0), [])]));
      else if (c.maskKind === 'bool-keep') scores = b.op('where', [b.op('not', [m]), scores, inf]);
      else scores = b.op('where', [m, inf, scores]);
    }
  }
  const p = b.op('softmax', [scores], { axis: -1 });
  b.output(b.matmul(p, v, 'out'));
  const size = (dims: readonly number[]): number => (c.symbolic ? BATCH : 1) * [...c.lead, ...dims].reduce((n, d) => n * d, 1);
  const feeds = {
    q: random(c.seed, size([c.sq, c.d]), 2),
    k: random(c.seed + 1, size([c.sk, c.d]), 2),
    v: random(c.seed + 2, size([c.sk, c.dv]), 2),
    ...(bits === undefined ? {} : { m: bits }),
  };
  const dims = { ...(c.symbolic ? { N: BATCH } : {}), ...(c.symbolicSeq ? { T: c.sq, S: c.sk } : {}) };
  return { graph: b.build(), feeds, dims, ...(maskData === undefined ? {} : { maskData }) };
}

function bound(c: Case, feeds: Record<string, Float32Array | Uint8Array>, maskData?: Float32Array): number {
  const maxOf = (a: Float32Array | Uint8Array | undefined): number => (a === undefined ? 0 : Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0));
  const logit = c.scale * c.d * maxOf(feeds['q']) * maxOf(feeds['k']) + maxOf(maskData);
  return maxOf(feeds['v']) * 2 ** -24 * (8 * logit + 2 * c.sk + 8);
}

/** max |a − b| where both are numbers; Infinity unless their NaNs (fully masked rows) coincide. */
function maxDiff(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (a === undefined || b === undefined || a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? NaN;
    worst = Number.isNaN(x) || Number.isNaN(y) ? (Number.isNaN(x) === Number.isNaN(y) ? worst : Infinity) : Math.max(worst, Math.abs(x - y));
  });
  return worst;
}

describe('fuse-attention', () => {
  it('fuses and equals the unfused graph on the interpreter', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const { graph, feeds, maskData, dims } = unfused(c);
      const fused = optimize(graph).graph;
      expect(fused.nodes.filter((n) => n.op === 'attention')).toHaveLength(1);
      expect(fused.nodes.map((n) => n.op)).not.toContain('softmax');
      // Every constant scale, √scale under kᵀ's transpose included, is the attention's scale.
      expect(fused.nodes.map((n) => n.op)).not.toContain('mul');
      const want = interpret(graph, feeds, dims)['out'];
      expect(maxDiff(want, interpret(fused, feeds, dims)['out'])).toBeLessThanOrEqual(bound(c, feeds, maskData));
    }), { numRuns: 60 });
  });

  for (const target of ['js', 'wasm'] as const) {
    it(`fused kernels on ${target} equal the unfused graph`, async () => {
      await fc.assert(fc.asyncProperty(caseArb, async (c) => {
        const { graph, feeds, maskData, dims } = unfused(c);
        const want = interpret(graph, feeds, dims)['out'];
        // A bundle's run takes the symbols' values too (the lengths cannot tell N, T and S apart).
        const session = (await runner.open(graph, target, BATCH)) as unknown as DimsSession;
        try {
          const got = (await session.run(feeds, dims))['out'];
          expect(maxDiff(want, got)).toBeLessThanOrEqual(bound(c, feeds, maskData));
        } finally {
          session.dispose();
        }
      }), { numRuns: 16 });
    });
  }

  it('fuses a Hugging Face-style mask (1 - keep) · f32 min from an i32 input, exactly', () => {
    const b = new GraphBuilder('hf_mask');
    const q = b.input('q', [2, 2, 7, 4]);
    const keep = b.input('keep', [2, 1, 1, 7], 'i32');
    const scores = b.div(b.matmul(q, b.transpose(q, [0, 1, 3, 2])), b.constant(Float32Array.of(2), []));
    const fill = b.mul(b.sub(b.constant(Float32Array.of(1), []), b.op('cast', [keep], { to: 'f32' })), b.constant(Float32Array.of(-3.4028234663852886e38), []));
    b.output(b.matmul(b.op('softmax', [b.add(scores, fill)], { axis: -1 }), q, 'out'));
    const graph = b.build();
    const fused = optimize(graph).graph;
    expect(fused.nodes.filter((n) => n.op === 'attention')).toHaveLength(1);
    const feeds = { q: random(5, 112, 2), keep: Int32Array.from({ length: 14 }, (_, i) => (i % 7 < 5 - (i >= 7 ? 2 : 0) ? 1 : 0)) };
    expect(maxDiff(interpret(graph, feeds)['out'], interpret(fused, feeds)['out'])).toBe(0);
  });

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
