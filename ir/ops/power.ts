// The body of the elementwise `pow` op (a constant exponent; elementwise.ts declares it beside
// `sqrt` and `reciprocal`). The body is chosen from the exponent at compile time (ONNX Pow semantics, i.e. C's pow):
// 0 → 1, 1 → x, 2 → x·x, 3 → x·x·x, 4 → (x·x)·(x·x), 0.5 → sqrt(x), -n → 1 / that, and any
// other exponent e → exp(e · log|x|), negated for x < 0 when e is an odd integer, NaN for
// x < 0 when e is not an integer, and C's ±0 / ±Inf at x = ±0. The exp/log form rounds
// log|x| to f32 before the product, so it is within about |e·log x| · 2⁻²⁴ relative of the
// exact power; the multiply forms are exact up to one rounding per product.

import { E, type ScalarExpr } from '../scalar.ts';

const x = E.operand(0);

/** x^n for a small non-negative integer n, by repeated multiplication. */
function integerPower(base: ScalarExpr, n: number): ScalarExpr | undefined {
  switch (n) {
    case 0: return E.const(1);
    case 1: return base;
    case 2: return E.mul(base, base);
    case 3: return E.mul(E.mul(base, base), base);
    case 4: return E.mul(E.mul(base, base), E.mul(base, base));
    default: return undefined;
  }
}

/** The scalar body of x^exponent (see the header for the forms). */
export function powBody(exponent: number): ScalarExpr {
  if (exponent === 0) return E.const(1); // C: pow(x, 0) is 1 even for NaN
  if (exponent === 0.5) return E.sqrt(x);
  if (exponent === -0.5) return E.select(E.eq(x, 0), Infinity, E.div(1, E.sqrt(x))); // C: pow(-0, -0.5) is +Inf
  const small = integerPower(x, Math.abs(exponent));
  if (small !== undefined) return exponent > 0 ? small : E.div(1, small);
  // exp(e·log|x|) is wrong at x = ±0 on targets whose log(0) is not -Inf (WGSL leaves it
  // undefined), so zero is its own case: C's pow gives ±0 or ±Inf there, keeping the sign
  // of zero for odd integer exponents. A negative x with a fractional exponent is NaN,
  // written out for the same reason (WGSL's log of a negative number is undefined).
  const odd = Number.isInteger(exponent) && Math.abs(exponent % 2) === 1;
  const atZero = odd ? (exponent > 0 ? x : E.div(1, x)) : E.const(exponent > 0 ? 0 : Infinity);
  const magnitude = E.exp(E.mul(exponent, E.log(E.abs(x))));
  const signed = !Number.isInteger(exponent) ? E.select(E.lt(x, 0), NaN, magnitude)
    : odd ? E.select(E.lt(x, 0), E.neg(magnitude), magnitude) : magnitude;
  return E.select(E.eq(x, 0), atZero, signed);
}
