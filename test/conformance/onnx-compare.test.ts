// The conformance test's own yardstick: ONNX's tolerance, shape checks, the reports a
// failure prints, and which feeds fall outside WGSL's float contract.

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/builder.ts';
import { compareOutputs, withinFiniteContract } from './onnx-compare.ts';

function reluGraph(batched: boolean): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('g');
  const x = b.input('x', batched ? ['N', 3] : [2, 3]);
  b.output(b.op('relu', [x], {}, 'y'));
  return b.build();
}

const feeds = { x: new Float32Array(6) };
const expected = (data: number[], shape = [2, 3]): { name: string; shape: number[]; data: Float32Array }[] => [{ name: 'y', shape, data: Float32Array.from(data) }];

describe('compareOutputs', () => {
  it('accepts |a - b| <= 1e-7 + 1e-3·|b| and NaN against NaN', () => {
    const want = expected([1000, 1, 0, NaN, -Infinity, 1e-8]);
    const got = { y: Float32Array.from([1000.99, 1.0009, 9e-8, NaN, -Infinity, 0]) };
    expect(compareOutputs(want, reluGraph(false), feeds, got)).toEqual([]);
  });

  it('reports the worst error and the first element outside the bound', () => {
    const want = expected([1, 2, 3, 4, 5, 6]);
    const [mismatch, ...rest] = compareOutputs(want, reluGraph(false), feeds, { y: Float32Array.from([1, 2.01, 3, 4.5, 5, 6]) });
    expect(rest).toEqual([]);
    expect(mismatch?.maxAbsError).toBeCloseTo(0.5, 6);
    expect(mismatch?.message).toMatch(/^output "y" \[2,3\] differs: max abs error 0\.500, .*first at index 1: expected 2, got 2\.0099/);
  });

  it('fails NaN against a number, a wrong shape and a missing output', () => {
    const graph = reluGraph(false);
    expect(compareOutputs(expected([NaN, 0, 0, 0, 0, 0]), graph, feeds, { y: new Float32Array(6) })).toHaveLength(1);
    expect(compareOutputs(expected([0, 0, 0, 0, 0, 0], [3, 2]), graph, feeds, { y: new Float32Array(6) })[0]?.message).toMatch(/has shape \[2,3\], expected \[3,2\]/);
    expect(compareOutputs(expected([0, 0, 0, 0, 0, 0]), graph, feeds, {})[0]?.message).toMatch(/missing from the results/);
  });

  it('binds a symbolic batch from the feeds', () => {
    expect(compareOutputs(expected([0, 0, 0, 0, 0, 0]), reluGraph(true), feeds, { y: new Float32Array(6) })).toEqual([]);
  });
});

describe('withinFiniteContract', () => {
  it('refuses NaN or infinite feeds and NaN results, not infinite results', () => {
    const finite = expected([Infinity, 0, 0, 0, 0, 0]);
    expect(withinFiniteContract({ x: new Float32Array(6) }, finite)).toBe(true);
    expect(withinFiniteContract({ x: Float32Array.of(0, -Infinity) }, finite)).toBe(false);
    expect(withinFiniteContract({ x: Float32Array.of(NaN) }, finite)).toBe(false);
    expect(withinFiniteContract({ x: new Float32Array(6) }, expected([NaN, 0, 0, 0, 0, 0]))).toBe(false);
  });
});
