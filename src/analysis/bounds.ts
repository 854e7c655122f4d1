// A tensor of intervals: sound bounds for one value of the graph over every input in a box.
// Values are bounded at one binding of their symbols: each symbol at its value in `dims`, or
// 1 (per-sample ops give the same bounds at every size); `shape` is the bound shape, and the
// arrays are row-major.

import { bindShape, dimMonomial, isSymbolic, symbolsOf, type TensorType } from '../../ir/types.ts';
import { sizeOf, type StaticShape } from '../../ir/types.ts';
import type { Interval } from './interval.ts';

export interface Bounds {
  readonly shape: StaticShape;
  /** Lower endpoints (f32 values; -Infinity when unbounded). */
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  /** 1 where the element may be NaN. */
  readonly nan: Uint8Array;
}

/** Symbol values as the interpreter takes them (`dims`): symbols left out are bounded at 1. */
export type BoundDims = Readonly<Record<string, number>>;

/** Every symbol of a shape bound: to its value in `dims`, else 1. */
function symbolBinding(type: TensorType, dims: BoundDims): Map<string, number> {
  return new Map(symbolsOf(type.shape).map((s) => [s, Object.hasOwn(dims, s) ? (dims[s] ?? 1) : 1]));
}

/** A value's shape with every symbol bound (the shape its bounds have). */
export function boundsShape(type: TensorType, dims: BoundDims = {}): number[] {
  return bindShape(type.shape, symbolBinding(type, dims));
}

/**
 * The axes whose length depends on a symbol that `dims` leaves out: bounds there are taken at
 * 1, so a rule that mixes values along such an axis must hold for every length.
 */
export function freeAxes(type: TensorType, dims: BoundDims = {}): number[] {
  const axes: number[] = [];
  type.shape.forEach((dim, axis) => {
    if (isSymbolic(dim) && dimMonomial(dim).symbols.some((s) => !Object.hasOwn(dims, s))) axes.push(axis);
  });
  return axes;
}

export function emptyBounds(shape: StaticShape): Bounds {
  const size = sizeOf(shape);
  return { shape, lo: new Float32Array(size), hi: new Float32Array(size), nan: new Uint8Array(size) };
}

export function intervalAt(bounds: Bounds, index: number): Interval {
  return { lo: bounds.lo[index] ?? -Infinity, hi: bounds.hi[index] ?? Infinity, nan: (bounds.nan[index] ?? 1) !== 0 };
}

export function setInterval(bounds: Bounds, index: number, value: Interval): void {
  bounds.lo[index] = value.lo;
  bounds.hi[index] = value.hi;
  bounds.nan[index] = value.nan ? 1 : 0;
}

/** Exact bounds of a constant: every element is its own interval. */
export function pointBounds(shape: StaticShape, data: Float32Array): Bounds {
  const nan = Uint8Array.from(data, (v) => (Number.isNaN(v) ? 1 : 0));
  const lo = Float32Array.from(data, (v) => (Number.isNaN(v) ? Infinity : v));
  const hi = Float32Array.from(data, (v) => (Number.isNaN(v) ? -Infinity : v));
  return { shape, lo, hi, nan };
}
