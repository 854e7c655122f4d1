// Dims that are monomials in several symbols (`N*S`, `2*N*S`): what PyTorch's exports with a
// symbolic batch and a symbolic length make ([S·N, E] around out_proj). Shape rules, reshape's
// derived -1, the text format, `--dim` substitution, the importer's shape arithmetic, and a
// bundle over such a dim against the interpreter.

import { describe, expect, it } from 'vitest';
import { fixDims } from '../../ir/fix-dims.ts';
import { interpret } from '../../ir/interpret.ts';
import { makeNode } from '../../ir/node.ts';
import { parseGraph } from '../../ir/parse.ts';
import { printGraph } from '../../ir/print.ts';
import { formatSize, shapeSize } from '../../ir/sym-size.ts';
import { bindShape, dimMonomial, isMultipleDim, monomialDim, shapeProblem, staticSize, symbolsOf, type Shape } from '../../ir/types.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { readJsonModel } from '../../src/frontends/json-model/read.ts';
import { writeJsonModel } from '../../src/frontends/json-model/write.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { intAttribute, node, onnxModel, shapeTensor } from '../frontends/onnx-model.ts';

const shapeOf = (op: Parameters<typeof makeNode>[1], shapes: readonly Shape[], attrs = {}): string =>
  makeNode('y', op, shapes.map((shape, i) => ({ name: `x${i}`, type: { dtype: 'f32' as const, shape } })), attrs).type.shape.join(',');

describe('monomial dims', () => {
  it('are canonical monomials: coefficient first, symbols sorted', () => {
    expect(monomialDim(1, ['S', 'N'])).toBe('N*S');
    expect(monomialDim(2, ['S', 'N', 'N'])).toBe('2*N*N*S');
    expect(monomialDim(6, [])).toBe(6);
    expect(dimMonomial('2*N*S')).toEqual({ coeff: 2, symbols: ['N', 'S'] });
    for (const good of ['N*S', '4*N', '2*N*S', 'S*S']) expect(isMultipleDim(good)).toBe(true);
    for (const bad of ['N', 'S*N', '1*N', '02*N', '2*', '*N', '2*3', 'N**S']) expect(isMultipleDim(bad)).toBe(false);
    expect(shapeProblem(['S*N', 4])).toBe('symbolic dim "S*N" is not an identifier');
    expect(formatSize(shapeSize(['2*N*S', 'S', 8]))).toBe('16*N*S*S');
    expect(staticSize(['2*N*S', 8])).toBe(16);
    expect(symbolsOf(['S', '4*N*T'])).toEqual(['S', 'N', 'T']);
    expect(bindShape(['2*N*S', 8], new Map([['N', 3], ['S', 5]]))).toEqual([30, 8]);
  });

  it('shape rules: broadcasting takes equal monomials, transpose and slice move them, reshape derives them', () => {
    expect(shapeOf('add', [['N*S', 32], ['N*S', 1]])).toBe('N*S,32');
    expect(shapeOf('add', [['N*S', 32], [1, 32]])).toBe('N*S,32');
    expect(() => shapeOf('add', [['N*S', 32], ['2*N*S', 32]])).toThrow(/cannot broadcast/);
    expect(shapeOf('transpose', [['S', '4*N', 8]], { perm: [1, 0, 2] })).toBe('4*N,S,8');
    expect(shapeOf('linear', [['N*S', 32], [16, 32], [16]])).toBe('N*S,16');
    // -1 = total / known, a monomial: [S, N, 32] → [S·N, 32] and back, heads folded as N·4.
    expect(shapeOf('reshape', [['S', 'N', 32]], { shape: [-1, 32] })).toBe('N*S,32');
    expect(shapeOf('reshape', [['N*S', 32]], { shape: [0, 4, 8] })).toBe('N*S,4,8');
    expect(shapeOf('reshape', [['S', 'N', 32]], { shape: [-1, 8] })).toBe('4*N*S,8');
    expect(shapeOf('reshape', [['4*N*S', 8]], { shape: [-1, 2, 16] })).toBe('N*S,2,16');
    expect(shapeOf('reshape', [['N*S', 32]], { shape: [2, -1] })).toBe('2,16*N*S');
    expect(() => shapeOf('reshape', [['N*S', 32]], { shape: [-1, 64] })).toThrow('cannot derive the target [-1,64] of [N*S,32] from the symbols (32*N*S values over 64)');
    expect(() => shapeOf('reshape', [['N*S', 32]], { shape: [2, 2, 8] })).toThrow('cannot reshape [N*S,32] (32*N*S values) to [2,2,8] (32)');
    expect(() => shapeOf('slice', [['N*S', 32]], { starts: [0], ends: [1], axes: [0] })).toThrow(/cannot slice the symbolic axis 0/);
  });

  it('round-trips through the text format (written in canonical order)', () => {
    const text = 'graph g(%x: f32[S,N,32]) -> f32[N*S,32] {\n  %h = reshape(%x) {shape = [-1, 8]} : f32[4*S*N,8]\n  %y = reshape(%h) {shape = [-1, 32]} : f32[S*N,32]\n  return %y\n}\n';
    const graph = parseGraph(text);
    expect(graph.nodes.map((n) => n.type.shape.join(','))).toEqual(['4*N*S,8', 'N*S,32']);
    expect(parseGraph(printGraph(graph))).toEqual(graph);
    expect(printGraph(graph)).toContain('f32[4*N*S,8]');
    expect(() => parseGraph(text.replace('f32[4*S*N,8]', 'f32[2*S*N,8]'))).toThrow(/reshape/);
    expect(() => parseGraph(text.replace('f32[4*S*N,8]', 'f32[4*S*,8]'))).toThrow(/a symbol after \*/);
  });

  it('a reshape target names symbols where 0 and -1 cannot say it ([N*S, 32] → [S, N, 32]); text and JSON keep it', () => {
    const text = 'graph g(%x: f32[S,N,32]) -> f32[S,N,32] {\n  %r = reshape(%x) {shape = [-1, 32]} : f32[N*S,32]\n  %y = reshape(%r) {shape = [S, N, 32]} : f32[S,N,32]\n  return %y\n}\n';
    const graph = parseGraph(text);
    expect(printGraph(graph)).toBe(text);
    expect(readJsonModel(writeJsonModel(graph).json)).toEqual(graph);
    const x = Float32Array.from({ length: 3 * 2 * 32 }, (_, i) => i);
    expect(interpret(graph, { x }, { S: 3, N: 2 })['y']).toEqual(x);
    const fixed = fixDims(graph, { N: 2 });
    expect(fixed.nodes.map((n) => [n.type.shape.join(','), (n.attrs['shape'] as readonly unknown[]).join(',')])).toEqual([['2*S,32', '-1,32'], ['S,2,32', 'S,2,32']]);
    expect(interpret(fixed, { x }, { S: 3 })['y']).toEqual(x);
    expect(() => parseGraph(text.replace('[S, N, 32]', '[S, S, 32]'))).toThrow('cannot reshape [N*S,32] (32*N*S values) to [S,S,32] (32*S*S)');
    expect(() => parseGraph(text.replace('[S, N, 32]', '[S, 2*, 32]'))).toThrow(/a symbol after \*/);
  });

  it('inputs take plain symbols only', () => {
    const b = new GraphBuilder('g');
    b.output(b.relu(b.input('x', ['N', 4])));
    const graph = b.build();
    const bad = { ...graph, inputs: graph.inputs.map((i) => ({ ...i, type: { ...i.type, shape: ['N*S', 4] } })) };
    expect(verifyGraph(bad).map((d) => d.message)).toContain('input dim "N*S" must be a number or a symbol');
  });

  it('--dim folds fixed symbols into the coefficient, a number once all are fixed', () => {
    const b = new GraphBuilder('fold');
    const r = b.reshape(b.input('x', ['S', 'N', 32]), [-1, 8], 'r');
    b.output(b.reshape(b.relu(r), [-1, 32], 'y'));
    const graph = b.build();
    expect(graph.nodes.find((n) => n.name === 'r')?.type.shape).toEqual(['4*N*S', 8]);
    expect(fixDims(graph, { N: 2 }).nodes.find((n) => n.name === 'r')?.type.shape).toEqual(['8*S', 8]);
    expect(fixDims(graph, { S: 3 }).nodes.find((n) => n.name === 'r')?.type.shape).toEqual(['12*N', 8]);
    expect(fixDims(graph, { N: 2, S: 3 }).nodes.find((n) => n.name === 'r')?.type.shape).toEqual([24, 8]);
    const feeds = { x: Float32Array.from({ length: 3 * 2 * 32 }, (_, i) => Math.sin(i) * 4) };
    const want = interpret(graph, feeds, { N: 2, S: 3 });
    expect(interpret(fixDims(graph, { N: 2 }), feeds, { S: 3 })).toEqual(want);
  });

  it('import: Mul of two symbolic dims is their product, Div by a factor takes it back', () => {
    const model = (second: string, divide: boolean): Uint8Array => onnxModel({
      inputs: [['x', ['S', 'N', 8]]], outputs: [['y', ['M', 2]]], initializers: [shapeTensor('zero', [0]), shapeTensor('one', [1]), shapeTensor('four', [4]), shapeTensor('two', [2])],
      nodes: [
        node('Shape', ['x'], 'sh'), node('Gather', ['sh', 'zero'], 's'), node('Gather', ['sh', 'one'], 'n'),
        { ...node('Mul', ['s', second], 'sn'), name: 'arith' }, node('Mul', ['sn', 'four'], 'sn4'),
        divide ? node('Div', ['sn4', 'n'], 'rows') : node('Identity', ['sn4'], 'rows'),
        node('Concat', ['rows', 'two'], 'target', [intAttribute('axis', 0)]), node('Reshape', ['x', 'target'], 'y'),
      ],
    });
    expect(importOnnx(model('n', false)).nodes.find((n) => n.name === 'y')?.type.shape).toEqual(['4*N*S', 2]);
    expect(() => importOnnx(model('n', true))).toThrow(/cannot reshape \[S,N,8\] to \[4\*S,2\]/);
    expect(() => importOnnx(model('s', false))).toThrow(/cannot reshape \[S,N,8\] to \[4\*S\*S,2\]/);
  });
});
