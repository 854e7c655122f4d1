// The f32x4 approximations of exp, log, tanh and erf (codegen/wasm/math-library.ts) against
// the interpreter's f64 definitions: the stated error bounds over sweeps of their ranges,
// and the edge values ±0, ±Inf, NaN, large |x|, subnormals, and the branch boundaries.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { E, evaluateExpr, type UnaryFn } from '../../../ir/scalar.ts';
import { MathLibrary, NonPositiveExp } from '../../../codegen/wasm/math-library.ts';
import { ModuleAssembler } from '../../../codegen/wasm/module-assembler.ts';
import { vectorModule } from './vector-harness.ts';

type Approximated = Extract<UnaryFn, 'exp' | 'log' | 'tanh' | 'erf'>;

/** The bounds stated in math-library.ts: relative error (and an absolute floor). */
const BOUNDS: Readonly<Record<Approximated, { rel: number; abs: number }>> = {
  exp: { rel: 2.4e-7, abs: 0 },
  log: { rel: 2.4e-7, abs: 2e-7 },
  tanh: { rel: 5e-7, abs: 3e-7 },
  erf: { rel: 4e-7, abs: 4e-7 },
};

const EDGES = [0, -0, NaN, Infinity, -Infinity, 1e30, -1e30, 3e38, -3e38, 1e-40, -1e-40, 1e-8, -1e-8,
  88.72, 88.73, 89, -87.3, -103.9, -104.1, -150, 0.625, -0.625, 0.6249, 0.5, -0.5, 0.4999, 9, -9, 20, 0.7071067, 1, -1];

function check(fn: Approximated, xs: readonly number[]): void {
  const expr = E[fn](E.operand(0));
  const module = vectorModule(expr, 1);
  expect(WebAssembly.validate(module.bytes)).toBe(true);
  const padded = [...xs];
  while (padded.length % 4 !== 0) padded.push(0);
  const x = Float32Array.from(padded);
  const y = module.apply([x]);
  const bound = BOUNDS[fn];
  x.forEach((value, i) => {
    const expected = Math.fround(evaluateExpr(expr, [value]));
    const actual = y[i] ?? NaN;
    const where = `${fn}(${value}) = ${actual}, expected ${expected}`;
    if (Number.isNaN(expected)) { expect(Number.isNaN(actual), where).toBe(true); return; }
    if (!Number.isFinite(expected)) { expect(actual, where).toBe(expected); return; }
    if (expected === 0 && Number.isFinite(1 / expected) && fn !== 'erf') expect(Object.is(actual, expected) || Math.abs(actual) < 1e-38, where).toBe(true);
    // Results below the normal range carry an absolute error of at most the smallest normal.
    const error = Math.abs(actual - expected);
    expect(error <= bound.abs + bound.rel * Math.abs(expected) + 1.2e-38, where).toBe(true);
  });
}

const sweep = (count: number, low: number, high: number): number[] =>
  Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));

describe('wasm math library', () => {
  it('exp: ≤ 2 ulp over [-104, 89] and exact edges (0 below -104, +Inf above ln FLT_MAX, NaN)', () => {
    check('exp', [...EDGES, ...sweep(3000, -104, 89)]);
  });

  it('log: ≤ 2 ulp over [1e-38, 1e38], subnormals, log(0) = -Inf, log(x < 0) = NaN', () => {
    check('log', [...EDGES, ...sweep(1000, 0.01, 10), ...sweep(1000, -87, 87).map(Math.exp), 1e-44, 5e-39]);
  });

  it('tanh: within bounds over [-12, 12], odd at ±0, ±1 at ±Inf', () => {
    check('tanh', [...EDGES, ...sweep(3000, -12, 12)]);
    const y = vectorModule(E.tanh(E.operand(0)), 1).apply([Float32Array.of(-0, 0, Infinity, -Infinity)]);
    expect([Object.is(y[0], -0), Object.is(y[1], 0), y[2], y[3]]).toEqual([true, true, 1, -1]);
  });

  it('erf: within bounds over [-7, 7], ±1 in the tails', () => {
    check('erf', [...EDGES, ...sweep(3000, -7, 7)]);
  });

  it('the inlined exp for x ≤ 0 equals the library exp down to -87.68 and gives +0 below (−Inf → 0, NaN stays)', () => {
    const xs = Float32Array.from([...sweep(4000, -120, 0), 0, -0, -Infinity, NaN, -87.68, -87.67, -87.3, -1e-40, -3e38, -1e-8, -50, -0.5]);
    const run = (inline: boolean): Float32Array => {
      const module = new ModuleAssembler(2 * xs.length * 4 + 64);
      const library = new MathLibrary(module);
      const ref = module.declare('apply', [{ name: 'count', type: 'i32' }], [], true);
      module.define(ref, (asm) => {
        const exp = new NonPositiveExp(asm);
        const at = asm.local('i32', 'at');
        const x = asm.local('v128', 'x');
        asm.i32Const(0).set(at).block('done').loop('each');
        asm.get(at).get(asm.param('count')).i32('i32.ge_u').brIf(1);
        asm.get(at).i32Const(xs.length * 4).i32('i32.add');
        asm.get(at).v128Load(0).set(x);
        if (inline) exp.push(x);
        else { asm.get(x); library.call(asm, 'exp'); }
        asm.v128Store(0).get(at).i32Const(16).i32('i32.add').set(at).br(0).end().end();
      });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(module.bytes()), {});
      const memory = new Float32Array((instance.exports.memory as WebAssembly.Memory).buffer);
      memory.set(xs);
      (instance.exports.apply as (count: number) => void)(xs.length * 4);
      return memory.slice(xs.length, 2 * xs.length);
    };
    expect(xs.length % 4).toBe(0);
    const inline = run(true);
    const library = run(false);
    xs.forEach((x, i) => {
      const where = `e^${x}: ${inline[i]} inline, ${library[i]} library`;
      if (Number.isNaN(x)) expect(inline[i], where).toBeNaN();
      else if (x * Math.LOG2E >= -126.5) expect(inline[i], where).toBe(library[i]);
      else expect(inline[i], where).toBe(0);
    });
  });

  it('random f32 inputs of any magnitude stay within bounds', () => {
    fc.assert(fc.property(
      fc.constantFrom<Approximated>('exp', 'log', 'tanh', 'erf'),
      fc.array(fc.float({ noDefaultInfinity: false }), { minLength: 4, maxLength: 64 }),
      (fn, xs) => check(fn, xs),
    ), { numRuns: 60 });
  });
});
