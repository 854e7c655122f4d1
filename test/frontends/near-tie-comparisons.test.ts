// outputsAfterNearTies on the counterexample of onnx-random.test.ts (seed 813571708):
// equal(x, tanh(x)) at x = -2^-126 is a tie the reference resolves exactly and onnxruntime
// not, while the softplus output beside it and comparisons of distant values stay checked.

import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../ir/parse.ts';
import { toleranceFor } from '../../src/tolerance.ts';
import { outputsAfterNearTies } from './near-tie-comparisons.ts';

const graph = parseGraph(`graph g(%x0: f32[N,10], %y: f32[10]) -> (f32[N,10], bool[N,10], bool[N,10], bool[N,10]) {
  %v1 = tanh(%x0) : f32[N,10]
  %v2 = equal(%x0, %v1) : bool[N,10]
  %v3 = softplus(%v1) : f32[N,10]
  %v4 = less(%x0, %y) : bool[N,10]
  %v5 = not(%v2) : bool[N,10]
  return %v3, %v2, %v4, %v5
}`);

function feeds(x6: number): Record<string, Float32Array> {
  const x0 = new Float32Array(20).fill(2);
  x0[6] = x6;
  return { x0, y: new Float32Array(10).fill(-1) };
}

describe('outputsAfterNearTies', () => {
  it('names the comparison of two values within the tolerance and what follows it', () => {
    expect([...outputsAfterNearTies(graph, feeds(-(2 ** -126)), toleranceFor(graph))].sort()).toEqual(['v2', 'v5']);
  });
  it('names nothing when every compared pair is far apart (broadcast operands included)', () => {
    expect([...outputsAfterNearTies(graph, feeds(0.5), toleranceFor(graph))]).toEqual([]);
  });
  it('sees a near tie in a broadcast operand', () => {
    const y = new Float32Array(10).fill(-1);
    y[3] = 2;
    expect([...outputsAfterNearTies(graph, { ...feeds(0.5), y }, toleranceFor(graph))]).toEqual(['v4']);
  });
});
