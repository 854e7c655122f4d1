// Shared checks of the pass tests: two graphs compute the same outputs (within the
// tolerance of the original graph), as the reference interpreter defines them.

import type { Graph } from '../../ir/graph.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';

/** Throws (with the first mismatch) unless `after` computes what `before` does on `feeds`. */
export function assertSameResults(before: Graph, after: Graph, feeds: Feeds): void {
  const expected = interpret(before, feeds);
  const actual = interpret(after, feeds);
  const tolerance = toleranceFor(before);
  for (const name of before.outputs) {
    const result = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), tolerance);
    if (!result.ok) {
      throw new Error(`output ${formatValueName(name)} differs: ${JSON.stringify(result.mismatch)} (tolerance ${JSON.stringify(tolerance)})`);
    }
  }
}
