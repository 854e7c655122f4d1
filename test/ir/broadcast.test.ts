// NumPy broadcasting of add/sub/mul/div against a naive reference: the shape rule, and every
// element read through its own index map.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { interpret } from '../../ir/interpret.ts';
import { broadcastShapes, type OpName } from '../../ir/ops/index.ts';
import type { Dim } from '../../ir/types.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { arbValue } from '../arbitraries.ts';

/** The broadcast rule written out: align right, equal dims or a 1 on one side. */
function naiveShape(a: readonly Dim[], b: readonly Dim[]): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element of `data` (shape `shape`) that output multi-index `index` reads. */
function naiveRead(data: Float32Array, shape: readonly number[], index: readonly number[]): number {
  let offset = 0;
  for (let axis = 0; axis < shape.length; axis++) {
    const dim = shape[axis] ?? 1;
    const coord = index[index.length - shape.length + axis] ?? 0;
    offset = offset * dim + (dim === 1 ? 0 : coord);
  }
  return data[offset] ?? NaN;
}

const APPLY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
};

/** An output shape and two operand shapes that broadcast to it (leading dims dropped, dims set to 1). */
const shapes = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }).chain((out) => {
  const operand = fc.tuple(fc.nat({ max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] === true ? 1 : d)));
  return fc.tuple(operand, operand);
});

describe('broadcasting', () => {
  it('infers the shape the naive rule gives, and refuses incompatible shapes', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 });
    fc.assert(fc.property(dims, dims, (a, b) => {
      const want = naiveShape(a, b);
      if (want === undefined) expect(() => broadcastShapes([a, b])).toThrow(CompileError);
      else expect(broadcastShapes([a, b])).toEqual(want);
    }), { numRuns: 300 });
  });

  it('keeps a symbolic batch and refuses to merge it with a static dim', () => {
    expect(broadcastShapes([['N', 3], [3]])).toEqual(['N', 3]);
    expect(broadcastShapes([['N', 1], [1, 4]])).toEqual(['N', 4]);
    expect(() => broadcastShapes([['N', 3], [2, 3]])).toThrow('cannot broadcast shapes [N,3] and [2,3]');
  });

  it('add, sub, mul and div read each operand as the naive index map says', () => {
    fc.assert(fc.property(shapes, fc.constantFrom('add', 'sub', 'mul', 'div'), fc.nat(), fc.array(arbValue(), { minLength: 64, maxLength: 64 }), ([sa, sb], op, swap, pool) => {
      const [shapeA, shapeB] = swap % 2 === 0 ? [sa, sb] : [sb, sa];
      const out = naiveShape(shapeA, shapeB) as number[];
      const fill = (shape: number[], from: number): Float32Array =>
        Float32Array.from({ length: shape.reduce((n, d) => n * d, 1) }, (_, i) => pool[(from + i) % pool.length] ?? 0);
      const a = fill(shapeA, 0);
      const bData = fill(shapeB, 17);
      const b = new GraphBuilder('bc');
      const x = b.input('a', shapeA);
      const c = b.constant(bData, shapeB, 'b');
      b.output(b.op(op as OpName, [x, c], {}, 'y'));
      const y = interpret(b.build(), { a })['y'] ?? new Float32Array(0);
      expect(y.length).toBe(out.reduce((n, d) => n * d, 1));
      for (let flat = 0; flat < y.length; flat++) {
        const index: number[] = [];
        let rest = flat;
        for (let axis = out.length - 1; axis >= 0; axis--) {
          index.unshift(rest % (out[axis] ?? 1));
          rest = Math.floor(rest / (out[axis] ?? 1));
        }
        const want = Math.fround((APPLY[op] ?? Math.max)(naiveRead(a, shapeA, index), naiveRead(bData, shapeB, index)));
        expect(Object.is(y[flat], want) || (Number.isNaN(y[flat]) && Number.isNaN(want))).toBe(true);
      }
    }), { numRuns: 300 });
  });

  it('broadcasts a per-row constant over a symbolic batch', () => {
    const b = new GraphBuilder('rows');
    const x = b.input('x', ['N', 3]);
    b.output(b.sub(x, b.constant(new Float32Array([1, 2, 3]), [3], 'c'), 'y'));
    expect(Array.from(interpret(b.build(), { x: new Float32Array([1, 2, 3, 4, 5, 6]) })['y'] ?? [])).toEqual([0, 0, 0, 3, 3, 3]);
  });
});
