// Shapes with several symbols in the IR: the text format, the shape rules (broadcasting,
// reshape with 0 and a derived -1, flatten, transpose, matmul with a symbolic k, reductions
// over a symbol), the interpreter's binding of every symbol, and a memory plan whose sizes
// are polynomials in the symbols, sound at every binding.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { makeNode } from '../../ir/node.ts';
import { parseGraph } from '../../ir/parse.ts';
import { printGraph } from '../../ir/print.ts';
import { addSizes, divideSize, formatSize, mulSizes, shapeSize, symbolSize } from '../../ir/sym-size.ts';
import type { Shape } from '../../ir/types.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planProblems, runFromArena } from '../passes/plan-check.ts';
import { sequenceFeeds, sequenceGraph } from '../support/sequence-graph.ts';

const input = (shape: Shape): { name: string; type: { dtype: 'f32'; shape: Shape } } => ({ name: 'x', type: { dtype: 'f32', shape } });
const shapeOf = (op: Parameters<typeof makeNode>[1], shapes: readonly Shape[], attrs = {}): string =>
  makeNode('y', op, shapes.map((shape, i) => ({ ...input(shape), name: `x${i}` })), attrs).type.shape.join(',');

describe('several symbols in the IR', () => {
  it('sizes are readable polynomials', () => {
    const size = addSizes(shapeSize(['N', 'S', 128]), shapeSize([64]));
    expect(formatSize(size)).toBe('128*N*S + 64');
    expect(formatSize(mulSizes(symbolSize('S'), symbolSize('S')))).toBe('S*S');
    expect(formatSize(divideSize(shapeSize(['N', 'S', 128]), shapeSize(['N', 4, 32])) ?? [])).toBe('S');
    expect(divideSize(shapeSize(['N', 4]), shapeSize([8]))).toBeUndefined();
  });

  it('prints and parses symbols on any axis', () => {
    const text = 'graph g(%x: f32[N,S,8], %m: f32[N,1,S]) -> f32[N,S,S] {\n  %t = transpose(%x) {perm = [0, 2, 1]} : f32[N,8,S]\n  %y = matmul(%x, %t) : f32[N,S,S]\n  %z = add(%y, %m) : f32[N,S,S]\n  return %z\n}\n';
    const graph = parseGraph(text);
    expect(parseGraph(printGraph(graph))).toEqual(graph);
    expect(printGraph(graph)).toContain('f32[N,S,S]');
  });

  it('shape rules keep symbols where they belong', () => {
    expect(shapeOf('add', [['N', 'S', 4], ['N', 1, 4]])).toBe('N,S,4');
    expect(shapeOf('add', [['S', 1], [1, 'S']])).toBe('S,S');
    expect(() => shapeOf('add', [['N', 'S'], ['N', 3]])).toThrow(/cannot broadcast/);
    expect(shapeOf('reshape', [['N', 'S', 128]], { shape: [0, 0, 4, 32] })).toBe('N,S,4,32');
    expect(shapeOf('reshape', [['N', 'S', 4, 32]], { shape: [0, -1, 128] })).toBe('N,S,128');
    expect(shapeOf('reshape', [['N', 4, 8]], { shape: [-1, 32] })).toBe('N,32');
    expect(shapeOf('reshape', [['N', 'S', 8]], { shape: [-1, 8] })).toBe('N*S,8');
    expect(() => shapeOf('reshape', [['N', 'S', 8]], { shape: [0, 16, -1] })).toThrow('cannot derive the target [0,16,-1] of [N,S,8] from the symbols (8*N*S values over 16*N)');
    expect(shapeOf('flatten', [['N', 1, 'S']], { axis: 2 })).toBe('N,S');
    expect(shapeOf('flatten', [['N', 2, 4]], { axis: 1 })).toBe('N,8');
    expect(shapeOf('flatten', [['N', 'S', 4]], { axis: 2 })).toBe('N*S,4');
    expect(shapeOf('transpose', [['N', 'S', 4, 8]], { perm: [0, 2, 1, 3] })).toBe('N,4,S,8');
    expect(shapeOf('matmul', [['N', 4, 'S', 'S'], ['N', 4, 'S', 8]])).toBe('N,4,S,8');
    expect(shapeOf('softmax', [['N', 'S', 4]], { axis: 1 })).toBe('N,S,4');
    expect(shapeOf('reduce_mean', [['N', 'S', 4]], { axes: [1], keepdims: 0 })).toBe('N,4');
  });

  it('the interpreter binds each symbol and agrees with itself across bindings', () => {
    const graph = sequenceGraph();
    const small = interpret(graph, sequenceFeeds(2, 3), { S: 3 });
    expect(small['pooled']?.length).toBe(2 * 16);
    expect(small['merged']?.length).toBe(2 * 3 * 16);
    // One sequence of a batch computes what it computes alone.
    const pair = sequenceFeeds(2, 4);
    const first = { x: pair['x']?.slice(0, 4 * 8) ?? new Float32Array() };
    expect(Array.from(interpret(graph, first, { S: 4 })['pooled'] ?? [])).toEqual(Array.from(interpret(graph, pair, { N: 2 })['pooled']?.slice(0, 16) ?? []));
  });

  it('plans memory as polynomials in N and S, sound at every binding', () => {
    const graph = sequenceGraph();
    const { graph: optimized, plan } = optimize(graph);
    expect(plan.arenaSize.some((term) => term.symbols.includes('S'))).toBe(true);
    for (const [n, s] of [[1, 1], [2, 5], [3, 2]] as const) {
      const dims = new Map([['N', n], ['S', s]]);
      expect(planProblems(optimized, plan, dims)).toEqual([]);
      const feeds = sequenceFeeds(n, s);
      const direct = interpret(optimized, feeds, { S: s });
      const viaArena = runFromArena(optimized, plan, feeds, { S: s });
      for (const name of optimized.outputs) expect(Array.from(viaArena[name] ?? [])).toEqual(Array.from(direct[name] ?? []));
    }
  });
});
