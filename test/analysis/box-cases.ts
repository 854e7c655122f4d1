// What both interval-soundness tests draw and check: a graph, a box [lo, hi] for every input
// element with feeds inside it (its corners often), and the check that every value the
// interpreter computes lies inside the propagated bounds (NaN only where they allow it).

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import { interpretValues, type Feeds } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { staticSize, symbolOf } from '../../ir/types.ts';
import { propagateBounds } from '../../src/analysis/propagate-bounds.ts';

export interface BoxCase {
  readonly graph: Graph;
  readonly lo: number;
  readonly hi: number;
  readonly feeds: Feeds;
}

/** A box and feeds inside it for `graph`, a symbolic batch drawn in 1..maxBatch. */
export function inBox(graph: Graph, maxBatch: number): fc.Arbitrary<BoxCase> {
  const box = fc.tuple(fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: 0, max: 3000 }))
    .map(([a, w]) => ({ lo: a / 1000, hi: a / 1000 + w / 1000 }));
  return fc.tuple(box, fc.integer({ min: 1, max: maxBatch })).chain(([{ lo, hi }, batch]) => {
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

/** Throws, naming the value and element, where an interpreted value leaves its bounds. */
export function checkInside({ graph, lo, hi, feeds }: BoxCase): void {
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
