// Ops over i32 and bool tensors: comparisons, boolean logic, `where`, `cast` and `expand`.
// They are elementwise bodies like any other (bool is 0/1 and i32 an exact integer in f32
// lanes, see ir/types.ts), so fusion and every backend handle them without new kernels;
// what is new is their element-type rule.

import { CompileError } from '../errors.ts';
import { E, type ScalarExpr } from '../scalar.ts';
import { formatShape, type DType, type Dim, type Shape } from '../types.ts';
import { intsAttr, stringAttr } from './attrs.ts';
import { broadcastShapes } from './broadcast.ts';
import { ANY_DTYPE } from './dtype-rules.ts';
import { elementwiseOp } from './elementwise.ts';
import type { DTypeRule, OpDef } from './types.ts';

const a = E.operand(0);
const b = E.operand(1);
const BINARY = { min: 2, max: 2 };
const UNARY = { min: 1, max: 1 };

/** 1 where `cond` holds, else 0: how a bool is computed. */
const bool = (cond: ScalarExpr): ScalarExpr => E.select(cond, 1, 0);

const COMPARE: DTypeRule = { operands: [['f32', 'i32', 'bool']], same: [0, 1], result: () => 'bool' };
const ORDER: DTypeRule = { operands: [['f32', 'i32']], same: [0, 1], result: () => 'bool' };
const LOGIC: DTypeRule = { operands: [['bool']], result: () => 'bool' };

function compareOp(name: string, doc: string, body: ScalarExpr, dtypes: DTypeRule): OpDef {
  return elementwiseOp({ name, doc, arity: BINARY, activation: false, dtypes, body: () => body });
}

/** cast's body: to f32 nothing changes, to i32 it rounds toward zero, to bool it tests != 0. */
function castBody(to: string): ScalarExpr {
  // trunc(-0.5) is -0; an i32 has no -0, so it becomes 0 (a select, which no backend's
  // compiler folds away the way WGSL compilers fold `t + 0`).
  if (to === 'i32') return E.select(E.eq(E.trunc(a), 0), 0, E.trunc(a));
  if (to === 'bool') return E.select(E.eq(a, 0), 0, 1);
  return a;
}

/** expand's result: NumPy broadcast of the operand against the target (ONNX Expand). */
function expandShape(operand: Shape, target: readonly number[]): Dim[] {
  if (target.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new CompileError(`target shape ${formatShape(target)} must hold positive integers`);
  }
  return broadcastShapes([operand, target]);
}

export const maskOps = {
  equal: compareOp('equal', 'a == b → bool (f32, i32 or bool operands, broadcast); NaN equals nothing', bool(E.eq(a, b)), COMPARE),
  less: compareOp('less', 'a < b → bool (f32 or i32 operands, broadcast)', bool(E.lt(a, b)), ORDER),
  greater: compareOp('greater', 'a > b → bool (f32 or i32 operands, broadcast)', bool(E.gt(a, b)), ORDER),
  not: elementwiseOp({
    name: 'not', doc: 'logical not of a bool', arity: UNARY, activation: false, dtypes: LOGIC,
    body: () => E.sub(1, a),
  }),
  and: elementwiseOp({
    name: 'and', doc: 'logical and of bools (broadcast): a * b on 0/1', arity: BINARY, activation: false, dtypes: LOGIC,
    body: () => E.mul(a, b),
  }),
  or: elementwiseOp({
    name: 'or', doc: 'logical or of bools (broadcast): max(a, b) on 0/1', arity: BINARY, activation: false, dtypes: LOGIC,
    body: () => E.max(a, b),
  }),
  where: elementwiseOp({
    name: 'where', doc: 'cond ? a : b elementwise (bool cond; a and b f32 or i32 alike; all broadcast)',
    arity: { min: 3, max: 3 }, activation: false,
    dtypes: { operands: [['bool'], ['f32', 'i32'], ['f32', 'i32']], same: [1, 2], result: (types) => types[1] ?? 'f32' },
    body: () => E.select(E.eq(a, 0), E.operand(2), b),
  }),
  cast: elementwiseOp({
    name: 'cast',
    doc: 'element-type conversion: to i32 rounds toward zero (ONNX; NaN and values beyond i32 are undefined), to bool tests != 0',
    arity: UNARY, activation: false,
    attrs: { to: { type: 'enum', values: ['f32', 'i32', 'bool'] } },
    dtypes: { operands: [ANY_DTYPE], result: (_types, attrs) => stringAttr(attrs, 'to') as DType },
    body: (attrs) => castBody(stringAttr(attrs, 'to')),
  }),
  expand: elementwiseOp({
    name: 'expand', doc: 'broadcast to a static target shape (NumPy rules both ways, as ONNX Expand)',
    arity: UNARY, activation: false,
    attrs: { shape: { type: 'ints' } },
    dtypes: { operands: [ANY_DTYPE], result: (types) => types[0] ?? 'f32' },
    body: () => a,
    outShape: (operands, attrs) => expandShape(operands[0] ?? [], intsAttr(attrs, 'shape')),
  }),
} satisfies Record<string, OpDef>;
