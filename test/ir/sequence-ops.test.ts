// The sequence ops' reference semantics: pow's forms and C sign rules, sqrt and reciprocal,
// layer_norm against its f32 decomposition within the budget ir/ops/sequence.ts states,
// attention's shape rule, and the text and JSON formats round-tripping all of them.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { parseGraph } from '../../ir/parse.ts';
import { printGraph } from '../../ir/print.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { readJsonModel } from '../../src/frontends/json-model/read.ts';
import { writeJsonModel } from '../../src/frontends/json-model/write.ts';
import { fuseLayerNormPass } from '../../src/passes/fuse-layer-norm.ts';
import { QUIET } from '../../src/passes/pass.ts';
import { Random } from '../../src/random.ts';

function unary(op: 'pow' | 'sqrt' | 'reciprocal', values: readonly number[], attrs: Record<string, number> = {}): Float32Array {
  const b = new GraphBuilder('u');
  const x = b.input('x', [values.length]);
  b.output(b.op(op, [x], attrs, 'y'));
  return interpret(b.build(), { x: Float32Array.from(values) })['y'] ?? new Float32Array();
}

describe('pow, sqrt, reciprocal', () => {
  const xs = [-3, -2, -0.5, -0, 0, 0.25, 1, 2.5, 7];
  it.each([2, 3, 4, -1, -2, 0.5, -0.5, 1.5, -1.5, 5, -3, 7.25, 0])('pow(x, %d) is C pow within f32 rounding', (e) => {
    const got = unary('pow', xs, { exponent: e });
    xs.forEach((x, i) => {
      const want = Math.fround(x ** e);
      const actual = got[i] ?? NaN;
      if (Number.isNaN(want)) expect(actual, `pow(${x}, ${e})`).toBeNaN();
      else if (!Number.isFinite(want) || want === 0) expect(Object.is(actual, want) || actual === want, `pow(${x}, ${e}) = ${actual}, want ${want}`).toBe(true);
      else expect(Math.abs(actual - want) / Math.abs(want), `pow(${x}, ${e})`).toBeLessThanOrEqual(1e-6);
    });
  });

  it('keeps the sign of zero for odd exponents, as C does', () => {
    expect(Object.is(unary('pow', [-0], { exponent: 5 })[0], -0)).toBe(true);
    expect(unary('pow', [-0], { exponent: -5 })[0]).toBe(-Infinity);
    expect(unary('pow', [-0], { exponent: -6 })[0]).toBe(Infinity);
  });

  it('sqrt and reciprocal are correctly rounded', () => {
    expect([...unary('sqrt', [4, 2, -1])]).toEqual([2, Math.fround(Math.SQRT2), NaN]);
    expect([...unary('reciprocal', [4, 3, -0])]).toEqual([0.25, Math.fround(1 / 3), -Infinity]);
  });
});

/** PyTorch's opset-13 LayerNorm decomposition over the last axis, every step an f32 op. */
function decomposed(shape: number[], scale: Float32Array, bias: Float32Array): GraphBuilder {
  const b = new GraphBuilder('ln');
  const x = b.input('x', shape);
  const mean = b.op('reduce_mean', [x], { axes: [-1], keepdims: 1 });
  const d = b.sub(x, mean);
  const variance = b.op('reduce_mean', [b.pow(d, 2)], { axes: [-1], keepdims: 1 });
  const std = b.sqrt(b.add(variance, b.constant(Float32Array.of(1e-5), [])));
  const size = shape[shape.length - 1] ?? 1;
  b.output(b.add(b.mul(b.div(d, std), b.constant(scale, [size])), b.constant(bias, [size]), 'y'));
  return b;
}

describe('layer_norm', () => {
  it('fuses the decomposition and stays within the stated budget of it', () => {
    const random = new Random(5);
    const [rows, size] = [7, 48];
    const scale = random.uniformArray(size, 0.5, 1.5);
    const bias = random.uniformArray(size, -0.3, 0.3);
    const graph = decomposed([rows, size], scale, bias).build();
    const fused = fuseLayerNormPass.run(graph, QUIET);
    expect(fused.nodes.filter((n) => n.op !== 'const').map((n) => n.op)).toEqual(['layer_norm']);
    for (const offset of [0, 30]) {
      const x = random.uniformArray(rows * size, -2, 2).map((v) => v + offset);
      const want = interpret(graph, { x })['y'] ?? new Float32Array();
      const got = interpret(fused, { x })['y'] ?? new Float32Array();
      // 8·u·|n| + u·|mean|/σ per normalized value, times |scale|, plus the bias add's rounding.
      const u = 2 ** -24;
      for (let r = 0; r < rows; r++) {
        const row = x.slice(r * size, (r + 1) * size);
        const mean = row.reduce((s, v) => s + v, 0) / size;
        const sigma = Math.sqrt(row.reduce((s, v) => s + (v - mean) ** 2, 0) / size);
        for (let i = 0; i < size; i++) {
          const n = ((row[i] ?? 0) - mean) / sigma;
          const budget = (8 * u * Math.abs(n) + u * Math.abs(mean) / sigma) * (scale[i] ?? 1) + 2 * u * Math.abs(want[r * size + i] ?? 0) + 1e-7;
          expect(Math.abs((got[r * size + i] ?? NaN) - (want[r * size + i] ?? NaN)), `row ${r} elem ${i} offset ${offset}`).toBeLessThanOrEqual(budget);
        }
      }
    }
  });

  it('normalizes over several trailing axes and refuses parameters of another shape', () => {
    const b = new GraphBuilder('ln2');
    const x = b.input('x', ['N', 3, 4]);
    const y = b.layerNorm(x, b.constant(new Float32Array(12).fill(2), [3, 4]), undefined, { axis: 1 }, 'y');
    b.output(y);
    const out = interpret(b.build(), { x: Float32Array.from({ length: 24 }, (_, i) => i) })['y'] ?? new Float32Array();
    const first = out.slice(0, 12);
    expect(first.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 4);
    expect(first.reduce((s, v) => s + v * v, 0) / 12).toBeCloseTo(4, 3);
    const bad = new GraphBuilder('bad');
    const z = bad.input('x', ['N', 3, 4]);
    expect(() => bad.layerNorm(z, bad.constant(new Float32Array(3), [3]))).toThrow(/normalized shape \[4\]/);
  });
});

describe('attention', () => {
  it('checks its operands', () => {
    const b = new GraphBuilder('att');
    const q = b.input('q', ['N', 2, 5, 8]);
    const k = b.input('k', ['N', 2, 7, 8]);
    const v = b.input('v', ['N', 2, 7, 3]);
    expect(b.attention(q, k, v).type.shape).toEqual(['N', 2, 5, 3]);
    expect(() => b.attention(q, v, v)).toThrow(/static D/);
    expect(() => b.attention(q, k, v, { mask: b.constant(new Float32Array(6), [2, 3]) })).toThrow(/must broadcast to the scores/);
  });
});

describe('formats', () => {
  it('print/parse and JSON round-trip the new ops', () => {
    const b = new GraphBuilder('seq');
    const x = b.input('x', ['N', 4, 8]);
    const n = b.layerNorm(x, b.constant(new Random(1).uniformArray(8, 0, 1), [8]), b.constant(new Float32Array(8), [8]), { epsilon: 1e-6 });
    const a = b.attention(n, n, b.reciprocal(b.sqrt(b.pow(n, 1.5))), { mask: b.constant(new Random(2).uniformArray(16, -1, 1), [4, 4]) });
    b.output(a);
    const graph = b.build();
    const text = printGraph(graph, { weights: 'full' });
    expect(printGraph(parseGraph(text), { weights: 'full' })).toBe(text);
    expect(printGraph(readJsonModel(writeJsonModel(graph).json), { weights: 'full' })).toBe(text);
  });
});
