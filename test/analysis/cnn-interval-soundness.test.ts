// Soundness of the CNN interval rules: on random valid single-op CNN graphs (conv with fused
// activation and residual, conv_transpose, pooling, reductions, concat, slice, pad, resize;
// test/codegen/cnn-cases.ts) and on random small CNNs (arb-cnn.ts), inputs drawn inside a
// random box (corners often) never produce a value outside the computed bounds, and NaN only
// where allowed. Plus exact answers on hand-made cases (pad value joins, max_pool is exact).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpretValues, type Feeds } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { staticSize, symbolOf } from '../../ir/types.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { propagateBounds } from '../../src/analysis/propagate-bounds.ts';
import { assertGraphProperty } from '../arbitraries/counterexample.ts';
import { arbCnnCase, CNN_OPS } from '../codegen/cnn-cases.ts';
import { arbCnn } from './arb-cnn.ts';

interface BoxCase {
  readonly graph: Graph;
  readonly lo: number;
  readonly hi: number;
  readonly feeds: Feeds;
}

/** A graph, a box [lo, hi] for every input element, and feeds inside it (corners often). */
function inBox(graph: Graph): fc.Arbitrary<BoxCase> {
  const box = fc.tuple(fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: 0, max: 3000 }))
    .map(([a, w]) => ({ lo: a / 1000, hi: a / 1000 + w / 1000 }));
  return fc.tuple(box, fc.integer({ min: 1, max: 2 })).chain(([{ lo, hi }, batch]) => {
    const arrays = graph.inputs.map((input) => {
      const count = staticSize(input.type.shape) * (symbolOf(input.type.shape) !== undefined ? batch : 1);
      const t = fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true }));
      return fc.array(t.map((u) => Math.fround(lo + u * (hi - lo))), { minLength: count, maxLength: count }).map((v) => Float32Array.from(v));
    });
    return fc.tuple(...arrays).map((data) => ({
      graph, lo, hi,
      feeds: Object.fromEntries(graph.inputs.map((input, i) => [input.name, data[i] ?? new Float32Array()])) as Feeds,
    }));
  });
}

function checkInside({ graph, lo, hi, feeds }: BoxCase): void {
  const bounds = propagateBounds(graph, { lo, hi });
  const values = interpretValues(graph, feeds);
  for (const [name, tensor] of values) {
    const b = bounds.values.get(name);
    if (b === undefined) throw new Error(`no bounds for ${formatValueName(name)}`);
    const perSample = b.lo.length;
    tensor.data.forEach((v, flat) => {
      const i = flat % perSample;
      const ok = Number.isNaN(v) ? b.nan[i] === 1 : v >= (b.lo[i] ?? NaN) && v <= (b.hi[i] ?? NaN);
      if (!ok) throw new Error(`${formatValueName(name)}[${flat}] = ${v} is outside [${b.lo[i]}, ${b.hi[i]}] (nan ${b.nan[i]})`);
    });
  }
}

describe('interval bounds on CNN ops', () => {
  for (const op of CNN_OPS) {
    it(`hold every value of random ${op} graphs on inputs inside the box`, () => {
      assertGraphProperty(arbCnnCase(op).chain((c) => inBox(c.graph)), checkInside, { numRuns: 25 });
    });
  }

  it('hold on random small CNNs (conv, activation, pooling, conv, flatten, linear)', () => {
    assertGraphProperty(arbCnn().chain((c) => inBox(c.graph)), checkInside, { numRuns: 40 });
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
