// Sound bounds of one dot product Σ_t a_t·b_t (+ bias) over interval operands, for linear,
// matmul and each output of a conv (its taps gathered). The interval sum is taken in f64, then widened by γ(k+3)·(Σ max|a_t|·max|b_t| +
// max|bias|) with γ for f32 (src/analysis/f32-round.ts): that covers the f64 error of the
// bound's own sum, the interpreter's f64 accumulation rounded to f32 and its f32 bias add,
// and a backend that accumulates in f32 in any order, with or without FMA. The result is
// rounded outward onto the f32 grid.

import { gamma32, nextDown64, nextUp64, roundDownF32, roundUpF32 } from './f32-round.ts';
import { FULL, type Interval } from './interval.ts';

const F32_MAX = 3.4028234663852886e38;

export interface Strided {
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  readonly nan: Uint8Array;
  readonly offset: number;
  readonly stride: number;
}

/**
 * Bounds of Σ a_t·b_t + bias (+ residual, a conv's fused skip input: one more f32 add, so one
 * more rounding in the slack).
 */
export function dotBounds(a: Strided, b: Strided, k: number, bias?: Interval, residual?: Interval): Interval {
  let lo = 0;
  let hi = 0;
  let magnitude = 0;
  for (let t = 0; t < k; t++) {
    const i = a.offset + t * a.stride;
    const j = b.offset + t * b.stride;
    const alo = a.lo[i] ?? NaN;
    const ahi = a.hi[i] ?? NaN;
    const blo = b.lo[j] ?? NaN;
    const bhi = b.hi[j] ?? NaN;
    // NaN or an infinite term makes any sum possible (Inf - Inf, 0 · Inf): give up on this output.
    if (a.nan[i] !== 0 || b.nan[j] !== 0 || !Number.isFinite(alo) || !Number.isFinite(ahi)
      || !Number.isFinite(blo) || !Number.isFinite(bhi)) {
      return FULL;
    }
    const p1 = alo * blo;
    const p2 = alo * bhi;
    const p3 = ahi * blo;
    const p4 = ahi * bhi;
    lo += Math.min(p1, p2, p3, p4);
    hi += Math.max(p1, p2, p3, p4);
    magnitude += Math.max(Math.abs(alo), Math.abs(ahi)) * Math.max(Math.abs(blo), Math.abs(bhi));
  }
  let biasMagnitude = 0;
  for (const term of [bias, residual]) {
    if (term === undefined) continue;
    if (term.nan || !Number.isFinite(term.lo) || !Number.isFinite(term.hi)) return FULL;
    lo += term.lo;
    hi += term.hi;
    biasMagnitude += Math.max(Math.abs(term.lo), Math.abs(term.hi));
  }
  // (1 + 2^-40) covers the f64 rounding of `magnitude` itself.
  const slack = gamma32(k + 3 + (residual === undefined ? 0 : 1)) * (magnitude + biasMagnitude) * (1 + 2 ** -40);
  // Partial sums beyond f32's range overflow in an f32 accumulator, where Inf - Inf is NaN.
  const nan = (magnitude + biasMagnitude) * (1 + 2 ** -20) >= F32_MAX;
  return { lo: roundDownF32(nextDown64(lo - slack)), hi: roundUpF32(nextUp64(hi + slack)), nan };
}
