// Random scalar bodies for `fused_elementwise` (and any op whose attribute is an expr),
// built deterministically from a list of small integers so fast-check shrinks a body by
// shortening the list. Every function of the scalar language appears, in forms that stay
// defined on finite inputs (log and sqrt of |e| + 1, division by |e| + 1, exp of min(e, 8)),
// so a property is not drowned in NaN.

import { ARITH_FNS, COMPARE_FNS, E, UNARY_FNS, type ScalarExpr } from '../../ir/scalar.ts';

/** Constants a body may hold, edge values included. */
const CONSTANTS: readonly number[] = [0, 1, -1, 0.5, 2, -0, 1e-3, 3.25, -7];
const MAX_DEPTH = 4;

function safeUnary(fn: (typeof UNARY_FNS)[number], arg: ScalarExpr): ScalarExpr {
  switch (fn) {
    case 'log': return E.log(E.add(E.abs(arg), 1));
    case 'sqrt': return E.sqrt(E.abs(arg));
    case 'exp': return E.exp(E.min(arg, 8));
    case 'neg': case 'abs': case 'tanh': case 'erf': case 'trunc':
      return { kind: 'unary', fn, arg };
  }
}

function safeBinary(fn: (typeof ARITH_FNS)[number], lhs: ScalarExpr, rhs: ScalarExpr): ScalarExpr {
  return fn === 'div' ? E.div(lhs, E.add(E.abs(rhs), 1)) : { kind: 'binary', fn, lhs, rhs };
}

/** A well-typed body over operands $0..$(operands-1) from `codes`. */
export function buildBody(codes: readonly number[], operands: number): ScalarExpr {
  let next = 0;
  const take = (): number => codes[next++] ?? 0;
  const leaf = (): ScalarExpr => {
    const code = take();
    const slots = operands + 2;
    return code % slots < operands ? E.operand(code % slots) : E.const(CONSTANTS[code % CONSTANTS.length] ?? 0);
  };
  const build = (depth: number): ScalarExpr => {
    const code = take();
    if (depth >= MAX_DEPTH || code % 8 < 2) return leaf();
    const fn = take();
    switch (code % 8) {
      case 2: case 3:
        return safeUnary(UNARY_FNS[fn % UNARY_FNS.length] ?? 'neg', build(depth + 1));
      case 4: case 5: case 6:
        return safeBinary(ARITH_FNS[fn % ARITH_FNS.length] ?? 'add', build(depth + 1), build(depth + 1));
      default: {
        const compare = COMPARE_FNS[fn % COMPARE_FNS.length] ?? 'lt';
        const cond: ScalarExpr = { kind: 'binary', fn: compare, lhs: build(depth + 1), rhs: build(depth + 1) };
        return E.select(cond, build(depth + 1), build(depth + 1));
      }
    }
  };
  // Every operand is read at least once, so each one's broadcast matters.
  let body = build(0);
  for (let k = 0; k < operands; k++) {
    if (!readsOperand(body, k)) body = E.add(body, E.operand(k));
  }
  return body;
}

function readsOperand(expr: ScalarExpr, index: number): boolean {
  switch (expr.kind) {
    case 'operand': return expr.index === index;
    case 'const': return false;
    case 'unary': return readsOperand(expr.arg, index);
    case 'binary': return readsOperand(expr.lhs, index) || readsOperand(expr.rhs, index);
    case 'select': return readsOperand(expr.cond, index) || readsOperand(expr.ifTrue, index) || readsOperand(expr.ifFalse, index);
  }
}

/** Operands that appear under a division's right-hand side (kept away from 0 by the generator). */
export function divisorOperands(expr: ScalarExpr, under = false, found = new Set<number>()): Set<number> {
  switch (expr.kind) {
    case 'operand': if (under) found.add(expr.index); break;
    case 'const': break;
    case 'unary': divisorOperands(expr.arg, under, found); break;
    case 'binary':
      divisorOperands(expr.lhs, under, found);
      divisorOperands(expr.rhs, under || expr.fn === 'div', found);
      break;
    case 'select':
      divisorOperands(expr.cond, under, found);
      divisorOperands(expr.ifTrue, under, found);
      divisorOperands(expr.ifFalse, under, found);
      break;
  }
  return found;
}
