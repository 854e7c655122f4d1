// Index arithmetic the window shaders (conv, reduce, gather, resize) share: decoding a flat
// position into literal-sized coordinates, i32 literals, and the input index of a window tap
// with the bounds test it needs, which is left out when the geometry proves it never fails.

import { E } from '../../ir/scalar.ts';
import type { Extent, WindowAxis } from '../affine-kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { renderBody, u32 } from './shader-common.ts';

/** An i32 literal. */
export function i32(value: number): string {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new Error(`internal: ${value} does not fit in i32`);
  return value < 0 ? `(-${-value}i)` : `${value}i`;
}

/** An f32 literal (the scalar renderer's, so infinities and NaN come from the prelude). */
export function f32(value: number): string {
  return renderBody(E.const(value)).value;
}

/**
 * Declares `let <prefix><a>` for each axis of a row-major position `flat` over `extents` and
 * returns their names (`0u` for a unit axis). Only axis 0 may depend on the batch: it is the
 * quotient, unbounded.
 */
export function declareCoords(w: CodeWriter, flat: string, extents: readonly Extent[], prefix: string): string[] {
  const names: string[] = [];
  let inner = 1;
  const inners: number[] = [];
  for (let axis = extents.length - 1; axis >= 0; axis--) {
    inners[axis] = inner;
    inner *= extents[axis]?.fixed ?? 1;
  }
  extents.forEach((extent, axis) => {
    // A unit axis has coordinate 0 (a literal, no local).
    if (extent.perSample === 0 && extent.fixed === 1) {
      names.push('0u');
      return;
    }
    const name = `${prefix}${axis}`;
    const step = inners[axis] ?? 1;
    const quotient = step === 1 ? flat : `(${flat} / ${u32(step)})`;
    if (axis > 0 && extent.perSample !== 0) throw new Error('internal: only the outermost axis may depend on the batch');
    w.line(`let ${name} = ${axis === 0 ? quotient : `${quotient} % ${u32(extent.fixed)}`};`);
    names.push(name);
  });
  return names;
}

/** `a·x + b` over i32 expressions, leaving out unit factors and zero terms. */
export function affineI32(terms: readonly { readonly expr: string; readonly scale: number }[], constant: number): string {
  const parts: string[] = [];
  for (const { expr, scale } of terms) {
    if (scale === 0) continue;
    const scaled = scale === 1 ? expr : `${expr} * ${i32(scale)}`;
    parts.push(parts.length === 0 ? scaled : `+ ${scaled}`);
  }
  if (constant !== 0 || parts.length === 0) {
    parts.push(parts.length === 0 ? i32(constant) : constant < 0 ? `- ${i32(-constant)}` : `+ ${i32(constant)}`);
  }
  return parts.join(' ');
}

/** The numerator o·stride + t·dilation − padBegin of a tap, before the divisor. */
export interface WindowTap {
  /** i32 expression of the input index (after dividing by the divisor). */
  readonly index: string;
  /** i32 expression of the numerator; equals `index` when the divisor is 1. */
  readonly numerator: string;
  /** A bool expression that holds when the tap reads the input, or undefined when it always does. */
  readonly valid?: string;
}

/** The range of o·stride + t·dilation − padBegin over the whole window (both ends included). */
function numeratorRange(axis: WindowAxis): { low: number; high: number } {
  const ends = (count: number, step: number): [number, number] => [Math.min(0, (count - 1) * step), Math.max(0, (count - 1) * step)];
  const [oLow, oHigh] = ends(axis.out, axis.stride);
  const [tLow, tHigh] = ends(axis.taps, axis.dilation);
  return { low: oLow + tLow - axis.padBegin, high: oHigh + tHigh - axis.padBegin };
}

/** The i32 expression o·stride − padBegin: where the window of output coordinate `o` (u32) starts. */
export function windowOrigin(axis: Pick<WindowAxis, 'stride' | 'padBegin'>, o: string): string {
  return affineI32([{ expr: `i32(${o})`, scale: axis.stride }], -axis.padBegin);
}

/** The i32 expression origin + t·dilation: the numerator of tap `t` (u32). */
export function tapNumerator(axis: Pick<WindowAxis, 'dilation'>, origin: string, t: string): string {
  return affineI32([{ expr: origin, scale: 1 }, { expr: `i32(${t})`, scale: axis.dilation }], 0);
}

/**
 * The tap `t` (u32) of one window axis whose window starts at `origin` (an i32 expression, see
 * windowOrigin), with the bounds (and divisibility) test a padded or transposed window needs;
 * `name` is the i32 local the caller declares for the numerator.
 */
export function windowTap(axis: WindowAxis, origin: string, t: string, name: string): WindowTap {
  const numerator = tapNumerator(axis, origin, t);
  const { low, high } = numeratorRange(axis);
  const checks: string[] = [];
  if (axis.divisor === 1) {
    if (low < 0) checks.push(`${name} >= 0i`);
    if (high >= axis.size) checks.push(`${name} < ${i32(axis.size)}`);
    return { index: name, numerator, ...(checks.length > 0 ? { valid: checks.join(' && ') } : {}) };
  }
  // A transposed window: the input index is numerator / divisor where that divides evenly.
  if (low < 0) checks.push(`${name} >= 0i`);
  checks.push(`${name} % ${i32(axis.divisor)} == 0i`);
  if (Math.floor(high / axis.divisor) >= axis.size) checks.push(`${name} < ${i32(axis.size * axis.divisor)}`);
  return { index: `(${name} / ${i32(axis.divisor)})`, numerator, valid: checks.join(' && ') };
}

/** Whether any tap of the window can fall outside the input (so the window needs tests). */
export function windowIsPadded(axis: WindowAxis): boolean {
  const { low, high } = numeratorRange(axis);
  return axis.divisor !== 1 || low < 0 || high >= axis.size;
}

/** The loop over one axis's taps: its header, a test that lets any tap through, and the tap. */
export interface TapLoop {
  readonly header: string;
  /** When false, no tap of this window reads the input (the loop is skipped). */
  readonly guard?: string;
  readonly tap: WindowTap;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** x with (a·x) mod m = 1, for a and m coprime. */
function inverseMod(a: number, m: number): number {
  for (let x = 1; x < m; x++) if ((a * x) % m === 1) return x;
  return 0;
}

/**
 * The taps of one axis at the window `origin` (an i32 local), as a loop. A transposed window
 * (stride 1, origin o + p ≥ 0, taps stepping back by d, input positions every s) visits only
 * the taps whose numerator origin − t·d divides by s: t ≡ (origin/g)·(d/g)⁻¹ mod s/g with
 * g = gcd(d, s), none unless g divides origin. Other windows visit every tap.
 */
export function tapLoop(axis: WindowAxis, origin: string, t: string, name: string): TapLoop {
  const every = `for (var ${t} = 0u; ${t} < ${u32(axis.taps)}; ${t} = ${t} + 1u) {`;
  const transposed = axis.divisor > 1 && axis.stride === 1 && axis.padBegin <= 0 && axis.dilation < 0;
  if (!transposed) return { header: every, tap: windowTap(axis, origin, t, name) };
  const d = -axis.dilation;
  const g = gcd(d, axis.divisor);
  const period = axis.divisor / g;
  const inverse = inverseMod((d / g) % period, period);
  const phase = g === 1 ? `u32(${origin})` : `(u32(${origin}) / ${u32(g)})`;
  const start = period === 1 ? '0u' : `(${phase} * ${u32(inverse)}) % ${u32(period)}`;
  const { low, high } = numeratorRange(axis);
  const checks: string[] = [];
  if (low < 0) checks.push(`${name} >= 0i`);
  if (Math.floor(high / axis.divisor) >= axis.size) checks.push(`${name} < ${i32(axis.size * axis.divisor)}`);
  const numerator = tapNumerator(axis, origin, t);
  return {
    header: `for (var ${t} = ${start}; ${t} < ${u32(axis.taps)}; ${t} = ${t} + ${u32(period)}) {`,
    ...(g === 1 ? {} : { guard: `u32(${origin}) % ${u32(g)} == 0u` }),
    tap: { index: `(${name} / ${i32(axis.divisor)})`, numerator, ...(checks.length > 0 ? { valid: checks.join(' && ') } : {}) },
  };
}
