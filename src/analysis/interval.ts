// Intervals of f32 values and the primitive operations of ir/scalar.ts over them. An
// interval [lo, hi] holds every non-NaN value the computation can produce; `nan` says NaN is
// possible too. Endpoints are f32 values. Sound for the interpreter's semantics (each
// primitive rounds its f64 result to f32 once): a monotone primitive evaluated on endpoints
// exactly as the interpreter evaluates it bounds every result between them, because f64
// arithmetic and rounding to f32 are monotone. Transcendental results (exp, tanh, erf) are
// widened by a few f32 ulps so that a non-monotone library step or a backend's f32 math
// library a few ulps off cannot escape.

import { erf, type ArithFn, type CompareFn, type UnaryFn } from '../../ir/scalar.ts';
import { nextDown64, nextDownF32, nextUp64, nextUpF32, roundDownF32, roundUpF32 } from './f32-round.ts';

export interface Interval {
  readonly lo: number;
  readonly hi: number;
  readonly nan: boolean;
}

/** Ulps of slack around transcendental results. */
const TRANSCENDENTAL_ULPS = 4;

export const FULL: Interval = { lo: -Infinity, hi: Infinity, nan: true };

export function point(value: number): Interval {
  const v = Math.fround(value);
  return Number.isNaN(v) ? { lo: Infinity, hi: -Infinity, nan: true } : { lo: v, hi: v, nan: false };
}

export function isEmpty(a: Interval): boolean {
  return a.lo > a.hi;
}

export function union(a: Interval, b: Interval): Interval {
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi), nan: a.nan || b.nan };
}

/** Whether the f32 value v lies in a (NaN only when a allows it). */
export function contains(a: Interval, v: number): boolean {
  return Number.isNaN(v) ? a.nan : v >= a.lo && v <= a.hi;
}

function hasInfinity(a: Interval): boolean {
  return a.lo === -Infinity || a.hi === Infinity;
}

function containsZero(a: Interval): boolean {
  return a.lo <= 0 && a.hi >= 0;
}

/** fround, the interpreter's rounding; endpoints of f32 arguments stay on the grid. */
const r32 = Math.fround;

function widenDown(v: number): number {
  let out = roundDownF32(nextDown64(v));
  for (let i = 1; i < TRANSCENDENTAL_ULPS; i++) out = nextDownF32(out);
  return out;
}

function widenUp(v: number): number {
  let out = roundUpF32(nextUp64(v));
  for (let i = 1; i < TRANSCENDENTAL_ULPS; i++) out = nextUpF32(out);
  return out;
}

function monotoneTranscendental(a: Interval, f: (x: number) => number, lower: number, upper: number): Interval {
  if (isEmpty(a)) return a;
  return { lo: Math.max(lower, widenDown(f(a.lo))), hi: Math.min(upper, widenUp(f(a.hi))), nan: a.nan };
}

export function unaryInterval(fn: UnaryFn, a: Interval): Interval {
  if (isEmpty(a)) return a;
  switch (fn) {
    case 'neg': return { lo: -a.hi, hi: -a.lo, nan: a.nan };
    // trunc is monotone and exact on f32.
    case 'trunc': return { lo: Math.trunc(a.lo), hi: Math.trunc(a.hi), nan: a.nan };
    case 'abs':
      if (a.lo >= 0) return a;
      if (a.hi <= 0) return { lo: -a.hi, hi: -a.lo, nan: a.nan };
      return { lo: 0, hi: Math.max(-a.lo, a.hi), nan: a.nan };
    case 'exp': return monotoneTranscendental(a, Math.exp, 0, Infinity);
    case 'tanh': return monotoneTranscendental(a, Math.tanh, -1, 1);
    case 'erf': return monotoneTranscendental(a, erf, -1, 1);
    case 'log': {
      const nan = a.nan || a.lo < 0;
      if (a.hi < 0) return { lo: Infinity, hi: -Infinity, nan: true };
      return { lo: widenDown(Math.log(Math.max(a.lo, 0))), hi: widenUp(Math.log(a.hi)), nan };
    }
    case 'sqrt': {
      const nan = a.nan || a.lo < 0;
      if (a.hi < 0) return { lo: Infinity, hi: -Infinity, nan: true };
      // sqrt is correctly rounded like + and *: endpoints are exact bounds. sqrt(-0) = -0.
      return { lo: r32(Math.sqrt(Math.max(a.lo, 0))), hi: r32(Math.sqrt(a.hi)), nan };
    }
  }
}

/** min and max of fround(f(x, y)) over the corners, for ops monotone in each argument. */
function corners(a: Interval, b: Interval, f: (x: number, y: number) => number): { lo: number; hi: number } {
  const values = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)].map(r32);
  return { lo: Math.min(...values), hi: Math.max(...values) };
}

export function arithInterval(fn: ArithFn, a: Interval, b: Interval): Interval {
  if (isEmpty(a) || isEmpty(b)) return { lo: Infinity, hi: -Infinity, nan: a.nan || b.nan };
  const nan = a.nan || b.nan;
  switch (fn) {
    case 'add': {
      // Inf + -Inf is NaN: possible when the operands reach infinities of opposite signs.
      const clash = (a.hi === Infinity && b.lo === -Infinity) || (a.lo === -Infinity && b.hi === Infinity);
      return { lo: clash ? -Infinity : r32(a.lo + b.lo), hi: clash ? Infinity : r32(a.hi + b.hi), nan: nan || clash };
    }
    case 'sub': {
      const clash = (a.hi === Infinity && b.hi === Infinity) || (a.lo === -Infinity && b.lo === -Infinity);
      return { lo: clash ? -Infinity : r32(a.lo - b.hi), hi: clash ? Infinity : r32(a.hi - b.lo), nan: nan || clash };
    }
    case 'mul': {
      // 0 · Inf is NaN.
      if ((containsZero(a) && hasInfinity(b)) || (containsZero(b) && hasInfinity(a))) return FULL;
      return { ...corners(a, b, (x, y) => x * y), nan };
    }
    case 'div': {
      if (containsZero(b)) return FULL;
      if (hasInfinity(a) && hasInfinity(b)) return FULL;
      return { ...corners(a, b, (x, y) => x / y), nan };
    }
    case 'max': return { lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi), nan };
    case 'min': return { lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi), nan };
  }
}

/** A comparison: [1,1] when surely true, [0,0] when surely false, [0,1] otherwise (never NaN). */
export function compareInterval(fn: CompareFn, a: Interval, b: Interval): Interval {
  const unknown: Interval = { lo: 0, hi: 1, nan: false };
  if (isEmpty(a) || isEmpty(b)) return { lo: 0, hi: 0, nan: false };
  const maybeFalseByNaN = a.nan || b.nan;
  let surelyTrue: boolean;
  let surelyFalse: boolean;
  switch (fn) {
    case 'lt': surelyTrue = a.hi < b.lo; surelyFalse = a.lo >= b.hi; break;
    case 'le': surelyTrue = a.hi <= b.lo; surelyFalse = a.lo > b.hi; break;
    case 'gt': surelyTrue = a.lo > b.hi; surelyFalse = a.hi <= b.lo; break;
    case 'ge': surelyTrue = a.lo >= b.hi; surelyFalse = a.hi < b.lo; break;
    case 'eq': surelyTrue = a.lo === a.hi && b.lo === b.hi && a.lo === b.lo; surelyFalse = a.hi < b.lo || b.hi < a.lo; break;
  }
  if (surelyFalse) return { lo: 0, hi: 0, nan: false };
  if (surelyTrue && !maybeFalseByNaN) return { lo: 1, hi: 1, nan: false };
  return unknown;
}
