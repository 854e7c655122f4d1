// A tensor of intervals: sound bounds for one value of the graph over every input in a box.
// Bounds are the same for every sample, so a batched value is bounded at batch 1: `shape` is
// the value's shape with its symbolic batch bound to 1, and the arrays are row-major.

import { concreteShape } from '../../ir/interpret.ts';
import type { TensorType } from '../../ir/types.ts';
import { sizeOf, symbolOf, type StaticShape } from '../../ir/types.ts';
import type { Interval } from './interval.ts';

export interface Bounds {
  readonly shape: StaticShape;
  /** Lower endpoints (f32 values; -Infinity when unbounded). */
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  /** 1 where the element may be NaN. */
  readonly nan: Uint8Array;
}

/** A value's shape at batch 1 (the shape its bounds have). */
export function boundsShape(type: TensorType): number[] {
  const symbol = symbolOf(type.shape);
  return concreteShape(type.shape, new Map(symbol === undefined ? [] : [[symbol, 1]]));
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
