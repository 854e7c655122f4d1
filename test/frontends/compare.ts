// Test helper: asserts two sets of named outputs agree within the graph's tolerance
// (src/tolerance.ts), naming the output and the first mismatch when they do not.

import { expect } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { compareArrays, toleranceFor, type Tolerance } from '../../src/tolerance.ts';

export function expectClose(graph: Graph, expected: Readonly<Record<string, Float32Array>>, actual: Readonly<Record<string, Float32Array>>, label: string, tolerance: Tolerance = toleranceFor(graph)): void {
  for (const name of graph.outputs) {
    const want = expected[name];
    const got = actual[name];
    expect(want, `${label}: expected output ${name}`).toBeInstanceOf(Float32Array);
    expect(got, `${label}: actual output ${name}`).toBeInstanceOf(Float32Array);
    if (want === undefined || got === undefined) return;
    const result = compareArrays(want, got, tolerance);
    expect(result.ok, `${label}: output ${JSON.stringify(name)} differs: ${JSON.stringify(result)}`).toBe(true);
  }
}
