// Converters for the ops of masks and ids: Equal, Less, Greater, Not, And, Or, Where, Expand,
// Range and Trilu (on constants), plus Gather on data and Cast of computed tensors (convert-shape.ts
// keeps the constant cases). On constants every one is evaluated at import (PyTorch builds expand

import { CompileError } from '../../../ir/errors.ts';
import { formatShape, isSymbolic, sizeOf, stridesOf, type DType } from '../../../ir/types.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import { regroupValue } from './convert-layout.ts';
import type { ImportContext } from './context.ts';
import { BATCH_MARKER } from './int-tensor.ts';
import type { NodeView } from './node-view.ts';
import type { KnownTensor } from './tensor.ts';

type Result = 'float' | 'int' | 'bool';

function valuesOf(t: KnownTensor): ArrayLike<number> {
  return t.kind === 'float' ? t.data : t.values;
}

/** NumPy-broadcast evaluation of `f` over constant operands. */
function fold(tensors: readonly KnownTensor[], f: (values: readonly number[]) => number, result: Result): KnownTensor {
  const rank = Math.max(...tensors.map((t) => t.shape.length));
  const padded = tensors.map((t) => [...new Array<number>(rank - t.shape.length).fill(1), ...t.shape]);
  const shape = Array.from({ length: rank }, (_, axis) => {
    let dim = 1;
    for (const s of padded) {
      const d = s[axis] ?? 1;
      if (d !== 1 && dim !== 1 && d !== dim) throw new CompileError(`shapes ${tensors.map((t) => formatShape(t.shape)).join(' and ')} do not broadcast`);
      if (d !== 1) dim = d;
    }
    return dim;
  });
  const count = sizeOf(shape);
  if (result !== 'float' && count > 1 << 16) throw new CompileError(`an integer constant of ${count} values is beyond what fusegraph folds at import`);
  const outStrides = stridesOf(shape);
  const strides = padded.map((s) => {
    const own = stridesOf(s);
    return s.map((d, axis) => (d === 1 ? 0 : (own[axis] ?? 0)));
  });
  const out: number[] = [];
  for (let flat = 0; flat < count; flat++) {
    const args = tensors.map((t, k) => {
      let offset = 0;
      for (let axis = 0; axis < rank; axis++) offset += (Math.floor(flat / (outStrides[axis] ?? 1)) % (shape[axis] ?? 1)) * (strides[k]?.[axis] ?? 0);
      return valuesOf(t)[offset] ?? NaN;
    });
    out.push(f(args));
  }
  if (result === 'float') return { kind: 'float', shape, data: Float32Array.from(out) };
  return result === 'bool' ? { kind: 'int', shape, values: out, bool: true } : { kind: 'int', shape, values: out };
}

/** The operands' constant data when every one is known, else undefined. */
function allKnown(node: NodeView, cx: ImportContext, count: number): KnownTensor[] | undefined {
  const known = Array.from({ length: count }, (_, i) => cx.known(operand(node, i)));
  return known.every((k) => k !== undefined) ? (known as KnownTensor[]) : undefined;
}

function noBatch(values: readonly number[], what: string): void {
  if (values.includes(BATCH_MARKER)) throw new CompileError(`${what} of the symbolic batch size is not supported at import`);
}

function compare(op: 'equal' | 'less' | 'greater', f: (a: number, b: number) => boolean): Converter {
  return (node, cx) => {
    const known = allKnown(node, cx, 2);
    if (known !== undefined) {
      if (op !== 'equal') known.forEach((t) => noBatch(Array.from(valuesOf(t)), `comparing a shape`));
      cx.defineConst(node.output, fold(known, ([a = NaN, b = NaN]) => (f(a, b) ? 1 : 0), 'bool'));
      return;
    }
    cx.defineValue(node.output, cx.builder.op(op, [cx.value(operand(node, 0)), cx.value(operand(node, 1))], {}, node.output));
  };
}

function logic(op: 'not' | 'and' | 'or', arity: 1 | 2, f: (values: readonly number[]) => number): Converter {
  return (node, cx) => {
    const known = allKnown(node, cx, arity);
    if (known !== undefined) {
      cx.defineConst(node.output, fold(known, f, 'bool'));
      return;
    }
    cx.defineValue(node.output, cx.builder.op(op, Array.from({ length: arity }, (_, i) => cx.value(operand(node, i))), {}, node.output));
  };
}

const where: Converter = (node, cx) => {
  const known = allKnown(node, cx, 3);
  if (known !== undefined) {
    const [, a, b] = known;
    const result: Result = a?.kind === 'float' || b?.kind === 'float' ? 'float' : 'int';
    cx.defineConst(node.output, fold(known, ([c = 0, x = NaN, y = NaN]) => (c !== 0 ? x : y), result));
    return;
  }
  const [cond, a, b] = [0, 1, 2].map((i) => cx.value(operand(node, i)));
  if (cond === undefined || a === undefined || b === undefined) throw new CompileError('internal: Where without operands');
  cx.defineValue(node.output, cx.builder.where(cond, a, b, node.output));
};

/** Expand to a constant shape; the batch marker there broadcasts as 1 against the batch. */
const expand: Converter = (node, cx) => {
  const target = cx.knownInts(operand(node, 1), 'Expand\'s shape');
  const known = cx.known(operand(node, 0));
  if (known !== undefined && !target.includes(BATCH_MARKER)) {
    const ones: KnownTensor = { kind: 'int', shape: target, values: new Array<number>(sizeOf(target)).fill(0) };
    const result: Result = known.kind === 'float' ? 'float' : known.bool === true ? 'bool' : 'int';
    cx.defineConst(node.output, fold([known, ones], ([v = NaN]) => v, result));
    return;
  }
  const shape = target.map((d, axis) => (d === BATCH_MARKER && axis === 0 ? 1 : d));
  noBatch(shape, 'expanding to a shape');
  cx.defineValue(node.output, cx.builder.expand(cx.value(operand(node, 0)), shape, node.output));
};

/** Range(start, limit, delta) on constants: ceil((limit - start) / delta) values. */
const range: Converter = (node, cx) => {
  const known = allKnown(node, cx, 3);
  if (known === undefined) throw new CompileError('Range needs constant start, limit and delta (fusegraph shapes are static)');
  const [start = NaN, limit = NaN, delta = NaN] = known.map((t) => valuesOf(t)[0] ?? NaN);
  noBatch([start, limit, delta], 'a Range');
  if (delta === 0 || !Number.isFinite(start + limit + delta)) throw new CompileError(`Range(${start}, ${limit}, ${delta}) is not a finite sequence`);
  const count = Math.max(0, Math.ceil((limit - start) / delta));
  if (count > 1 << 16) throw new CompileError(`Range of ${count} values is beyond what fusegraph folds at import`);
  const values = Array.from({ length: count }, (_, i) => start + i * delta);
  cx.defineConst(node.output, known[0]?.kind === 'float'
    ? { kind: 'float', shape: [count], data: Float32Array.from(values) }
    : { kind: 'int', shape: [count], values });
};

/**
 * Trilu (opset 14) on a constant, evaluated at import: PyTorch 2.x's `_causal_attention_mask`
 * keeps the lower triangle of Expand(1, [L, S]), a constant when L and S are static.
 */
const trilu: Converter = (node, cx) => {
  const x = cx.known(operand(node, 0));
  const kName = optionalOperand(node, 1);
  const k = kName === undefined ? 0 : (cx.knownInts(kName, 'Trilu\'s k')[0] ?? 0);
  if (x === undefined || x.shape.length < 2) throw new CompileError('fusegraph evaluates Trilu only on a constant of rank 2 or more (a causal mask of static lengths)');
  const upper = node.int('upper', 1) !== 0;
  const [rows = 1, cols = 1] = x.shape.slice(-2);
  const keep = (i: number): boolean => {
    const col = i % cols;
    const row = Math.floor(i / cols) % rows;
    return upper ? col - row >= k : col - row <= k;
  };
  cx.defineConst(node.output, x.kind === 'float'
    ? { kind: 'float', shape: x.shape, data: x.data.map((v, i) => (keep(i) ? v : 0)) }
    : { ...x, values: x.values.map((v, i) => (keep(i) ? v : 0)) });
};

/** Gather on a graph value or float data: the `gather` op with i32 ids. */
export const gatherData: Converter = (node, cx) => {
  const data = cx.value(operand(node, 0));
  const index = cx.known(operand(node, 1));
  const axis = node.int('axis', 0);
  if (index?.kind === 'int' && index.shape.length === 0 && data.type.shape.some(isSymbolic)) {
    // One constant index (PyTorch 2.x's proj[0], proj[1], proj[2] of the packed q, k, v over
    // [3, S, N, E]): a slice of that row and a squeeze, which symbols after the axis allow.
    const rank = data.type.shape.length;
    const at = axis < 0 ? axis + rank : axis;
    const i = index.values[0] ?? 0;
    const row = cx.builder.slice(data, { starts: [i], ends: [i === -1 ? Number.MAX_SAFE_INTEGER : i + 1], axes: [at] }, `${node.output}.row`);
    regroupValue(cx, row, row.type.shape.filter((_, k) => k !== at), [at], node.output);
    return;
  }
  const ids = cx.value(operand(node, 1));
  cx.defineValue(node.output, cx.builder.gather(data, ids, node.int('axis', 0), node.output));
};

/** ONNX Cast targets and the dtype each means for a computed tensor. */
const CAST_TARGETS: ReadonlyMap<number, DType> = new Map<number, DType>([[1, 'f32'], [6, 'i32'], [7, 'i32'], [9, 'bool'], [11, 'f32']]);

/** Cast of a computed value: a no-op when the dtype is already right, else `cast`. */
export const castValue: Converter = (node, cx) => {
  const to = node.int('to', 0);
  const dtype = CAST_TARGETS.get(to);
  if (dtype === undefined) throw new CompileError(`fusegraph casts to FLOAT, DOUBLE (as f32), INT32, INT64 (as i32) and BOOL, not to type ${to}`);
  const name = operand(node, 0);
  const x = cx.value(name);
  if (x.type.dtype === dtype) return cx.alias(node.output, name);
  cx.defineValue(node.output, cx.builder.cast(x, dtype, node.output));
};

export const MASK_CONVERTERS: Readonly<Record<string, Converter>> = {
  Equal: compare('equal', (a, b) => a === b),
  Less: compare('less', (a, b) => a < b),
  Greater: compare('greater', (a, b) => a > b),
  Not: logic('not', 1, ([a = 0]) => (a === 0 ? 1 : 0)),
  And: logic('and', 2, ([a = 0, b = 0]) => (a !== 0 && b !== 0 ? 1 : 0)),
  Or: logic('or', 2, ([a = 0, b = 0]) => (a !== 0 || b !== 0 ? 1 : 0)),
  Where: where,
  Expand: expand,
  Range: range,
  Trilu: trilu,
};
