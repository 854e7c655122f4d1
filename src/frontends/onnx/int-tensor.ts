// Integer tensors evaluated at import: the shape arithmetic exporters wrap around reshapes,
// slices and pads (Add/Sub/Mul/Div with broadcasting, Concat, Slice, Transpose, Reshape,
// Gather). Values are a few dozen integers, so plain row-major loops are fine. A symbolic
// dim travels as its marker (symbolMarker: one very negative number per symbol name, or
// per monomial dim `4*N`, `N*S`); arithmetic other than multiplying such dims by each other
// or by positive integers (N·H when a batch is folded into the heads, S·N for [S·N, E]) or
// dividing a product exactly is refused.

import { CompileError } from '../../../ir/errors.ts';
import { dimSize, divideSize, mulSizes, sizeAsDim, type SymSize } from '../../../ir/sym-size.ts';
import { formatShape } from '../../../ir/types.ts';

/** The first marker: no real dim or index is this negative. */
const MARKER_BASE = -(2 ** 52);
const MARKER_LIMIT = 2 ** 20;
/** Symbol names by marker index (process-wide, so a marker means one name everywhere). */
const markerNames: string[] = [];

/** Stands for the symbolic dim `symbol` inside an integer constant. */
export function symbolMarker(symbol: string): number {
  let index = markerNames.indexOf(symbol);
  if (index < 0) {
    if (markerNames.length >= MARKER_LIMIT) throw new CompileError('too many symbolic dims');
    markerNames.push(symbol);
    index = markerNames.length - 1;
  }
  return MARKER_BASE - index;
}

export function isMarker(value: number): boolean {
  return value <= MARKER_BASE && value > MARKER_BASE - MARKER_LIMIT;
}

/** The symbol a marker stands for. */
export function markerSymbol(value: number): string {
  const name = isMarker(value) ? markerNames[MARKER_BASE - value] : undefined;
  if (name === undefined) throw new CompileError(`internal: ${value} is not a symbol marker`);
  return name;
}

/** The marker of the batch symbol N (kept for converters of the single-batch era). */
export const BATCH_MARKER = symbolMarker('N');

export interface IntTensor {
  readonly kind: 'int';
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let axis = shape.length - 2; axis >= 0; axis--) strides[axis] = (strides[axis + 1] ?? 1) * (shape[axis + 1] ?? 1);
  return strides;
}

/** Row-major coordinates of every element of `shape`. */
function coordinates(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const total = sizeOf(shape);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    const coord = new Array<number>(shape.length).fill(0);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const dim = shape[axis] ?? 1;
      coord[axis] = rest % dim;
      rest = Math.floor(rest / dim);
    }
    out.push(coord);
  }
  return out;
}

export function resolveIntAxis(axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank) throw new CompileError(`axis ${axis} is out of range for rank ${rank}`);
  return resolved;
}

export type IntBinaryOp = 'add' | 'sub' | 'mul' | 'div';

/** Only the identities N·1, 1·N, N/1, N+0, 0+N and N−0 leave the batch as it was. */
function keepsBatch(op: IntBinaryOp, a: number, b: number): boolean {
  switch (op) {
    case 'mul': return a === 1 || b === 1;
    case 'div': return isMarker(a) && b === 1;
    case 'add': return a === 0 || b === 0;
    case 'sub': return isMarker(a) && b === 0;
  }
}

/** A marker or a positive integer as a size (undefined for other numbers). */
function markerSize(value: number): SymSize | undefined {
  if (isMarker(value)) return dimSize(markerSymbol(value));
  return Number.isSafeInteger(value) && value >= 1 ? dimSize(value) : undefined;
}

/**
 * Products and exact quotients of monomial dims: c·X, X·Y (N·S when a batch and a length are
 * folded into one axis), and (c·X·Y)/d or /X when the divisor divides it. The marker of the
 * resulting dim (or the number, when the symbols cancel); undefined for anything else.
 */
function scaledMarker(op: IntBinaryOp, a: number, b: number): number | undefined {
  const [sa, sb] = [markerSize(a), markerSize(b)];
  if (sa === undefined || sb === undefined || (op !== 'mul' && op !== 'div')) return undefined;
  const result = op === 'mul' ? mulSizes(sa, sb) : divideSize(sa, sb);
  const dim = result === undefined ? undefined : sizeAsDim(result);
  if (dim === undefined) return undefined;
  return typeof dim === 'number' ? dim : symbolMarker(dim);
}

function combine(op: IntBinaryOp, a: number, b: number): number {
  if (isMarker(a) || isMarker(b)) {
    if (keepsBatch(op, a, b)) return isMarker(a) ? a : b;
    const scaled = scaledMarker(op, a, b);
    if (scaled !== undefined) return scaled;
    const symbol = markerSymbol(isMarker(a) ? a : b);
    throw new CompileError(`shape arithmetic on the symbolic dim ${symbol} is not supported (only products c·N·S of symbols, N+0, N-0 and exact quotients such as 2·N·S/S)`);
  }
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div':
      if (b === 0) throw new CompileError('integer division by zero in shape arithmetic');
      return Math.trunc(a / b);
  }
}

/** NumPy-broadcast elementwise arithmetic; Div truncates toward zero as onnxruntime does. */
export function intBinary(op: IntBinaryOp, a: IntTensor, b: IntTensor): IntTensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (shape: readonly number[]): number[] => [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const [sa, sb] = [pad(a.shape), pad(b.shape)];
  const shape = sa.map((d, i) => {
    const e = sb[i] ?? 1;
    if (d !== e && d !== 1 && e !== 1) throw new CompileError(`shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
    return d === 1 ? e : d;
  });
  const [stA, stB] = [stridesOf(sa), stridesOf(sb)];
  const at = (coord: readonly number[], s: readonly number[], st: readonly number[]): number =>
    coord.reduce((sum, c, i) => sum + ((s[i] ?? 1) === 1 ? 0 : c * (st[i] ?? 0)), 0);
  const values = coordinates(shape).map((coord) => combine(op, a.values[at(coord, sa, stA)] ?? 0, b.values[at(coord, sb, stB)] ?? 0));
  return { kind: 'int', shape, values };
}

export function intConcat(parts: readonly IntTensor[], axis: number): IntTensor {
  const [first] = parts;
  if (first === undefined) throw new CompileError('expects at least one operand');
  const ax = resolveIntAxis(axis, first.shape.length);
  for (const part of parts) {
    if (part.shape.length !== first.shape.length || part.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new CompileError(`cannot concatenate ${formatShape(part.shape)} with ${formatShape(first.shape)} along axis ${ax}`);
    }
  }
  const outer = sizeOf(first.shape.slice(0, ax));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const part of parts) {
      const block = sizeOf(part.shape.slice(ax));
      values.push(...part.values.slice(o * block, (o + 1) * block));
    }
  }
  const total = parts.reduce((n, p) => n + (p.shape[ax] ?? 0), 0);
  return { kind: 'int', shape: first.shape.map((d, i) => (i === ax ? total : d)), values };
}

export function intTranspose(t: IntTensor, perm: readonly number[] | undefined): IntTensor {
  const rank = t.shape.length;
  const p = perm ?? t.shape.map((_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((x, y) => x - y).some((v, i) => v !== i)) throw new CompileError(`perm ${formatShape(p)} is not a permutation of ${rank} axes`);
  const shape = p.map((axis) => t.shape[axis] ?? 1);
  const strides = stridesOf(t.shape);
  const values = coordinates(shape).map((coord) => t.values[coord.reduce((sum, c, i) => sum + c * (strides[p[i] ?? 0] ?? 0), 0)] ?? 0);
  return { kind: 'int', shape, values };
}

/** Reshape with ONNX's 0 (copy) and -1 (infer) target dims. */
export function intReshape(t: IntTensor, target: readonly number[], allowZero: boolean): IntTensor {
  const shape = target.map((d, i) => (d === 0 && !allowZero ? (t.shape[i] ?? 0) : d));
  const free = shape.indexOf(-1);
  if (free >= 0) {
    const known = shape.filter((d) => d !== -1).reduce((n, d) => n * d, 1);
    shape[free] = known === 0 ? 0 : t.values.length / known;
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(shape) !== t.values.length) {
    throw new CompileError(`cannot reshape ${formatShape(t.shape)} to ${formatShape(target)}`);
  }
  return { kind: 'int', shape, values: t.values };
}

/** One axis of ONNX Slice resolved against `dim`: the indices it keeps, in order. */
export function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  if (step === 0) throw new CompileError('slice steps must not be 0');
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  const resolve = (v: number): number => (v < 0 ? v + dim : v);
  const from = step > 0 ? clamp(resolve(start), 0, dim) : clamp(resolve(start), 0, dim - 1);
  const to = step > 0 ? clamp(resolve(end), 0, dim) : clamp(resolve(end), -1, dim - 1);
  const kept: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) kept.push(i);
  return kept;
}

export function intSlice(t: IntTensor, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps: readonly number[]): IntTensor {
  const keep = t.shape.map((d) => Array.from({ length: d }, (_, i) => i));
  starts.forEach((start, i) => {
    const axis = resolveIntAxis(axes[i] ?? i, t.shape.length);
    keep[axis] = sliceIndices(t.shape[axis] ?? 0, start, ends[i] ?? 0, steps[i] ?? 1);
  });
  const shape = keep.map((k) => k.length);
  const strides = stridesOf(t.shape);
  const values = coordinates(shape).map((coord) => t.values[coord.reduce((sum, c, i) => sum + (keep[i]?.[c] ?? 0) * (strides[i] ?? 0), 0)] ?? 0);
  return { kind: 'int', shape, values };
}

/** Gather along `axis` with integer indices (negative counting from the end). */
export function intGather(data: IntTensor, indices: IntTensor, axis: number): IntTensor {
  const ax = resolveIntAxis(axis, data.shape.length);
  const dim = data.shape[ax] ?? 0;
  const picked = indices.values.map((i) => {
    const at = i < 0 ? i + dim : i;
    if (at < 0 || at >= dim) throw new CompileError(`index ${i} is out of range for a dim of ${dim}`);
    return at;
  });
  const outer = sizeOf(data.shape.slice(0, ax));
  const inner = sizeOf(data.shape.slice(ax + 1));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const at of picked) values.push(...data.values.slice((o * dim + at) * inner, (o * dim + at + 1) * inner));
  }
  return { kind: 'int', shape: [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)], values };
}
