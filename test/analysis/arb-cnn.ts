// Random small CNNs for the interval-bound and pruning tests: conv (biases pushed down so some
// channels die over a small box, or lifted so all are linear there) → activation, fused or
// standalone → optional per-channel scale and shift → optional depthwise 3×3 conv → optional
// max/avg pooling → optional second conv with ReLU → flatten → linear, with inputs drawn
// inside the box [lo, hi] (corners often).

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import type { Attrs } from '../../ir/ops/index.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';

const ACTIVATIONS = ['relu', 'leaky_relu', 'prelu', 'elu', 'sigmoid'] as const;
type Act = (typeof ACTIVATIONS)[number];

export interface CnnCase {
  readonly graph: Graph;
  readonly lo: number;
  readonly hi: number;
  /** Feeds for x, [batch, C, H, W] inside the box. */
  readonly inputs: Float32Array;
}

function arbValues(count: number, min: number, max: number): fc.Arbitrary<Float32Array> {
  return fc.array(fc.integer({ min: Math.round(min * 1000), max: Math.round(max * 1000) }).map((k) => Math.fround(k / 1000)), { minLength: count, maxLength: count })
    .map((v) => Float32Array.from(v));
}

const ACT_ATTRS: Readonly<Record<Act, Attrs>> = { relu: {}, leaky_relu: { alpha: 0.1 }, prelu: {}, elu: { alpha: 1 }, sigmoid: {} };

export function arbCnn(): fc.Arbitrary<CnnCase> {
  const dims = fc.record({
    c0: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 3, max: 6 }), w: fc.integer({ min: 3, max: 6 }),
    m1: fc.integer({ min: 2, max: 5 }), k1: fc.integer({ min: 1, max: 3 }), p1: fc.integer({ min: 0, max: 1 }),
    m2: fc.integer({ min: 2, max: 4 }), k2: fc.integer({ min: 1, max: 2 }), p2: fc.integer({ min: 0, max: 1 }),
    out: fc.integer({ min: 1, max: 3 }), act: fc.constantFrom(...ACTIVATIONS), fuse: fc.boolean(), fuse2: fc.boolean(),
    lift: fc.boolean(), scale: fc.boolean(), shift: fc.boolean(), depthwise: fc.boolean(), pool: fc.constantFrom('none', 'max', 'avg'), deep: fc.boolean(),
    batch: fc.integer({ min: 1, max: 3 }), lo: fc.integer({ min: -1000, max: 500 }), width: fc.integer({ min: 0, max: 1000 }),
  });
  return dims.chain((p) => {
    const s1 = [p.h, p.w].map((d) => d + 2 * p.p1 - p.k1 + 1);
    const s2 = p.pool === 'none' ? s1 : s1.map((d) => Math.floor(d / 2));
    const poolable = s1.every((d) => d >= 2);
    const pool = poolable ? p.pool : 'none';
    const sp = pool === 'none' ? s1 : s2;
    const k2 = Math.min(p.k2, ...sp.map((d) => d + 2 * p.p2));
    const s3 = p.deep ? sp.map((d) => d + 2 * p.p2 - k2 + 1) : sp;
    const channels = p.deep ? p.m2 : p.m1;
    const flat = channels * (s3[0] ?? 1) * (s3[1] ?? 1);
    return fc.record({
      w1: arbValues(p.m1 * p.c0 * p.k1 * p.k1, -1, 1), b1: arbValues(p.m1, -4, 1), slope: arbValues(p.m1, -0.5, 0.5), mul: arbValues(p.m1, -2, 2), add: arbValues(p.m1, -1, 1), dw: arbValues(p.m1 * 9, -1, 1), dwb: arbValues(p.m1, -1, 1),
      w2: arbValues(p.m2 * p.m1 * k2 * k2, -1, 1), b2: arbValues(p.m2, -4, 1), w3: arbValues(p.out * flat, -1, 1), b3: arbValues(p.out, -1, 1),
      t: fc.array(fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: p.batch * p.c0 * p.h * p.w, maxLength: p.batch * p.c0 * p.h * p.w }),
    }).map((v): CnnCase => {
      const g = new GraphBuilder('cnn');
      const x = g.input('x', ['N', p.c0, p.h, p.w]);
      // lift: biases past any |W·x| over the box (|w| <= 1, |x| <= 1.5), so every channel is linear there.
      const b1 = p.lift ? v.b1.map((b) => b + 1.5 * p.c0 * p.k1 * p.k1 + 1) : v.b1;
      const conv1 = [x, g.constant(v.w1, [p.m1, p.c0, p.k1, p.k1]), g.constant(b1, [p.m1])];
      const geometry = { pads: [p.p1, p.p1, p.p1, p.p1] };
      const slope = g.constant(v.slope, [p.m1]);
      let h: Value;
      if (p.fuse) {
        h = g.op('conv', [...conv1, ...(p.act === 'prelu' ? [slope] : [])], { ...geometry, activation: { op: p.act, attrs: ACT_ATTRS[p.act] } });
      } else {
        const z = g.op('conv', conv1, geometry);
        h = g.op(p.act, p.act === 'prelu' ? [z, slope] : [z], ACT_ATTRS[p.act]);
      }
      if (p.scale) h = g.mul(h, g.constant(v.mul, [p.m1, 1, 1]));
      // A shift makes a dead channel a nonzero constant, which must move into the next bias.
      if (p.shift) h = g.add(h, g.constant(v.add, [p.m1, 1, 1]));
      // A depthwise 3×3 (padded, so the shape stays) with ReLU: a dead channel becomes relu(bias).
      if (p.depthwise) h = g.op('conv', [h, g.constant(v.dw, [p.m1, 1, 3, 3]), g.constant(v.dwb, [p.m1])], { group: p.m1, pads: [1, 1, 1, 1], activation: { op: 'relu', attrs: {} } });
      if (pool !== 'none') h = g.op(pool === 'max' ? 'max_pool' : 'avg_pool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
      if (p.deep) {
        const conv2 = [h, g.constant(v.w2, [p.m2, p.m1, k2, k2]), g.constant(v.b2, [p.m2])];
        const attrs = { pads: [p.p2, p.p2, p.p2, p.p2] };
        h = p.fuse2 ? g.op('conv', conv2, { ...attrs, activation: { op: 'relu', attrs: {} } }) : g.relu(g.op('conv', conv2, attrs));
      }
      const flattened = g.op('flatten', [h], { axis: 1 });
      g.output(g.linear(flattened, g.constant(v.w3, [p.out, flat]), g.constant(v.b3, [p.out])));
      const lo = p.lo / 1000;
      const hi = lo + p.width / 1000;
      return { graph: g.build(), lo, hi, inputs: Float32Array.from(v.t, (u) => Math.fround(lo + u * (hi - lo))) };
    });
  });
}
