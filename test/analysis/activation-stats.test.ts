// Activation statistics on hand-made graphs whose answers are known: saturation shares of
// sigmoid and tanh, the negative-slope share of leaky_relu, dead and always-active units, the
// same counts whether the activation stands alone or is fused into linear; and the interval
// rule table refusing an op it has no rule for.

import { describe, expect, it } from 'vitest';
import type { Node } from '../../ir/graph.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { inspectGraph } from '../../src/analysis/inspect.ts';
import { intervalRule } from '../../src/analysis/interval-rules.ts';
import { optimize } from '../../src/passes/pipeline.ts';

/** x[N,2] → linear with identity weight and bias (0, -10) → act → linear to 1 output. */
function model(act: 'relu' | 'sigmoid' | 'tanh' | 'leaky_relu') {
  const g = new GraphBuilder('m');
  const x = g.input('x', ['N', 2]);
  const z = g.linear(x, g.constant(Float32Array.of(1, 0, 0, 1), [2, 2]), g.constant(Float32Array.of(0, -10), [2]));
  g.output(g.linear(g.op(act, [z]), g.constant(Float32Array.of(1, 1), [1, 2])));
  return g.build();
}

// Unit 0 sees x0 in {-5, -1, 1, 5}; unit 1 sees x1 - 10 < 0 always.
const data = Float32Array.of(-5, 0, -1, 0, 1, 0, 5, 0);

describe('activation statistics', () => {
  it('dead, always-active and histogram counts, standalone and fused alike', () => {
    for (const graph of [model('relu'), optimize(model('relu'), { level: 'O2' }).graph]) {
      const layer = inspectGraph(graph, { data: { values: data, sampleSize: 2 } }).layers[0];
      expect(layer?.observed?.dead).toEqual([1]);
      expect(layer?.observed?.alwaysActive).toEqual([]);
      expect(layer?.observed?.activeFraction).toEqual([0.5, 0]);
      expect(layer?.observed?.histogram).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
      expect(layer?.macsPerUnit).toBe(2 + 1);
      expect(layer?.observed?.deadMacsPerSample).toBe(3);
    }
    expect(optimize(model('relu'), { level: 'O2' }).graph.nodes.some((n) => n.op === 'relu')).toBe(false);
  });

  it('saturation shares of sigmoid and tanh, negative-slope share of leaky_relu', () => {
    // sigmoid saturates past |x| > 4.595: unit 0 at ±5 (2 of 4), unit 1 always (x = -10): 6 of 8.
    expect(inspectGraph(model('sigmoid'), { data: { values: data, sampleSize: 2 } }).layers[0]?.observed?.saturatedShare).toBe(6 / 8);
    // tanh saturates past |x| > 2.647: the same 6 of 8.
    expect(inspectGraph(model('tanh'), { data: { values: data, sampleSize: 2 } }).layers[0]?.observed?.saturatedShare).toBe(6 / 8);
    const leaky = inspectGraph(model('leaky_relu'), { data: { values: data, sampleSize: 2 } }).layers[0]?.observed;
    expect(leaky?.negativeSlopeShare).toBe(6 / 8);
    expect(leaky?.saturatedShare).toBeNull();
  });

  it('an op without an interval rule is a CompileError naming op and node', () => {
    const conv = { name: 'y', op: 'no_such_op', inputs: [], attrs: {}, type: { dtype: 'f32', shape: [1] } } as unknown as Node;
    expect(() => intervalRule(conv)).toThrow('no interval rule for op no_such_op (node %y)');
  });
});
