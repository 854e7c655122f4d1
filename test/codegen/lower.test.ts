// Lowering: kernel kinds, buffer assignment, merged loop nests and composed epilogues.

import { describe, expect, it } from 'vitest';
import { lowerGraph } from '../../codegen/lower.ts';
import { formatExpr } from '../../ir/scalar.ts';
import { GraphBuilder } from '../../src/builder.ts';
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
    expect(k.rows).toEqual({ perSample: 1, fixed: 0 });
    expect([k.inFeatures, k.outFeatures]).toEqual([4, 3]);
    expect(k.x).toEqual({ kind: 'input', index: 0 });
    expect(k.out).toEqual({ kind: 'output', index: 0 });
    expect(formatExpr(k.epilogue.body)).toBe('select(lt(add($0, $1), 0), 0, add($0, $1))');
    expect(k.epilogue.operands[0]?.strides).toEqual([0, 1]);
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
    expect(first.extents).toEqual([{ perSample: 10, fixed: 0 }]);
    expect(first.operands.map((o) => o.strides)).toEqual([[1], [1]]);
    expect(first.out).toEqual({ kind: 'arena', offset: { perSample: 0, fixed: 0 } });
    expect(second.extents).toEqual([{ perSample: 2, fixed: 0 }, { perSample: 0, fixed: 5 }]);
    expect(second.operands.map((o) => o.strides)).toEqual([[5, 1], [0, 1]]);
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
    expect(tk.operands[0]?.strides).toEqual([6, 1, 3]);
    expect([sk.outer, sk.size, sk.inner]).toEqual([{ perSample: 1, fixed: 0 }, { perSample: 0, fixed: 3 }, 2]);
    expect([mk.m, mk.k, mk.n, mk.aBatchStrides, mk.bBatchStrides]).toEqual([{ perSample: 0, fixed: 3 }, 2, 4, [6], [0]]);
  });

  it('refuses graphs whose inputs use two different symbolic dims', () => {
    const b = new GraphBuilder('m');
    const x = b.input('x', ['N', 2]);
    const y = b.input('y', ['M', 2]);
    b.output(b.relu(x), b.relu(y));
    const g = b.build();
    expect(() => lowerGraph(g, naivePlan(g))).toThrow(/one symbolic batch dim on axis 0 only/);
  });
});
