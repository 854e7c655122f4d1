// The scalar-expression language in which every elementwise op is written once. The
// interpreter evaluates it, the backends render it (see codegen/), and fusion composes it.
//
// Semantics (the definition backends must match): f32 arithmetic. Operands are f32 tensor
// elements, constants are rounded to f32, and every primitive (neg, add, exp, …) rounds its
// result to f32, exactly as an f32 machine would: +, -, *, /, sqrt are then correctly
// rounded, exp/log/tanh/erf are the f64 function rounded once (backends' f32 versions may be
// a few ulp off). One rounding per primitive is what makes fusion exact: a fused body
// computes bit for bit what the separate ops computed through their f32 tensors, overflow
// and cancellation included. Comparisons yield booleans; `max` and `min` propagate NaN like
// Math.max/Math.min; `select(c, a, b)` is `c ? a : b`.

import { formatNumber } from './number-format.ts';

export type UnaryFn = 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'erf' | 'trunc';
export type ArithFn = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';
export type CompareFn = 'lt' | 'le' | 'gt' | 'ge' | 'eq';
export type BinaryFn = ArithFn | CompareFn;

export const UNARY_FNS: readonly UnaryFn[] = ['neg', 'abs', 'exp', 'log', 'sqrt', 'tanh', 'erf', 'trunc'];
export const ARITH_FNS: readonly ArithFn[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
export const COMPARE_FNS: readonly CompareFn[] = ['lt', 'le', 'gt', 'ge', 'eq'];

export type ScalarExpr =
  /** The element of operand `index` at the current output position. */
  | { readonly kind: 'operand'; readonly index: number }
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'unary'; readonly fn: UnaryFn; readonly arg: ScalarExpr }
  | { readonly kind: 'binary'; readonly fn: BinaryFn; readonly lhs: ScalarExpr; readonly rhs: ScalarExpr }
  | { readonly kind: 'select'; readonly cond: ScalarExpr; readonly ifTrue: ScalarExpr; readonly ifFalse: ScalarExpr };

export type ExprLike = ScalarExpr | number;

function lift(value: ExprLike): ScalarExpr {
  return typeof value === 'number' ? { kind: 'const', value } : value;
}

function unary(fn: UnaryFn) {
  return (arg: ExprLike): ScalarExpr => ({ kind: 'unary', fn, arg: lift(arg) });
}

function binary(fn: BinaryFn) {
  return (lhs: ExprLike, rhs: ExprLike): ScalarExpr => ({ kind: 'binary', fn, lhs: lift(lhs), rhs: lift(rhs) });
}

/** Constructors for writing op bodies: `E.select(E.lt(x, 0), 0, x)`. */
export const E = {
  operand: (index: number): ScalarExpr => ({ kind: 'operand', index }),
  const: (value: number): ScalarExpr => ({ kind: 'const', value }),
  neg: unary('neg'),
  abs: unary('abs'),
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  tanh: unary('tanh'),
  erf: unary('erf'),
  /** Rounds toward zero (exact: the cast f32 → i32). */
  trunc: unary('trunc'),
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  max: binary('max'),
  min: binary('min'),
  lt: binary('lt'),
  le: binary('le'),
  gt: binary('gt'),
  ge: binary('ge'),
  eq: binary('eq'),
  select: (cond: ScalarExpr, ifTrue: ExprLike, ifFalse: ExprLike): ScalarExpr => ({
    kind: 'select',
    cond,
    ifTrue: lift(ifTrue),
    ifFalse: lift(ifFalse),
  }),
} as const;

export function isCompare(fn: BinaryFn): fn is CompareFn {
  return (COMPARE_FNS as readonly string[]).includes(fn);
}

/** Whether an expression yields a boolean (a comparison) rather than a number. */
export function isBoolean(expr: ScalarExpr): boolean {
  return expr.kind === 'binary' && isCompare(expr.fn);
}

/**
 * erf to about 1e-14 (f64): a Taylor series near 0 and a continued fraction for erfc in
 * the tails. JavaScript has no Math.erf; backends render their own documented version.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))).
  let fraction = ax;
  for (let k = 80; k >= 1; k--) fraction = ax + k / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}

function applyUnary(fn: UnaryFn, a: number): number {
  switch (fn) {
    case 'neg': return -a;
    case 'abs': return Math.abs(a);
    case 'exp': return Math.exp(a);
    case 'log': return Math.log(a);
    case 'sqrt': return Math.sqrt(a);
    case 'tanh': return Math.tanh(a);
    case 'erf': return erf(a);
    case 'trunc': return Math.trunc(a);
  }
}

function applyBinary(fn: BinaryFn, a: number, b: number): number {
  switch (fn) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'max': return Math.max(a, b);
    case 'min': return Math.min(a, b);
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
    case 'eq': return a === b ? 1 : 0;
  }
}

/**
 * Evaluates an expression in f32 arithmetic (see the header) on operand values, which should
 * be f32 already; booleans come out as 1 or 0.
 */
export function evaluateExpr(expr: ScalarExpr, operands: readonly number[]): number {
  switch (expr.kind) {
    case 'operand': return Math.fround(operands[expr.index] ?? NaN);
    case 'const': return Math.fround(expr.value);
    case 'unary': return Math.fround(applyUnary(expr.fn, evaluateExpr(expr.arg, operands)));
    case 'binary':
      return Math.fround(applyBinary(expr.fn, evaluateExpr(expr.lhs, operands), evaluateExpr(expr.rhs, operands)));
    case 'select':
      return evaluateExpr(expr.cond, operands) !== 0
        ? evaluateExpr(expr.ifTrue, operands)
        : evaluateExpr(expr.ifFalse, operands);
  }
}

/** Replaces every operand reference by `replace(index)` (used to compose fused bodies). */
export function substituteOperands(expr: ScalarExpr, replace: (index: number) => ScalarExpr): ScalarExpr {
  switch (expr.kind) {
    case 'operand': return replace(expr.index);
    case 'const': return expr;
    case 'unary': return { ...expr, arg: substituteOperands(expr.arg, replace) };
    case 'binary':
      return { ...expr, lhs: substituteOperands(expr.lhs, replace), rhs: substituteOperands(expr.rhs, replace) };
    case 'select':
      return {
        kind: 'select',
        cond: substituteOperands(expr.cond, replace),
        ifTrue: substituteOperands(expr.ifTrue, replace),
        ifFalse: substituteOperands(expr.ifFalse, replace),
      };
  }
}

/** The operand indices an expression reads, ascending. */
export function operandsOf(expr: ScalarExpr): number[] {
  const seen = new Set<number>();
  const visit = (e: ScalarExpr): void => {
    switch (e.kind) {
      case 'operand': seen.add(e.index); return;
      case 'const': return;
      case 'unary': visit(e.arg); return;
      case 'binary': visit(e.lhs); visit(e.rhs); return;
      case 'select': visit(e.cond); visit(e.ifTrue); visit(e.ifFalse); return;
    }
  };
  visit(expr);
  return [...seen].sort((a, b) => a - b);
}

/** The direct subexpressions of an expression. */
export function exprChildren(expr: ScalarExpr): ScalarExpr[] {
  switch (expr.kind) {
    case 'operand':
    case 'const': return [];
    case 'unary': return [expr.arg];
    case 'binary': return [expr.lhs, expr.rhs];
    case 'select': return [expr.cond, expr.ifTrue, expr.ifFalse];
  }
}

/**
 * How often each compound subexpression occurs (keyed by its text), counting the inside of
 * a repeated one once: renderers compute those seen more than once into a local. Fusion
 * substitutes a producer's body at every use of its value, so repeats are common.
 */
export function countSubexpressions(expr: ScalarExpr): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (e: ScalarExpr): void => {
    if (e.kind === 'operand' || e.kind === 'const') return;
    const key = formatExpr(e);
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    if (seen === 0) exprChildren(e).forEach(count);
  };
  count(expr);
  return counts;
}

/** Number of nodes in an expression tree (a guard against runaway fusion). */
export function exprSize(expr: ScalarExpr): number {
  switch (expr.kind) {
    case 'operand':
    case 'const': return 1;
    case 'unary': return 1 + exprSize(expr.arg);
    case 'binary': return 1 + exprSize(expr.lhs) + exprSize(expr.rhs);
    case 'select': return 1 + exprSize(expr.cond) + exprSize(expr.ifTrue) + exprSize(expr.ifFalse);
  }
}

/** Text form used in IR dumps: `select(lt($0, 0), 0, $0)`; parseExpr reads it back. */
export function formatExpr(expr: ScalarExpr): string {
  switch (expr.kind) {
    case 'operand': return `$${expr.index}`;
    case 'const': return formatNumber(expr.value);
    case 'unary': return `${expr.fn}(${formatExpr(expr.arg)})`;
    case 'binary': return `${expr.fn}(${formatExpr(expr.lhs)}, ${formatExpr(expr.rhs)})`;
    case 'select': return `select(${formatExpr(expr.cond)}, ${formatExpr(expr.ifTrue)}, ${formatExpr(expr.ifFalse)})`;
  }
}

/** Problems that make an expression ill-typed (a number where a boolean is needed, etc.). */
export function exprProblem(expr: ScalarExpr, operandCount: number): string | undefined {
  switch (expr.kind) {
    case 'operand':
      return Number.isInteger(expr.index) && expr.index >= 0 && expr.index < operandCount
        ? undefined
        : `operand $${expr.index} does not exist (the node has ${operandCount} operands)`;
    case 'const': return undefined;
    case 'unary':
      if (isBoolean(expr.arg)) return `${expr.fn} needs a number, got a comparison`;
      return exprProblem(expr.arg, operandCount);
    case 'binary':
      if (isBoolean(expr.lhs) || isBoolean(expr.rhs)) return `${expr.fn} needs numbers, got a comparison`;
      return exprProblem(expr.lhs, operandCount) ?? exprProblem(expr.rhs, operandCount);
    case 'select':
      if (!isBoolean(expr.cond)) return 'select needs a comparison as its condition';
      if (isBoolean(expr.ifTrue) || isBoolean(expr.ifFalse)) return 'select branches must be numbers';
      return exprProblem(expr.cond, operandCount) ?? exprProblem(expr.ifTrue, operandCount)
        ?? exprProblem(expr.ifFalse, operandCount);
  }
}
