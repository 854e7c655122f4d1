// Random small MLPs with units biased towards dead (bias down to -4 over inputs in a small
// box) or lifted to all-active, for the interval-bound and pruning tests: one or two hidden layers of relu,
// leaky_relu, prelu, elu or sigmoid, optionally fused (-O2) and with a per-unit scale after
// the first activation, plus inputs drawn inside the box [lo, hi].

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { optimize } from '../../src/passes/pipeline.ts';

const ACTIVATIONS = ['relu', 'leaky_relu', 'prelu', 'elu', 'sigmoid'] as const;

export interface MlpCase {
  readonly graph: Graph;
  readonly lo: number;
  readonly hi: number;
  readonly inputs: Float32Array;
}

function arbValues(count: number, min: number, max: number): fc.Arbitrary<Float32Array> {
  return fc.array(fc.integer({ min: Math.round(min * 1000), max: Math.round(max * 1000) }).map((k) => Math.fround(k / 1000)), { minLength: count, maxLength: count })
    .map((v) => Float32Array.from(v));
}

export function arbMlp(): fc.Arbitrary<MlpCase> {
  const dims = fc.record({
    d: fc.integer({ min: 1, max: 8 }), h1: fc.integer({ min: 2, max: 12 }), h2: fc.integer({ min: 2, max: 8 }), out: fc.integer({ min: 1, max: 4 }),
    act: fc.constantFrom(...ACTIVATIONS), fuse: fc.boolean(), lift: fc.boolean(), scale: fc.boolean(), deep: fc.boolean(), batch: fc.integer({ min: 1, max: 4 }),
    lo: fc.integer({ min: -1000, max: 500 }), width: fc.integer({ min: 0, max: 1000 }),
  });
  return dims.chain((p) => fc.record({
    w1: arbValues(p.h1 * p.d, -1, 1), b1: arbValues(p.h1, -4, 1), slope: arbValues(12, -0.5, 0.5), mul: arbValues(p.h1, -2, 2),
    w2: arbValues(p.h2 * p.h1, -1, 1), b2: arbValues(p.h2, -4, 1), w3: arbValues(p.out * (p.deep ? p.h2 : p.h1), -1, 1), b3: arbValues(p.out, -1, 1),
    // Box corners (0 and 1) are where bounds are attained: draw them often.
    t: fc.array(fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: p.batch * p.d, maxLength: p.batch * p.d }),
  }).map((w): MlpCase => {
    const g = new GraphBuilder('mlp');
    const x = g.input('x', ['N', p.d]);
    const act = (z: Value, units: number, slope: Float32Array): Value =>
      p.act === 'prelu' ? g.prelu(z, g.constant(slope.subarray(0, units), [units])) : g.op(p.act, [z]);
    // lift: biases past any |W·x| over the box (d <= 8, |w|, |x| <= 1), so every unit is linear there.
    const b1 = p.lift ? w.b1.map((b) => b + 12) : w.b1;
    let h = act(g.linear(x, g.constant(w.w1, [p.h1, p.d]), g.constant(b1, [p.h1])), p.h1, w.slope);
    if (p.scale) h = g.mul(h, g.constant(w.mul, [p.h1]));
    if (p.deep) h = act(g.linear(h, g.constant(w.w2, [p.h2, p.h1]), g.constant(w.b2, [p.h2])), p.h2, w.slope);
    g.output(g.linear(h, g.constant(w.w3, [p.out, p.deep ? p.h2 : p.h1]), g.constant(w.b3, [p.out])));
    const built = g.build();
    const lo = p.lo / 1000;
    const hi = lo + p.width / 1000;
    return {
      graph: p.fuse ? optimize(built, { level: 'O2' }).graph : built,
      lo, hi,
      inputs: Float32Array.from(w.t, (u) => Math.fround(lo + u * (hi - lo))),
    };
  }));
}
