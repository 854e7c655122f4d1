// Soundness of the CNN interval rules: on random valid single-op CNN graphs (conv with fused
// activation and residual, conv_transpose, pooling, reductions, concat, slice, pad, resize;
// test/codegen/cnn-cases.ts) and on random small CNNs (arb-cnn.ts), inputs drawn inside a
// random box (corners often) never produce a value outside the computed bounds, and NaN only
// where allowed. Plus exact answers on hand-made cases (pad value joins, max_pool is exact).

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/builder.ts';
import { propagateBounds } from '../../src/analysis/propagate-bounds.ts';
import { assertGraphProperty } from '../arbitraries/counterexample.ts';
import { arbCnnCase, CNN_OPS } from '../codegen/cnn-cases.ts';
import { arbCnn } from './arb-cnn.ts';
import { checkInside, inBox } from './box-cases.ts';

describe('interval bounds on CNN ops', () => {
  for (const op of CNN_OPS) {
    it(`hold every value of random ${op} graphs on inputs inside the box`, () => {
      assertGraphProperty(arbCnnCase(op).chain((c) => inBox(c.graph, 2)), checkInside, { numRuns: 25 });
    });
  }

  it('hold on random small CNNs (conv, activation, pooling, conv, flatten, linear)', () => {
    assertGraphProperty(arbCnn().chain((c) => inBox(c.graph, 2)), checkInside, { numRuns: 40 });
  });

  it('join a constant pad value and are exact for max_pool and nearest resize', () => {
    const g = new GraphBuilder('p');
    const x = g.input('x', ['N', 1, 2, 2]);
    const padded = g.op('pad', [x], { pads: [0, 0, 1, 0, 0, 0, 0, 0], mode: 'constant', value: 5 }, 'padded');
    const pooled = g.op('max_pool', [x], { kernel_shape: [2, 2] }, 'pooled');
    const near = g.op('resize', [x], { sizes: [4, 4], mode: 'nearest' }, 'near');
    g.output(padded);
    g.output(pooled);
    g.output(near);
    const bounds = propagateBounds(g.build(), { lo: Float32Array.of(-1, 0, 1, 2), hi: Float32Array.of(0, 1, 2, 3) });
    expect(Array.from(bounds.values.get('padded')?.lo ?? [])).toEqual([5, 5, -1, 0, 1, 2]);
    expect(Array.from(bounds.values.get('padded')?.hi ?? [])).toEqual([5, 5, 0, 1, 2, 3]);
    expect(Array.from(bounds.values.get('pooled')?.lo ?? [])).toEqual([2]);
    expect(Array.from(bounds.values.get('pooled')?.hi ?? [])).toEqual([3]);
    expect(bounds.values.get('near')?.lo[15]).toBe(2);
  });
});
