// Each activation against its formula written from first principles in f64, on random and
// edge values: saturation without NaN at ±1e30, NaN propagation, softmax finite for ±1e4
// logits with rows summing to 1, PReLU per channel.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import type { Attrs, OpName } from '../../ir/ops/index.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { arbValue } from '../arbitraries.ts';

/** Runs one `op` node on a [values.length] input (plus constant operands). */
function apply(op: OpName, values: readonly number[], attrs: Attrs = {}, params: { data: number[]; shape: number[] }[] = [], shape: number[] = [values.length]): Float32Array {
  const b = new GraphBuilder('one');
  const x = b.input('x', shape);
  const consts = params.map((p, i) => b.constant(Float32Array.from(p.data), p.shape, `p${i}`));
  b.output(b.op(op, [x, ...consts], attrs, 'y'));
  return interpret(b.build(), { x: Float32Array.from(values) })['y'] ?? new Float32Array(0);
}

/** erfc-free standard normal CDF by Simpson's rule on the density (independent of ir/scalar's erf). */
function normalCdf(x: number): number {
  if (x > 0) return 1 - normalCdf(-x);
  if (x < -40) return 0;
  const n = 4000;
  const from = x - 12;
  const h = (x - from) / n;
  const density = (t: number): number => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
  let sum = density(from) + density(x);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * density(from + i * h);
  return (sum * h) / 3;
}

/** f64 references, straight from the definitions (PyTorch's docs). */
const REFERENCES: Record<string, (x: number, alpha: number) => number> = {
  relu: (x) => (Number.isNaN(x) ? NaN : x > 0 ? x : 0),
  leaky_relu: (x, a) => (x >= 0 ? x : a * x),
  elu: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  silu: (x) => x / (1 + Math.exp(-x)),
  // x * Phi(x) at -Inf is -Inf * 0: NaN, as PyTorch and ONNX compute it (the limit would be 0).
  gelu: (x) => (Number.isNaN(x) || x === -Infinity ? NaN : x * normalCdf(x)),
};

/**
 * f32 results against an f64 reference: NaN where it is NaN, ±Inf exactly, else within the
 * error of f32 arithmetic. Bodies round every primitive to f32 (ir/scalar.ts), so a result
 * carries a few ulps of its own (2^-18 relative) plus the rounding of intermediates near 1
 * that cancel (exp(x) - 1, 1 + tanh(…), 1 + erf(…)): 2^-22 absolute, times the size of the
 * factor that scales them (elu's alpha).
 */
function expectClose(actual: number, reference: number, context: string, scale = 1): void {
  if (Number.isNaN(reference)) {
    expect(actual, context).toBeNaN();
    return;
  }
  if (!Number.isFinite(reference)) {
    expect(actual, context).toBe(reference);
    return;
  }
  const bound = Math.abs(reference) * 2 ** -18 + 2 ** -22 * Math.max(1, Math.abs(scale));
  expect(Math.abs(actual - reference) <= bound, `${context}: got ${actual}, want ${reference}`).toBe(true);
}

const values = fc.array(arbValue(), { minLength: 1, maxLength: 64 });
const alphaFor: Record<string, fc.Arbitrary<number>> = {
  leaky_relu: fc.integer({ min: -3000, max: 3000 }).map((k) => k / 1000),
  elu: fc.integer({ min: 0, max: 3000 }).map((k) => k / 1000),
};

describe('activations match their formulas', () => {
  for (const [op, reference] of Object.entries(REFERENCES)) {
    it(`${op} on random and edge values`, () => {
      fc.assert(fc.property(values, alphaFor[op] ?? fc.constant(1), (xs, alpha) => {
        const attrs = alphaFor[op] !== undefined ? { alpha } : {};
        const out = apply(op as OpName, xs, attrs);
        xs.forEach((x, i) => expectClose(out[i] ?? NaN, reference(Math.fround(x), alpha), `${op}(${x}) alpha=${alpha}`, alpha));
      }), { numRuns: op === 'gelu' ? 15 : 60 });
    });
  }

  it('gelu with the tanh approximation', () => {
    fc.assert(fc.property(values, (xs) => {
      const out = apply('gelu', xs, { approximate: 'tanh' });
      xs.forEach((v, i) => {
        const x = Math.fround(v);
        const want = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
        expectClose(out[i] ?? NaN, want, `gelu_tanh(${x})`);
      });
    }), { numRuns: 40 });
  });

  it('saturate without NaN at ±1e30 and propagate NaN', () => {
    const edges = [1e30, -1e30, NaN];
    const expected: Record<string, number[]> = {
      relu: [1e30, 0, NaN], leaky_relu: [1e30, Math.fround(Math.fround(-1e30) * Math.fround(0.01)), NaN], elu: [1e30, -1, NaN],
      sigmoid: [1, 0, NaN], tanh: [1, -1, NaN], silu: [1e30, -0, NaN], gelu: [1e30, -0, NaN],
    };
    for (const [op, want] of Object.entries(expected)) {
      const out = Array.from(apply(op as OpName, edges));
      want.forEach((w, i) => {
        if (Number.isNaN(w)) expect(out[i], `${op}(NaN)`).toBeNaN();
        else expect(out[i], `${op}(${edges[i]})`).toBe(Math.fround(w));
      });
    }
  });
});

describe('softmax', () => {
  const shapes = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 });
  const logit = fc.oneof(fc.double({ min: -20, max: 20, noNaN: true }), fc.constantFrom(1e4, -1e4, 0, -0, 1e30, -1e30));

  it('is finite, sums to 1 within 1e-6 along any axis, and matches the stable formula', () => {
    fc.assert(fc.property(shapes.chain((shape) => fc.tuple(
      fc.constant(shape),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc.array(logit, { minLength: shape.reduce((n, d) => n * d, 1), maxLength: shape.reduce((n, d) => n * d, 1) }),
    )), ([shape, axis, xs]) => {
      const out = apply('softmax', xs, { axis }, [], shape);
      const ax = axis < 0 ? axis + shape.length : axis;
      const inner = shape.slice(ax + 1).reduce((n, d) => n * d, 1);
      const size = shape[ax] ?? 1;
      const outer = xs.length / (inner * size);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const idx = Array.from({ length: size }, (_, k) => (o * size + k) * inner + i);
          const row = idx.map((j) => Math.fround(xs[j] ?? 0));
          const max = Math.max(...row);
          const exps = row.map((v) => Math.exp(v - max));
          const total = exps.reduce((s, e) => s + e, 0);
          let sum = 0;
          idx.forEach((j, k) => {
            const y = out[j] ?? NaN;
            expect(Number.isFinite(y)).toBe(true);
            expectClose(y, (exps[k] ?? 0) / total, `softmax row ${o},${i}`);
            sum += y;
          });
          expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-6);
        }
      }
    }), { numRuns: 150 });
  });

  it('puts all weight on the largest of ±1e4 logits and makes a row with NaN all NaN', () => {
    const out = Array.from(apply('softmax', [1e4, -1e4, 0, 1e4, NaN, 1, 2, 3], {}, [], [2, 4]));
    expect(out.slice(0, 4)).toEqual([0.5, 0, 0, 0.5]);
    expect(out.slice(4).every(Number.isNaN)).toBe(true);
  });
});

describe('prelu', () => {
  it('uses one slope per channel on axis 1, by hand', () => {
    // x: [2, 3, 2]; slopes per channel 0.5, 0.25, 0.125 (exact in f32).
    const x = [-1, 2, -3, 4, -5, 6, 7, -8, 9, -10, 11, -12];
    const out = Array.from(apply('prelu', x, {}, [{ data: [0.5, 0.25, 0.125], shape: [3] }], [2, 3, 2]));
    const want = [-0.5, 2, -0.75, 4, -0.625, 6, 7, -4, 9, -2.5, 11, -1.5];
    expect(out).toEqual(want);
  });

  it('takes a scalar slope of shape [] or [1], and matches x < 0 ? s[c] * x : x on random values', () => {
    expect(Array.from(apply('prelu', [-2, 3], {}, [{ data: [0.5], shape: [] }]))).toEqual([-1, 3]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (n, c, w, seed) => {
      const xs = Array.from({ length: n * c * w }, (_, i) => Math.fround(Math.sin(seed + i * 7.1) * 5));
      const slopes = Array.from({ length: c }, (_, i) => Math.fround(Math.cos(seed + i) * 0.5));
      const out = apply('prelu', xs, {}, [{ data: slopes, shape: [c] }], [n, c, w]);
      xs.forEach((x, i) => {
        const channel = Math.floor(i / w) % c;
        expect(out[i]).toBe(Math.fround(x < 0 ? (slopes[channel] ?? 0) * x : x));
      });
    }), { numRuns: 50 });
  });
});
