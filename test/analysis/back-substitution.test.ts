// Back-substitution (DeepPoly-style) bounds: sound on random MLPs with inputs inside the box,
// never looser than plain interval bounds and tighter on some, and able to prove a unit dead
// that interval bounds cannot (relu(x) - relu(x) - 0.001 is never positive).

import { describe, expect, it } from 'vitest';
import { interpretValues } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { inspectGraph } from '../../src/analysis/inspect.ts';
import { propagateBounds } from '../../src/analysis/propagate-bounds.ts';
import { assertGraphProperty } from '../arbitraries.ts';
import { arbMlp } from './arb-mlp.ts';

describe('back-substitution bounds', () => {
  it('hold on random MLPs, inside interval bounds, and tighten some', () => {
    let tighter = 0;
    assertGraphProperty(arbMlp(), ({ graph, lo, hi, inputs }) => {
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
    }, { numRuns: 120 });
    expect(tighter).toBeGreaterThan(20);
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
