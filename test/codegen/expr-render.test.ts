// The scalar-expression renderer: JS output evaluates bit for bit like the interpreter (f32
// arithmetic, one rounding per primitive), repeated subexpressions are hoisted once, literals
// are the f32 constants the interpreter uses.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JS_ERF_SOURCE, JS_SYNTAX, renderExpr } from '../../codegen/expr-render.ts';
import { E, evaluateExpr, type ScalarExpr } from '../../ir/scalar.ts';

function jsEvaluate(expr: ScalarExpr, operands: readonly number[]): number {
  const rendered = renderExpr(expr, JS_SYNTAX, { operand: (i) => `v[${i}]`, localPrefix: 't' });
  const source = `${JS_ERF_SOURCE}\n${rendered.statements.join('\n')}\nreturn ${rendered.value};`;
  const value = new Function('v', source)(operands) as number | boolean;
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

const number = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1e30, -1e30, Infinity, -Infinity, NaN));

const arbExpr: fc.Arbitrary<ScalarExpr> = fc.letrec<{ num: ScalarExpr; cmp: ScalarExpr }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 0, max: 2 }).map((i) => E.operand(i)),
    number.map((v) => E.const(v)),
    fc.tuple(fc.constantFrom('neg', 'abs', 'exp', 'log', 'sqrt', 'tanh', 'erf') as fc.Arbitrary<'neg'>, tie('num')).map(([fn, a]) => E[fn](a)),
    fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'div', 'max', 'min') as fc.Arbitrary<'add'>, tie('num'), tie('num')).map(([fn, a, b]) => E[fn](a, b)),
    fc.tuple(tie('cmp'), tie('num'), tie('num')).map(([c, a, b]) => E.select(c, a, b)),
  ),
  cmp: fc.tuple(fc.constantFrom('lt', 'le', 'gt', 'ge', 'eq') as fc.Arbitrary<'lt'>, tie('num'), tie('num')).map(([fn, a, b]) => E[fn](a, b)),
})).num;

describe('renderExpr (JS)', () => {
  it('evaluates every expression exactly like the interpreter (both in f32 arithmetic)', () => {
    const f32Operands = fc.array(number.map(Math.fround), { minLength: 3, maxLength: 3 });
    fc.assert(fc.property(arbExpr, f32Operands, (expr, operands) => {
      expect(Object.is(jsEvaluate(expr, operands), evaluateExpr(expr, operands))
        || (Number.isNaN(jsEvaluate(expr, operands)) && Number.isNaN(evaluateExpr(expr, operands)))).toBe(true);
    }), { numRuns: 300 });
  });

  it('hoists a repeated compound subexpression into one local', () => {
    const sum = E.add(E.operand(0), E.operand(1));
    const rendered = renderExpr(E.select(E.lt(sum, 0), 0, sum), JS_SYNTAX, { operand: (i) => `a${i}`, localPrefix: 't' });
    expect(rendered.statements).toEqual(['const t0 = Math.fround(a0 + a1);']);
    expect(rendered.value).toBe('((t0 < 0) ? 0 : t0)');
  });

  it('writes literals as the f32 constants the interpreter uses, signs and non-finite values included', () => {
    for (const value of [0.1, -0, -2.5e-38, 1e30, Infinity, -Infinity, 3.4028234663852886e38, 1e39]) {
      expect(Object.is(jsEvaluate(E.const(value), []), Math.fround(value))).toBe(true);
      expect(Object.is(jsEvaluate(E.const(value), []), evaluateExpr(E.const(value), []))).toBe(true);
    }
    expect(Number.isNaN(jsEvaluate(E.const(NaN), []))).toBe(true);
  });
});
