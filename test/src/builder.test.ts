// The low-level graph builder: DAGs with residuals and several outputs, unique names, and
// shape errors that name the node and say what was expected and found.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { GraphBuilder } from '../../src/builder.ts';

describe('GraphBuilder', () => {
  it('builds a residual DAG with two outputs', () => {
    const b = new GraphBuilder('residual');
    const x = b.input('x', ['N', 2]);
    const w = b.constant(new Float32Array([1, 0, 0, -1]), [2, 2], 'w');
    const h = b.linear(x, w, undefined, { op: 'relu', attrs: {} }, [], 'h');
    const y = b.add(h, x, 'y');
    b.output(y, h);
    const graph = b.build();
    expect(verifyGraph(graph)).toEqual([]);
    expect(graph.outputs).toEqual(['y', 'h']);
    const out = interpret(graph, { x: new Float32Array([3, 4]) });
    expect(Array.from(out['h'] ?? [])).toEqual([3, 0]);
    expect(Array.from(out['y'] ?? [])).toEqual([6, 4]);
  });

  it('makes fresh names and refuses a name defined twice', () => {
    const b = new GraphBuilder('names');
    const x = b.input('x', [2]);
    expect(b.relu(x).name).toBe('relu');
    expect(b.relu(x).name).toBe('relu_1');
    expect(() => b.relu(x, 'x')).toThrow('%x: value %x is defined twice');
    expect(() => b.input('relu', [2])).toThrow('defined twice');
  });

  it('names the node and says expected vs found on a shape error', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', ['N', 4]);
    const w = b.constant(new Float32Array(6), [2, 3], 'w');
    expect(() => b.linear(x, w, undefined, undefined, [], 'h')).toThrow('%h (linear): weight f32[2,3] needs input f32[*,3], got f32[N,4]');
    expect(() => b.add(x, b.constant(new Float32Array(3), [3]), 's')).toThrow('%s (add): cannot broadcast shapes [N,4] and [3]');
    expect(() => b.input('y', ['N', 0])).toThrow('dim 1 must be a positive integer, got 0');
  });

  it('refuses to build a graph that returns nothing', () => {
    const b = new GraphBuilder('empty');
    b.relu(b.input('x', [1]));
    expect(() => b.build()).toThrow('returns nothing');
  });
});
