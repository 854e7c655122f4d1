// Directed rounding helpers for sound interval bounds: the neighbours of an f64 or f32
// value, rounding an f64 down or up onto the f32 grid, and the classic error factor γ(n)
// of a sum of n products (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1).

const f64 = new Float64Array(1);
const f64Bits = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);

/** The next f64 above x (x itself for +Inf and NaN). */
export function nextUp64(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  f64Bits[0] = (f64Bits[0] ?? 0n) + (x > 0 ? 1n : -1n);
  return f64[0];
}

/** The next f64 below x. */
export function nextDown64(x: number): number {
  return -nextUp64(-x);
}

/** The next f32 above the f32 value x. */
export function nextUpF32(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return 2 ** -149;
  f32[0] = x;
  f32Bits[0] = (f32Bits[0] ?? 0) + (x > 0 ? 1 : -1);
  return f32[0];
}

export function nextDownF32(x: number): number {
  return -nextUpF32(-x);
}

/** The largest f32 value <= x. */
export function roundDownF32(x: number): number {
  const r = Math.fround(x);
  return r > x ? nextDownF32(r) : r;
}

/** The smallest f32 value >= x. */
export function roundUpF32(x: number): number {
  const r = Math.fround(x);
  return r < x ? nextUpF32(r) : r;
}

/** Unit roundoff of f32 (round to nearest). */
export const U32 = 2 ** -24;

/**
 * γ(n) = n·u / (1 - n·u) for f32's u: |computed - exact| <= γ(n)·Σ|terms| for a sum of n
 * rounded products in f32 or wider, in any order and with or without fused multiply-add.
 */
export function gamma32(n: number): number {
  const nu = n * U32;
  return nu < 1 ? nu / (1 - nu) : Infinity;
}
