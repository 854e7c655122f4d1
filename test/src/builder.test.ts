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

  it('builds every CNN op with PyTorch-like options, split included', () => {
    const b = new GraphBuilder('cnn');
    const x = b.input('x', ['N', 2, 4, 4]);
    const w = b.constant(new Float32Array([1, 0, 0, 1]), [2, 1, 1, 2], 'w');
    const bias = b.constant(new Float32Array([0.5, -0.5]), [2], 'b');
    const slope = b.constant(new Float32Array([0.1, 0.2]), [2], 'slope');
    const c = b.conv(x, w, { bias, residual: x, activation: { op: 'prelu', attrs: {} }, params: [slope], pads: [0, 0, 0, 1], group: 2 }, 'c');
    expect(c.type.shape).toEqual(['N', 2, 4, 4]);
    const up = b.convTranspose(c, b.constant(new Float32Array(8).fill(1), [2, 1, 2, 2]), { strides: [2, 2], group: 2, outputPadding: [1, 0] }, 'up');
    expect(up.type.shape).toEqual(['N', 2, 9, 8]);
    expect(b.maxPool(up, [3, 3], { strides: [2, 2], ceilMode: true }, 'mp').type.shape).toEqual(['N', 2, 4, 4]);
    expect(b.avgPool(up, [2, 2], { pads: [1, 1, 1, 1], countIncludePad: true }, 'ap').type.shape).toEqual(['N', 2, 10, 9]);
    expect(b.reduceMean(c, [2, 3], true, 'gap').type.shape).toEqual(['N', 2, 1, 1]);
    expect(b.reduceMax(c, [-1], false, 'rmax').type.shape).toEqual(['N', 2, 4]);
    const [first, second] = b.split(c, 2, [1, 3], 'part');
    expect([first?.name, second?.name]).toEqual(['part', 'part_1']);
    expect(second?.type.shape).toEqual(['N', 2, 3, 4]);
    expect(b.concat([c, x], 1, 'cat').type.shape).toEqual(['N', 4, 4, 4]);
    expect(b.slice(c, { starts: [-1], ends: [-5], axes: [3], steps: [-2] }, 'rev').type.shape).toEqual(['N', 2, 4, 2]);
    expect(b.pad(c, [0, 0, 1, 2, 0, 0, 1, 0], 'reflect', 0, 'pr').type.shape).toEqual(['N', 2, 6, 6]);
    expect(b.resize(c, [8, 6], { mode: 'linear', coordinateTransformationMode: 'align_corners' }, 'rs').type.shape).toEqual(['N', 2, 8, 6]);
    const h = b.hardSwish(b.hardSigmoid(b.clip(c, 0, 6, 'r6'), 1 / 6, 0.5, 'hs'), 'hw');
    b.output(h, first as NonNullable<typeof first>);
    const graph = b.build();
    expect(verifyGraph(graph)).toEqual([]);
    // conv with group 2 and a 1×2 kernel [1, 0] / [0, 1], pad right 1: channel 0 reads x[w], channel 1 x[w + 1].
    const input = new Float32Array(32).map((_, i) => i - 16);
    const out = interpret(graph, { x: input });
    const pre = (ch: number, at: number): number => {
      const v = ch === 0 ? (input[at] ?? 0) : at % 4 === 3 ? 0 : (input[16 + at + 1] ?? 0);
      return v + (ch === 0 ? 0.5 : -0.5) + (input[ch * 16 + at] ?? 0);
    };
    const want = [0, 1, 2, 3].map((at) => { const v = pre(0, at); return v < 0 ? Math.fround(0.1) * v : v; });
    expect(Array.from(out['part'] ?? []).slice(0, 4)).toEqual(want.map(Math.fround));
  });

  it('refuses a split whose sizes do not add up to the axis', () => {
    const b = new GraphBuilder('split');
    const x = b.input('x', ['N', 6]);
    expect(() => b.split(x, 1, [2, 3], 's')).toThrow('%s: split sizes [2, 3] must be positive and add up to axis 1 of f32[N,6]');
    expect(() => b.split(x, 0, [1], 's')).toThrow('add up to axis 0');
  });
});
