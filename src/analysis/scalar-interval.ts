// Interval evaluation of a scalar body (ir/scalar.ts), so that every elementwise op, fused
// body and activation gets sound bounds from its one definition. A `select` whose condition
// compares an operand with a constant evaluates each branch with that operand narrowed to
// the side of the constant the branch sees: relu's select(lt($0, 0), 0, $0) on [-1, 2] is
// [0, 0] ∪ [0, 2] = [0, 2], exact, where plain interval arithmetic would give [-1, 2].

import { isCompare, type CompareFn, type ScalarExpr } from '../../ir/scalar.ts';
import { arithInterval, compareInterval, isEmpty, point, union, unaryInterval, type Interval } from './interval.ts';

const EMPTY: Interval = { lo: Infinity, hi: -Infinity, nan: false };

/** The operand narrowed to where `x fn c` holds (true side) or fails (false side). */
function narrow(x: Interval, fn: CompareFn, c: number, side: boolean): Interval {
  // NaN compares false: it only ever reaches the false side.
  const nan = side ? false : x.nan;
  const below = (limit: number): Interval => ({ lo: x.lo, hi: Math.min(x.hi, limit), nan });
  const above = (limit: number): Interval => ({ lo: Math.max(x.lo, limit), hi: x.hi, nan });
  switch (fn) {
    case 'lt':
    case 'le': return side ? below(c) : above(c);
    case 'gt':
    case 'ge': return side ? above(c) : below(c);
    case 'eq': return side ? { lo: Math.max(x.lo, c), hi: Math.min(x.hi, c), nan: false } : x;
  }
}

const MIRROR: Record<CompareFn, CompareFn> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq' };

/** `$k fn c` (or `c fn $k`, mirrored), when the condition has that shape. */
function operandTest(cond: ScalarExpr): { index: number; fn: CompareFn; c: number } | undefined {
  if (cond.kind !== 'binary' || !isCompare(cond.fn)) return undefined;
  const { lhs, rhs, fn } = cond;
  if (lhs.kind === 'operand' && rhs.kind === 'const') return { index: lhs.index, fn, c: Math.fround(rhs.value) };
  if (rhs.kind === 'operand' && lhs.kind === 'const') return { index: rhs.index, fn: MIRROR[fn], c: Math.fround(lhs.value) };
  return undefined;
}

/** Sound bounds of `expr` when operand i ranges over operands[i]. */
export function evaluateExprInterval(expr: ScalarExpr, operands: readonly Interval[]): Interval {
  switch (expr.kind) {
    case 'operand': return operands[expr.index] ?? point(NaN);
    case 'const': return point(expr.value);
    case 'unary': return unaryInterval(expr.fn, evaluateExprInterval(expr.arg, operands));
    case 'binary': {
      const lhs = evaluateExprInterval(expr.lhs, operands);
      const rhs = evaluateExprInterval(expr.rhs, operands);
      return isCompare(expr.fn) ? compareInterval(expr.fn, lhs, rhs) : arithInterval(expr.fn, lhs, rhs);
    }
    case 'select': return selectInterval(expr, operands);
  }
}

function selectInterval(expr: Extract<ScalarExpr, { kind: 'select' }>, operands: readonly Interval[]): Interval {
  const cond = evaluateExprInterval(expr.cond, operands);
  const test = operandTest(expr.cond);
  const branch = (side: boolean): Interval => {
    if (test === undefined) return evaluateExprInterval(side ? expr.ifTrue : expr.ifFalse, operands);
    const narrowed = narrow(operands[test.index] ?? point(NaN), test.fn, test.c, side);
    if (isEmpty(narrowed) && !narrowed.nan) return EMPTY;
    const refined = operands.map((x, i) => (i === test.index ? narrowed : x));
    return evaluateExprInterval(side ? expr.ifTrue : expr.ifFalse, refined);
  };
  const canBeTrue = cond.hi >= 1;
  const canBeFalse = cond.lo <= 0;
  if (canBeTrue && !canBeFalse) return branch(true);
  if (canBeFalse && !canBeTrue) return branch(false);
  return union(branch(true), branch(false));
}

/**
 * Bounds of a body with one varying operand (the others fixed intervals), tightened by
 * splitting the varying operand's range into pieces: this tames the dependency problem of
 * bodies that read their operand twice (sigmoid's exp(x) / (1 + exp(x))).
 */
export function evaluateExprIntervalSplit(expr: ScalarExpr, operands: readonly Interval[], index: number, pieces: number): Interval {
  const x = operands[index];
  if (x === undefined || pieces <= 1 || isEmpty(x) || !Number.isFinite(x.lo) || !Number.isFinite(x.hi) || x.lo === x.hi) {
    return evaluateExprInterval(expr, operands);
  }
  let result = EMPTY;
  let lo = x.lo;
  for (let p = 1; p <= pieces; p++) {
    // Piece boundaries are f32 values, so the pieces cover every f32 value of x.
    const hi = p === pieces ? x.hi : Math.max(lo, Math.fround(x.lo + ((x.hi - x.lo) * p) / pieces));
    const piece: Interval = { lo, hi, nan: x.nan };
    result = union(result, evaluateExprInterval(expr, operands.map((v, i) => (i === index ? piece : v))));
    lo = hi;
  }
  return result;
}
