// Comparisons and logic (Equal, Greater, Less, …, Not, And, Or, Xor) as control flow needs
// them: on constants (shape values, pinned inputs) they are evaluated at import, so that an
// `If` on `sr == 16000` is specialized. On computed tensors fusegraph has no bool dtype in
// this front end yet, so the result is an f32 tensor of 0 and 1, which `If` reads as its
// condition (a select on `cond != 0`); a typed bool path replaces this stand-in.

import { CompileError } from '../../../ir/errors.ts';
import { E, type ScalarExpr } from '../../../ir/scalar.ts';
import { formatShape } from '../../../ir/types.ts';
import type { ImportContext } from './context.ts';
import { operand, type Converter } from './convert-math.ts';
import type { NodeView } from './node-view.ts';
import type { KnownTensor } from './tensor.ts';

type Compare = (a: number, b: number) => boolean;

function valuesOf(tensor: KnownTensor): readonly number[] {
  return tensor.kind === 'int' ? tensor.values : Array.from(tensor.data);
}

/** Elementwise on constants, NumPy-broadcast (a few values: shapes, pinned inputs). */
function foldKnown(a: KnownTensor, b: KnownTensor, fn: Compare): KnownTensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (shape: readonly number[]): number[] => [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const [sa, sb] = [pad(a.shape), pad(b.shape)];
  const shape = sa.map((d, i) => {
    const e = sb[i] ?? 1;
    if (d !== e && d !== 1 && e !== 1) throw new CompileError(`cannot broadcast constants ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    return d === 1 ? e : d;
  });
  const index = (dims: readonly number[], coord: readonly number[]): number =>
    dims.reduce((flat, d, i) => flat * d + (d === 1 ? 0 : coord[i] ?? 0), 0);
  const [x, y] = [valuesOf(a), valuesOf(b)];
  const count = shape.reduce((n, d) => n * d, 1);
  const values: number[] = [];
  for (let flat = 0; flat < count; flat++) {
    const coord = new Array<number>(rank).fill(0);
    for (let axis = rank - 1, rest = flat; axis >= 0; axis--) {
      coord[axis] = rest % (shape[axis] ?? 1);
      rest = Math.floor(rest / (shape[axis] ?? 1));
    }
    values.push(fn(x[index(sa, coord)] ?? NaN, y[index(sb, coord)] ?? NaN) ? 1 : 0);
  }
  return { kind: 'int', shape, values };
}

function binary(fn: Compare, body: (a: ScalarExpr, b: ScalarExpr) => ScalarExpr): Converter {
  return (node: NodeView, cx: ImportContext) => {
    const [aName, bName] = [operand(node, 0), operand(node, 1)];
    const [a, b] = [cx.known(aName), cx.known(bName)];
    if (a !== undefined && b !== undefined) {
      cx.defineConst(node.output, foldKnown(a, b, fn));
      return;
    }
    const expr = E.select(body(E.operand(0), E.operand(1)), 1, 0);
    cx.defineValue(node.output, cx.builder.op('fused_elementwise', [cx.value(aName), cx.value(bName)], { body: expr }, node.output));
  };
}

const truthy = (v: ScalarExpr): ScalarExpr => E.select(E.eq(v, 0), 0, 1);

const not: Converter = (node, cx) => {
  const name = operand(node, 0);
  const known = cx.known(name);
  if (known !== undefined) {
    cx.defineConst(node.output, { kind: 'int', shape: known.shape, values: valuesOf(known).map((v) => (v === 0 ? 1 : 0)) });
    return;
  }
  cx.defineValue(node.output, cx.builder.op('fused_elementwise', [cx.value(name)], { body: E.select(E.eq(E.operand(0), 0), 1, 0) }, node.output));
};

export const COMPARE_CONVERTERS: Readonly<Record<string, Converter>> = {
  Equal: binary((a, b) => a === b, E.eq),
  Greater: binary((a, b) => a > b, E.gt),
  Less: binary((a, b) => a < b, E.lt),
  GreaterOrEqual: binary((a, b) => a >= b, E.ge),
  LessOrEqual: binary((a, b) => a <= b, E.le),
  Not: not,
  And: binary((a, b) => a !== 0 && b !== 0, (a, b) => E.gt(E.mul(truthy(a), truthy(b)), 0)),
  Or: binary((a, b) => a !== 0 || b !== 0, (a, b) => E.gt(E.max(truthy(a), truthy(b)), 0)),
  Xor: binary((a, b) => (a !== 0) !== (b !== 0), (a, b) => E.eq(E.add(truthy(a), truthy(b)), 1)),
};
