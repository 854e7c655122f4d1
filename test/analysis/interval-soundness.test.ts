// Soundness of interval bound propagation on random graphs from the shared arbitraries:
// inputs drawn inside a random box (endpoints included) never produce a value outside the
// computed bounds, and NaN appears only where the bounds allow it. Plus exactness checks
// on activations, where the branch narrowing of scalar-interval.ts must give tight bounds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpretValues, type Feeds } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { staticSize, symbolOf } from '../../ir/types.ts';
import { propagateBounds } from '../../src/analysis/propagate-bounds.ts';
import { evaluateExprInterval } from '../../src/analysis/scalar-interval.ts';
import { OPS } from '../../ir/ops/index.ts';
import { INTERVAL_RULES } from '../../src/analysis/interval-rules.ts';
import { arbGraph, assertGraphProperty } from '../arbitraries.ts';
import { GENERATED_OPS } from '../arbitraries/op-generators.ts';

/**
 * The ops interval propagation has a rule for (by name, or elementwise and layout by kind).
 * The CNN reductions and windows have none yet: bounds refuse them with a CompileError.
 */
const BOUNDED_OPS = GENERATED_OPS.filter((op) => Object.hasOwn(INTERVAL_RULES, op) || OPS[op].kind === 'elementwise' || OPS[op].kind === 'layout');

interface BoxCase {
  readonly graph: Graph;
  readonly lo: number;
  readonly hi: number;
  readonly feeds: Feeds;
}

/** A random graph, a box [lo, hi] for every input element, and feeds inside it. */
function arbBoxCase(): fc.Arbitrary<BoxCase> {
  const box = fc.tuple(fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: 0, max: 3000 }))
    .map(([a, w]) => ({ lo: a / 1000, hi: a / 1000 + w / 1000 }));
  return fc.tuple(arbGraph({ maxNodes: 6, maxWidth: 24, ops: BOUNDED_OPS }), box, fc.integer({ min: 1, max: 3 })).chain(([graph, { lo, hi }, batch]) => {
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

describe('interval bounds', () => {
  it('hold every value of random graphs on random inputs inside the box', () => {
    assertGraphProperty(arbBoxCase(), checkInside, { numRuns: 200 });
  });

  it('are exact for relu, leaky_relu and elu bodies', () => {
    const relu = OPS.relu.elementwise?.body({}) ;
    const leaky = OPS.leaky_relu.elementwise?.body({ alpha: 0.25 });
    if (relu === undefined || leaky === undefined) throw new Error('no bodies');
    expect(evaluateExprInterval(relu, [{ lo: -1, hi: 2, nan: false }])).toEqual({ lo: 0, hi: 2, nan: false });
    expect(evaluateExprInterval(relu, [{ lo: -3, hi: -1, nan: false }])).toEqual({ lo: 0, hi: 0, nan: false });
    expect(evaluateExprInterval(leaky, [{ lo: -4, hi: 2, nan: false }])).toEqual({ lo: -1, hi: 2, nan: false });
  });
});
