// Tensor types of the IR: an element type and a shape any of whose axes may be a named symbol
// (`[N, S, 128]`), bound to a size when the graph runs.

import { CompileError } from './errors.ts';
import { isSymbolName } from './names.ts';

/**
 * Element types. `f32` is for compute; `i32` holds ids, positions and shape values (ONNX
 * int64/int32); `bool` holds masks (ONNX bool/uint8). Representation (the interpreter and
 * every backend): all three are stored in f32 lanes. An i32 is an integer that f32
 * represents exactly (graph inputs are checked to lie within ±I32_EXACT_LIMIT), a bool is 0
 * or 1. So every kernel moves and compares them exactly with f32 instructions, and the
 * dtype is a static tag that the shape rules check (a float op on an i32 is an error).
 */
export type DType = 'f32' | 'i32' | 'bool';
export const DTYPES: readonly DType[] = ['f32', 'i32', 'bool'];

/** Integers up to this magnitude are exact in f32 (2^24): the range an i32 input may take. */
export const I32_EXACT_LIMIT = 2 ** 24;

export function isDType(text: string): text is DType {
  return (DTYPES as readonly string[]).includes(text);
}

/**
 * A static size, or the name of a symbolic dimension (any axis; several per graph), or inside
 * a graph a monomial `4*N`, `N*S`, `2*N*S` in them (a batch folded into another axis; never an
 * input's dim).
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** A concrete shape, every dim known (what the interpreter and generated code see). */
export type StaticShape = readonly number[];

/**
 * Largest tensor fusegraph will allocate, in elements: 2^28 f32 values (1 GiB). For a tensor
 * with symbolic dims this bounds the product of the static ones; larger models are refused.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

export function tensorType(shape: Shape, dtype: DType = 'f32'): TensorType {
  return { dtype, shape: [...shape] };
}

export function isSymbolic(dim: Dim): dim is string {
  return typeof dim === 'string';
}

/**
 * A compound symbolic dim: a monomial `c*X*Y` (c ≥ 2 without leading zeros, or absent when
 * there are two symbols or more; the symbols sorted, repeats allowed), what folding a batch
 * into another axis makes (`4*N`, `N*S`). Not a lone symbol.
 */
export function isMultipleDim(dim: string): boolean {
  const parts = dim.split('*');
  const hasCoeff = /^[1-9][0-9]*$/.test(parts[0] ?? '');
  if (hasCoeff && parts[0] === '1') return false;
  const symbols = hasCoeff ? parts.slice(1) : parts;
  if (symbols.length === 0 || (!hasCoeff && symbols.length < 2)) return false;
  return symbols.every((s, i) => isSymbolName(s) && (i === 0 || (symbols[i - 1] ?? '') <= s));
}

/** The dim `coeff` times the product of `symbols`: a number without symbols, else `N`, `4*N`, `2*N*S` (symbols sorted). */
export function monomialDim(coeff: number, symbols: readonly string[]): Dim {
  if (symbols.length === 0) return coeff;
  const product = [...symbols].sort().join('*');
  return coeff === 1 ? product : `${coeff}*${product}`;
}

/** `multipleDim('N', 4)` is `4*N`; the symbol itself for 1. */
export function multipleDim(symbol: string, factor: number): string {
  return factor === 1 ? symbol : `${factor}*${symbol}`;
}

/** The coefficient and symbols of a symbolic dim: `N` is 1·[N], `2*N*S` is 2·[N, S]. */
export function dimMonomial(dim: string): { coeff: number; symbols: string[] } {
  const parts = dim.split('*');
  const head = parts[0] ?? '';
  return /^[0-9]+$/.test(head) ? { coeff: Number(head), symbols: parts.slice(1) } : { coeff: 1, symbols: parts };
}

/** The first symbol of the first symbolic dim of a shape (N for `4*N*S`), if any (whether the shape is symbolic at all). */
export function symbolOf(shape: Shape): string | undefined {
  const dim = shape.find(isSymbolic);
  return dim === undefined ? undefined : dimMonomial(dim).symbols[0];
}

/** The distinct symbols of a shape, in axis order (`4*N*S` counts as N and S). */
export function symbolsOf(shape: Shape): string[] {
  return [...new Set(shape.filter(isSymbolic).flatMap((d) => dimMonomial(d).symbols))];
}

/** Product of the static dims and of the coefficients of compound dims `4*N` (with one leading symbol: the size of one sample). */
export function staticSize(shape: Shape): number {
  let size = 1;
  for (const dim of shape) size *= isSymbolic(dim) ? dimMonomial(dim).coeff : dim;
  return size;
}

/**
 * Binds the symbolic dims: each to its value in `dims`, or every one to the same number
 * (the single-batch case). An unbound symbol is an error.
 */
export function bindShape(shape: Shape, dims: number | ReadonlyMap<string, number>): number[] {
  return shape.map((dim) => {
    if (!isSymbolic(dim)) return dim;
    const { coeff, symbols } = dimMonomial(dim);
    let size = coeff;
    for (const symbol of symbols) {
      const value = typeof dims === 'number' ? dims : dims.get(symbol);
      if (value === undefined) throw new CompileError(`symbolic dim ${symbol} is not bound by any input`);
      size *= value;
    }
    return size;
  });
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

export function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function formatType(type: TensorType): string {
  return `${type.dtype}${formatShape(type.shape)}`;
}

/** Row-major strides of a static shape. */
export function stridesOf(shape: StaticShape): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let axis = shape.length - 2; axis >= 0; axis--) {
    strides[axis] = (strides[axis + 1] ?? 1) * (shape[axis + 1] ?? 1);
  }
  return strides;
}

export function sizeOf(shape: StaticShape): number {
  return shape.reduce((total, dim) => total * dim, 1);
}

/**
 * Checks that every dim is a positive integer or a symbol and that the static part
 * fits under MAX_TENSOR_ELEMENTS; returns a message describing the first problem, if any.
 */
export function shapeProblem(shape: Shape): string | undefined {
  let size = 1;
  for (const [axis, dim] of shape.entries()) {
    if (isSymbolic(dim)) {
      if (!isSymbolName(dim) && !isMultipleDim(dim)) return `symbolic dim ${JSON.stringify(dim)} is not an identifier`;
      continue;
    }
    if (!Number.isInteger(dim) || dim < 1) return `dim ${axis} must be a positive integer, got ${dim}`;
    if (dim > MAX_TENSOR_ELEMENTS) return `dim ${axis} is ${dim}, above the limit of ${MAX_TENSOR_ELEMENTS} elements`;
    size *= dim;
    if (size > MAX_TENSOR_ELEMENTS) {
      return `tensor ${formatShape(shape)} has more than ${MAX_TENSOR_ELEMENTS} elements (limit of one tensor)`;
    }
  }
  return undefined;
}

export function checkShape(shape: Shape, where: { node?: string; op?: string } = {}): void {
  const problem = shapeProblem(shape);
  if (problem !== undefined) throw new CompileError(problem, where);
}
