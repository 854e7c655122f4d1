// The reference interpreter on small cases computed by hand, its documented float semantics
// (f64 accumulation, one rounding per op), and fused activations equal to separate ones.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { ACTIVATION_OPS, activationParamCount, OPS } from '../../ir/ops/index.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import seedMlp from '../../examples/seed-mlp.ts';
import { Random } from '../../src/random.ts';

/** Runs a graph built by `build` on `feeds` and returns output `y` as a plain array. */
function run(build: (b: GraphBuilder) => Value, feeds: Record<string, number[]>): number[] {
  const b = new GraphBuilder('case');
  b.output(build(b));
  const data = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, Float32Array.from(v)]));
  return Array.from(interpret(b.build(), data)[b.build().outputs[0] ?? ''] ?? []);
}

describe('interpreter', () => {
  it('computes a 2x3 linear by hand', () => {
    const b = new GraphBuilder('tiny');
    const x = b.input('x', ['N', 3]);
    const w = b.constant(new Float32Array([1, 2, 3, -1, 0, 1]), [2, 3], 'w');
    const bias = b.constant(new Float32Array([0.5, -0.5]), [2], 'b');
    b.output(b.linear(x, w, bias, undefined, [], 'y'));
    const out = interpret(b.build(), { x: new Float32Array([1, 1, 1, 2, 0, -1]) });
    // row 0: [1+2+3+0.5, -1+0+1-0.5]; row 1: [2-3+0.5, -2-1-0.5]
    expect(Array.from(out['y'] ?? [])).toEqual([6.5, -0.5, -0.5, -3.5]);
  });

  it('fuses a PReLU epilogue with its per-channel slope after the bias', () => {
    const y = run((b) => {
      const x = b.input('x', ['N', 2]);
      const w = b.constant(new Float32Array([1, 0, 0, 1, 1, 1]), [3, 2], 'w');
      const bias = b.constant(new Float32Array([0, 0, -10]), [3], 'b');
      const slope = b.constant(new Float32Array([0.5, 0.25, 0.125]), [3], 's');
      return b.linear(x, w, bias, { op: 'prelu', attrs: {} }, [slope], 'y');
    }, { x: [-2, 4] });
    // pre-activation [-2, 4, -8]; negatives times their channel's slope.
    expect(y).toEqual([-1, 4, -1]);
  });

  it('computes linear on a rank-3 input row by row', () => {
    const y = run((b) => b.linear(b.input('x', [2, 2, 2]), b.constant(new Float32Array([1, -1]), [1, 2], 'w')), { x: [1, 2, 3, 5, 8, 13, 21, 34] });
    expect(y).toEqual([-1, -2, -5, -13]);
  });

  it('computes matmul by hand: 2x3 @ 3x2, broadcast leading dims, and vector @ vector', () => {
    expect(run((b) => b.matmul(b.input('a', [2, 3]), b.constant(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2], 'm')), { a: [1, 0, -1, 2, 1, 0] }))
      .toEqual([1 - 5, 2 - 6, 2 + 3, 4 + 4]);
    // [2, 1, 2] @ [2, 2]: the matrix is shared by both batches.
    expect(run((b) => b.matmul(b.input('a', [2, 1, 2]), b.constant(new Float32Array([1, 2, 3, 4]), [2, 2], 'm')), { a: [1, 1, 2, -1] }))
      .toEqual([4, 6, -1, 0]);
    expect(run((b) => b.matmul(b.input('a', [3]), b.constant(new Float32Array([4, 5, 6]), [3], 'v')), { a: [1, 2, 3] })).toEqual([32]);
  });

  it('accumulates sums in f64 and rounds once (f32 accumulation would lose the 1)', () => {
    const y = run((b) => b.linear(b.input('x', [1, 3]), b.constant(new Float32Array([1, 1, 1]), [1, 3], 'w')), { x: [1e8, 1, -1e8] });
    expect(y).toEqual([1]);
  });

  it('computes softmax rows by hand, summing to 1 within 1e-6', () => {
    const y = run((b) => b.softmax(b.input('x', [2, 2])), { x: [0, Math.log(2), 5, 5] });
    expect(y[0]).toBeCloseTo(1 / 3, 7);
    expect(y[1]).toBeCloseTo(2 / 3, 7);
    expect(y.slice(2)).toEqual([0.5, 0.5]);
    expect(Math.abs((y[0] ?? 0) + (y[1] ?? 0) - 1)).toBeLessThanOrEqual(1e-6);
  });

  it('moves data by hand: transpose, reshape, flatten', () => {
    const x = [1, 2, 3, 4, 5, 6];
    expect(run((b) => b.transpose(b.input('x', [2, 3]), [1, 0]), { x })).toEqual([1, 4, 2, 5, 3, 6]);
    expect(run((b) => b.transpose(b.input('x', [1, 2, 3]), []), { x })).toEqual([1, 4, 2, 5, 3, 6]);
    expect(run((b) => b.transpose(b.input('x', ['N', 2, 3]), [0, 2, 1]), { x })).toEqual([1, 4, 2, 5, 3, 6]);
    expect(run((b) => b.reshape(b.input('x', ['N', 6]), [-1, 3, 2]), { x })).toEqual(x);
    const flat = new GraphBuilder('f');
    const v = flat.flatten(flat.input('x', [2, 3, 1]), 2);
    expect(v.type.shape).toEqual([6, 1]);
    expect(flat.flatten(flat.input('z', [2, 3, 1]), 0).type.shape).toEqual([1, 6]);
  });

  it('fused activations equal the activation applied after linear, exactly', () => {
    const finite = fc.double({ min: -8, max: 8, noNaN: true });
    fc.assert(fc.property(fc.constantFrom(...ACTIVATION_OPS), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.array(finite, { minLength: 50, maxLength: 50 }), (op, inF, outF, pool) => {
      const take = (n: number, from: number): Float32Array => Float32Array.from({ length: n }, (_, i) => pool[(from + i) % pool.length] ?? 0);
      const build = (fused: boolean): Graph => {
        const b = new GraphBuilder('act');
        const x = b.input('x', ['N', inF]);
        const w = b.constant(take(outF * inF, 3), [outF, inF], 'w');
        const params = Array.from({ length: activationParamCount({ op, attrs: {} }) }, (_, i) => b.constant(take(outF, 11 + i), [outF], `p${i}`));
        const attrs = OPS[op].attrs['alpha'] !== undefined ? { alpha: 0.3 } : {};
        const y = fused
          ? b.op('linear', [x, w, ...params], { activation: { op, attrs } }, 'y')
          : b.op(op, [b.linear(x, w), ...params], attrs, 'y');
        b.output(y);
        return b.build();
      };
      const feeds = { x: take(2 * inF, 29) };
      expect(Array.from(interpret(build(true), feeds)['y'] ?? [])).toEqual(Array.from(interpret(build(false), feeds)['y'] ?? []));
    }), { numRuns: 100 });
  });

  it('refuses missing inputs and feeds that are not whole samples', () => {
    const b = new GraphBuilder('g');
    b.output(b.relu(b.input('x', ['N', 3]), 'y'));
    const graph = b.build();
    expect(() => interpret(graph, {})).toThrow(CompileError);
    expect(() => interpret(graph, { x: new Float32Array(4) })).toThrow('needs a whole number of samples of 3 values, got 4');
  });

  it('runs the seed MLP on a batch of 32 to a [32, 10] result', () => {
    const x = new Random(1).uniformArray(32 * 784, 0, 1);
    const out = interpret(seedMlp, { x });
    expect(out['logits']?.length).toBe(320);
    expect(Array.from(out['logits'] ?? []).every(Number.isFinite)).toBe(true);
  });
});
