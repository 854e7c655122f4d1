// Soundness of interval bound propagation on random graphs from the shared arbitraries:
// inputs drawn inside a random box (endpoints included) never produce a value outside the
// computed bounds, and NaN appears only where the bounds allow it. Plus exactness checks
// on activations, where the branch narrowing of scalar-interval.ts must give tight bounds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateExprInterval } from '../../src/analysis/scalar-interval.ts';
import { OPS } from '../../ir/ops/index.ts';
import { INTERVAL_RULES } from '../../src/analysis/interval-rules.ts';
import { arbGraph, assertGraphProperty } from '../arbitraries.ts';
import { GENERATED_OPS } from '../arbitraries/op-generators.ts';
import { checkInside, inBox, type BoxCase } from './box-cases.ts';

/**
 * The ops interval propagation has a rule for (by name, or elementwise and layout by kind).
 * The CNN reductions and windows have none yet: bounds refuse them with a CompileError.
 */
const BOUNDED_OPS = GENERATED_OPS.filter((op) => Object.hasOwn(INTERVAL_RULES, op) || OPS[op].kind === 'elementwise' || OPS[op].kind === 'layout');

/** A random graph, a box [lo, hi] for every input element, and feeds inside it. */
function arbBoxCase(): fc.Arbitrary<BoxCase> {
  return arbGraph({ maxNodes: 6, maxWidth: 24, ops: BOUNDED_OPS }).chain((graph) => inBox(graph, 3));
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
