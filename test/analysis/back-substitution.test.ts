// Back-substitution (DeepPoly-style) bounds: sound on random MLPs with inputs inside the box,
// never looser than plain interval bounds and tighter on some, and able to prove a unit dead
// that interval bounds cannot (relu(x) - relu(x) - 0.001 is never positive).

import { describe, expect, it } from 'vitest';
import { interpretValues } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { inspectGraph } from '../../src/analysis/inspect.ts';
import { propagateBounds } from '../../src/analysis/propagate-bounds.ts';
import { assertGraphProperty } from '../arbitraries/counterexample.ts';
import { arbCnn } from './arb-cnn.ts';
import { arbMlp } from './arb-mlp.ts';
import type { Graph } from '../../ir/graph.ts';

/** Throws unless symbolic bounds hold on `inputs` and lie inside interval bounds; counts tighter elements. */
function checkSymbolic(graph: Graph, lo: number, hi: number, inputs: Float32Array): number {
  let tighter = 0;
  const symbolic = propagateBounds(graph, { lo, hi });
  const plain = propagateBounds(graph, { lo, hi }, { symbolic: false });
  for (const [name, b] of symbolic.values) {
    const p = plain.values.get(name);
    if (p === undefined) throw new Error(`no interval bounds for ${formatValueName(name)}`);
    b.lo.forEach((v, i) => {
      if (v < (p.lo[i] ?? NaN) || (b.hi[i] ?? NaN) > (p.hi[i] ?? NaN)) throw new Error(`${formatValueName(name)}[${i}] looser than intervals`);
      if (v > (p.lo[i] ?? NaN) || (b.hi[i] ?? NaN) < (p.hi[i] ?? NaN)) tighter++;
    });
  }
  for (const [name, tensor] of interpretValues(graph, { x: inputs })) {
    const b = symbolic.values.get(name);
    if (b === undefined) throw new Error(`no bounds for ${formatValueName(name)}`);
    tensor.data.forEach((v, flat) => {
      const i = flat % b.lo.length;
      if (!(v >= (b.lo[i] ?? NaN) && v <= (b.hi[i] ?? NaN))) throw new Error(`${formatValueName(name)}[${flat}] = ${v} outside [${b.lo[i]}, ${b.hi[i]}]`);
    });
  }
  return tighter;
}

describe('back-substitution bounds', () => {
  it('hold on random MLPs, inside interval bounds, and tighten some', () => {
    let tighter = 0;
    assertGraphProperty(arbMlp(), ({ graph, lo, hi, inputs }) => {
      tighter += checkSymbolic(graph, lo, hi, inputs);
    }, { numRuns: 120 });
    expect(tighter).toBeGreaterThan(20);
  });

  it('hold on random small CNNs through conv layers (dense form), inside interval bounds, and tighten some', () => {
    let tighter = 0;
    assertGraphProperty(arbCnn(), ({ graph, lo, hi, inputs }) => {
      tighter += checkSymbolic(graph, lo, hi, inputs);
    }, { numRuns: 60 });
    expect(tighter).toBeGreaterThan(20);
  });

  it('proves a conv channel relu(x) - relu(x) - 0.001 dead where intervals cannot', () => {
    const g = new GraphBuilder('cancel_conv');
    const x = g.input('x', ['N', 1, 3, 3]);
    const h = g.op('conv', [x, g.constant(Float32Array.of(1, 1), [2, 1, 1, 1]), g.constant(Float32Array.of(0, 0), [2])], { activation: { op: 'relu', attrs: {} } }, 'h');
    const z = g.op('conv', [h, g.constant(Float32Array.of(1, -1), [1, 2, 1, 1]), g.constant(Float32Array.of(-0.001), [1])], {}, 'z');
    g.output(g.linear(g.op('flatten', [g.relu(z, 'dead')], { axis: 1 }), g.constant(new Float32Array(9).fill(1), [1, 9])));
    const graph = g.build();
    const box = { box: { lo: 0, hi: 1 }, description: '[0, 1]' };
    expect(inspectGraph(graph, { box }).layers[1]?.proved?.dead).toEqual([0]);
    const plain = propagateBounds(graph, { lo: 0, hi: 1 }, { symbolic: false }).values.get('z');
    expect(plain?.hi[0]).toBeGreaterThan(0.9);
  });

  it('proves relu(x) - relu(x) - 0.001 dead where intervals cannot', () => {
    const g = new GraphBuilder('cancel');
    const x = g.input('x', ['N', 1]);
    const h = g.relu(g.linear(x, g.constant(Float32Array.of(1, 1), [2, 1]), g.constant(Float32Array.of(0, 0), [2]), undefined, [], 'h'));
    const z = g.linear(h, g.constant(Float32Array.of(1, -1), [1, 2]), g.constant(Float32Array.of(-0.001), [1]), undefined, [], 'z');
    g.output(g.linear(g.relu(z, 'dead'), g.constant(Float32Array.of(1), [1, 1])));
    const graph = g.build();
    const box = { box: { lo: 0, hi: 1 }, description: '[0, 1]' };
    expect(inspectGraph(graph, { box }).layers[1]?.proved?.dead).toEqual([0]);
    const plain = propagateBounds(graph, { lo: 0, hi: 1 }, { symbolic: false }).values.get('z');
    expect(plain?.hi[0]).toBeGreaterThan(0.9);
  });
});
