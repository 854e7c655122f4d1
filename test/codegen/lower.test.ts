// Lowering: kernel kinds, buffer assignment, merged loop nests and composed epilogues.

import { describe, expect, it } from 'vitest';
import { toAffineProgram } from '../../codegen/affine-kernels.ts';
import { lowerGraph } from '../../codegen/lower.ts';
import { formatSize } from '../../ir/sym-size.ts';
import { formatExpr } from '../../ir/scalar.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { affine } from '../support/affine-size.ts';
import { naivePlan } from './naive-plan.ts';

function ones(n: number): Float32Array {
  return new Float32Array(n).fill(1);
}

describe('lowerGraph', () => {
  it('lowers a fused linear with bias and relu to one linear kernel whose epilogue composes both', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', ['N', 4]);
    const w = b.constant(ones(12), [3, 4], 'w');
    const bias = b.constant(ones(3), [3], 'b');
    const y = b.linear(x, w, bias, { op: 'relu', attrs: {} }, [], 'y');
    b.output(y);
    const g = b.build();
    const program = lowerGraph(g, naivePlan(g));
    expect(program.batchSymbol).toBe('N');
    expect(program.kernels).toHaveLength(1);
    const [k] = program.kernels;
    if (k?.kind !== 'linear') throw new Error('expected a linear kernel');
    expect(k.rows).toEqual(affine(1, 0));
    expect([k.inFeatures, k.outFeatures]).toEqual([4, 3]);
    expect(k.x).toEqual({ kind: 'input', index: 0 });
    expect(k.out).toEqual({ kind: 'output', index: 0 });
    expect(formatExpr(k.epilogue.body)).toBe('select(lt(add($0, $1), 0), 0, add($0, $1))');
    expect(k.epilogue.operands[0]?.strides.map(formatSize)).toEqual(['0', '1']);
    expect(program.constants.map((c) => c.label)).toEqual(['w', 'b']);
  });

  it('merges same-shape elementwise axes into one loop and keeps broadcast axes apart', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', ['N', 2, 5]);
    const s = b.input('s', ['N', 2, 5]);
    const row = b.constant(ones(5), [5], 'row');
    const t = b.add(x, s, 't');
    const u = b.mul(t, row, 'u');
    b.output(u);
    const g = b.build();
    const program = lowerGraph(g, naivePlan(g));
    const [first, second] = program.kernels;
    if (first?.kind !== 'elementwise' || second?.kind !== 'elementwise') throw new Error('expected elementwise kernels');
    expect(first.extents).toEqual([affine(10, 0)]);
    expect(first.operands.map((o) => o.strides.map(formatSize))).toEqual([['1'], ['1']]);
    expect(first.out).toEqual({ kind: 'arena', offset: affine(0, 0) });
    expect(second.extents).toEqual([affine(2, 0), affine(0, 5)]);
    expect(second.operands.map((o) => o.strides.map(formatSize))).toEqual([['5', '1'], ['0', '1']]);
  });

  it('aliases a flatten of an input and copies outputs that no kernel writes', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', ['N', 2, 3]);
    const f = b.flatten(x, 1, 'f');
    const r = b.relu(f, 'r');
    b.output(r, x);
    const g = b.build();
    const program = lowerGraph(g, naivePlan(g));
    expect(program.kernels.map((k) => `${k.kind}:${k.op}`)).toEqual(['elementwise:relu', 'elementwise:copy']);
    const relu = program.kernels[0];
    if (relu?.kind !== 'elementwise') throw new Error('expected elementwise');
    expect(relu.operands[0]?.buffer).toEqual({ kind: 'input', index: 0 });
    expect(program.kernels[1]?.out).toEqual({ kind: 'output', index: 1 });
  });

  it('lowers transpose to a strided copy, softmax and batched matmul to their kernels', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', ['N', 2, 3]);
    const t = b.transpose(x, [0, 2, 1], 't');
    const s = b.softmax(t, 1, 's');
    const w = b.constant(ones(8), [2, 4], 'w');
    const m = b.matmul(s, w, 'mm');
    b.output(m);
    const g = b.build();
    const [tk, sk, mk] = lowerGraph(g, naivePlan(g)).kernels;
    if (tk?.kind !== 'elementwise' || sk?.kind !== 'softmax' || mk?.kind !== 'matmul') throw new Error('unexpected kernels');
    expect(tk.operands[0]?.strides.map(formatSize)).toEqual(['6', '1', '3']);
    expect([sk.outer, sk.size, sk.inner]).toEqual([affine(1, 0), affine(0, 3), affine(0, 2)]);
    expect([mk.m, mk.k, mk.n, mk.aBatchStrides, mk.bBatchStrides]).toEqual([affine(0, 3), affine(0, 2), affine(0, 4), [affine(0, 6)], [affine(0, 0)]]);
  });

  it('lowers several symbols; the affine projection (wasm, WGSL) refuses them', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', ['N', 2]);
    const y = b.input('y', ['M', 2]);
    b.output(b.relu(x), b.relu(y));
    const g = b.build();
    const program = lowerGraph(g, naivePlan(g));
    expect(program.symbols).toEqual(['N', 'M']);
    expect(() => toAffineProgram(program, 'wasm')).toThrow(/the wasm target supports one symbolic batch dim on axis 0 only/);
  });

  it('makes strides polynomials when a symbol sits on an inner axis', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', ['N', 'S', 4]);
    const t = b.transpose(x, [1, 0, 2], 't');
    b.output(t);
    const g = b.build();
    const [k] = lowerGraph(g, naivePlan(g)).kernels;
    if (k?.kind !== 'elementwise') throw new Error('expected a copy');
    expect(k.extents.map(formatSize)).toEqual(['S', 'N', '4']);
    expect(k.operands[0]?.strides.map(formatSize)).toEqual(['4', '4*S', '1']);
  });
});
