// Interval rules for the CNN ops: conv and conv_transpose (each output a dot product over the
// taps its window reads, bounded by dot-bounds.ts with the same outward f32 rounding as
// `linear`), pooling and reductions (max/min move endpoints exactly; sums and means take a
// γ(k+3) slack for any f32 summation order), and linear resize (a convex combination of at
// most 2^rank taps). Slice, pad and concat are layout ops: the kind rule moves their endpoints,
// and a constant pad value becomes a point interval joined into the bounds.

import { CompileError } from '../../ir/errors.ts';
import {
  avgPoolDivisor, convLayout, floatAttr, forEachConvTap, forEachConvTransposeTap, forEachIndex, poolGeometry, reducedAxes, resizeAxes, stringAttr,
  windowGeometry, convTransposeGeometry,
} from '../../ir/ops/index.ts';
import { sizeOf, stridesOf } from '../../ir/types.ts';
import { emptyBounds, intervalAt, setInterval, type Bounds } from './bounds.ts';
import { dotBounds } from './dot-bounds.ts';
import { gamma32, nextDown64, nextDownF32, nextUp64, nextUpF32, roundDownF32, roundUpF32 } from './f32-round.ts';
import { FULL, type Interval } from './interval.ts';
import type { IntervalRule, RuleInput } from './interval-rules.ts';

const F32_MAX = 3.4028234663852886e38;

/** Taps gathered for one output: operand offsets of x and w, reused across outputs. */
class Gather {
  readonly xLo: Float32Array;
  readonly xHi: Float32Array;
  readonly xNan: Uint8Array;
  readonly wLo: Float32Array;
  readonly wHi: Float32Array;
  readonly wNan: Uint8Array;
  count = 0;

  constructor(capacity: number, private readonly x: Bounds, private readonly w: Bounds) {
    this.xLo = new Float32Array(capacity);
    this.xHi = new Float32Array(capacity);
    this.xNan = new Uint8Array(capacity);
    this.wLo = new Float32Array(capacity);
    this.wHi = new Float32Array(capacity);
    this.wNan = new Uint8Array(capacity);
  }

  push(xAt: number, wAt: number): void {
    const t = this.count++;
    this.xLo[t] = this.x.lo[xAt] ?? -Infinity;
    this.xHi[t] = this.x.hi[xAt] ?? Infinity;
    this.xNan[t] = this.x.nan[xAt] ?? 1;
    this.wLo[t] = this.w.lo[wAt] ?? -Infinity;
    this.wHi[t] = this.w.hi[wAt] ?? Infinity;
    this.wNan[t] = this.w.nan[wAt] ?? 1;
  }

  bounds(bias?: Interval, residual?: Interval): Interval {
    const value = dotBounds(
      { lo: this.xLo, hi: this.xHi, nan: this.xNan, offset: 0, stride: 1 },
      { lo: this.wLo, hi: this.wHi, nan: this.wNan, offset: 0, stride: 1 },
      this.count, bias, residual,
    );
    this.count = 0;
    return value;
  }
}

function operands(input: RuleInput, what: string): { x: Bounds; w: Bounds } {
  const [x, w] = input.inputs;
  if (x === undefined || w === undefined) throw new CompileError(`internal: ${what} without operands`, { node: input.node.name, op: input.node.op });
  return { x, w };
}

/** conv: out[n, m, o] = Σ_c Σ_t x[n, c, o·s + t·d − p] · W[m, c, t] + b[m] (+ residual). */
export const convRule: IntervalRule = (input) => {
  const { x, w } = operands(input, 'conv');
  const { attrs, outShape } = input;
  const { hasBias, residual } = convLayout(input.inputs.length, attrs);
  const bias = hasBias ? input.inputs[2] : undefined;
  const res = residual === undefined ? undefined : input.inputs[residual];
  const g = windowGeometry(x.shape.slice(2), w.shape.slice(2), attrs);
  const [batch = 1] = x.shape;
  const [outChannels = 1, groupChannels = 1] = w.shape;
  const perGroup = outChannels / floatAttr(attrs, 'group');
  const xStrides = stridesOf(x.shape);
  const wStrides = stridesOf(w.shape);
  const gather = new Gather(groupChannels * sizeOf(g.kernel), x, w);
  const out = emptyBounds(outShape);
  let flat = 0;
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < outChannels; m++) {
      const firstChannel = Math.floor(m / perGroup) * groupChannels;
      const b = bias === undefined ? undefined : intervalAt(bias, m);
      forEachIndex(g.outSize, (o) => {
        // Padding contributes no term (the interpreter skips it).
        forEachConvTap({ g, xStrides, wStrides, n, m, firstChannel, groupChannels }, o, (xAt, wAt) => gather.push(xAt, wAt));
        setInterval(out, flat, gather.bounds(b, res === undefined ? undefined : intervalAt(res, flat)));
        flat++;
      });
    }
  }
  return out;
};

/** conv_transpose: each output gathers the (input, tap) pairs that scatter into it. */
export const convTransposeRule: IntervalRule = (input) => {
  const { x, w } = operands(input, 'conv_transpose');
  const { attrs, outShape } = input;
  const bias = input.inputs[2];
  const g = convTransposeGeometry({ dtype: 'f32', shape: x.shape }, { dtype: 'f32', shape: w.shape }, attrs);
  const [batch = 1, inChannels = 1] = x.shape;
  const perGroup = w.shape[1] ?? 1;
  const group = floatAttr(attrs, 'group');
  const groupIn = inChannels / group;
  const xStrides = stridesOf(x.shape);
  const wStrides = stridesOf(w.shape);
  const gather = new Gather(groupIn * sizeOf(g.kernel), x, w);
  const out = emptyBounds(outShape);
  let flat = 0;
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < perGroup * group; m++) {
      const grp = Math.floor(m / perGroup);
      const local = m % perGroup;
      const b = bias === undefined ? undefined : intervalAt(bias, m);
      const site = { g, xStrides, wStrides, n, m: local, firstChannel: grp * groupIn, groupChannels: groupIn };
      forEachIndex(g.outSize, (o) => {
        forEachConvTransposeTap(site, o, (xAt, wAt) => gather.push(xAt, wAt));
        setInterval(out, flat++, gather.bounds(b));
      });
    }
  }
  return out;
};

type Combine = 'max' | 'min' | 'sum';

/**
 * Bounds of max, min or sum / divisor over the elements `at` of x. Max and min are exact on
 * endpoints. A sum is taken in f64 and widened by γ(k+3)·Σ|x| (any f32 order, the division or
 * a multiplication by 1/divisor); an infinite or NaN term makes any result possible.
 */
function combineBounds(x: Bounds, at: readonly number[], combine: Combine, divisor = 1): Interval {
  let lo = combine === 'max' ? -Infinity : combine === 'min' ? Infinity : 0;
  let hi = lo;
  let nan = false;
  let magnitude = 0;
  for (const i of at) {
    const l = x.lo[i] ?? -Infinity;
    const h = x.hi[i] ?? Infinity;
    if (x.nan[i] !== 0) nan = true;
    if (combine === 'max') { lo = Math.max(lo, l); hi = Math.max(hi, h); continue; }
    if (combine === 'min') { lo = Math.min(lo, l); hi = Math.min(hi, h); continue; }
    if (!Number.isFinite(l) || !Number.isFinite(h) || nan) return FULL;
    lo += l;
    hi += h;
    magnitude += Math.max(Math.abs(l), Math.abs(h));
  }
  if (combine !== 'sum') return { lo, hi, nan };
  const slack = gamma32(at.length + 3) * magnitude * (1 + 2 ** -40);
  return {
    lo: nextDownF32(roundDownF32(nextDown64((lo - slack) / divisor))),
    hi: nextUpF32(roundUpF32(nextUp64((hi + slack) / divisor))),
    nan: magnitude * (1 + 2 ** -20) >= F32_MAX,
  };
}

/** max_pool and avg_pool: each output combines the valid taps of its window. */
function poolRule(combine: 'max' | 'avg'): IntervalRule {
  return ({ inputs, attrs, outShape }) => {
    const [x] = inputs;
    const out = emptyBounds(outShape);
    if (x === undefined) return out;
    const g = poolGeometry(x.shape, attrs);
    const [batch = 1, channels = 1] = x.shape;
    const strides = stridesOf(x.shape);
    const includePad = combine === 'avg' && floatAttr(attrs, 'count_include_pad') !== 0;
    const taps: number[] = [];
    let flat = 0;
    for (let plane = 0; plane < batch * channels; plane++) {
      forEachIndex(g.outSize, (o) => {
        taps.length = 0;
        forEachIndex(g.kernel, (t) => {
          let at = plane * (strides[1] ?? 0);
          for (let axis = 0; axis < t.length; axis++) {
            const i = (o[axis] ?? 0) * (g.strides[axis] ?? 1) + (t[axis] ?? 0) * (g.dilations[axis] ?? 1) - (g.padBegin[axis] ?? 0);
            if (i < 0 || i >= (g.inSize[axis] ?? 0)) return;
            at += i * (strides[axis + 2] ?? 0);
          }
          taps.push(at);
        });
        const value = combine === 'max' ? combineBounds(x, taps, 'max') : combineBounds(x, taps, 'sum', avgPoolDivisor(g, o, includePad));
        setInterval(out, flat++, value);
      });
    }
    return out;
  };
}

/** reduce_*: each output combines the elements its reduced axes cover (never the batch). */
function reduceRule(combine: 'sum' | 'mean' | 'max' | 'min'): IntervalRule {
  return ({ inputs, attrs, outShape }) => {
    const [x] = inputs;
    const out = emptyBounds(outShape);
    if (x === undefined) return out;
    const axes = reducedAxes(x.shape, attrs);
    const strides = stridesOf(x.shape);
    const kept = x.shape.map((_, axis) => axis).filter((axis) => !axes.includes(axis));
    const reducedSizes = axes.map((axis) => x.shape[axis] ?? 1);
    const count = sizeOf(reducedSizes);
    const at: number[] = new Array<number>(count);
    for (let flat = 0; flat < out.lo.length; flat++) {
      let base = 0;
      let rest = flat;
      for (let k = kept.length - 1; k >= 0; k--) {
        const size = x.shape[kept[k] ?? 0] ?? 1;
        base += (rest % size) * (strides[kept[k] ?? 0] ?? 0);
        rest = Math.floor(rest / size);
      }
      for (let r = 0; r < count; r++) {
        let offset = base;
        let left = r;
        for (let k = axes.length - 1; k >= 0; k--) {
          const size = reducedSizes[k] ?? 1;
          offset += (left % size) * (strides[axes[k] ?? 0] ?? 0);
          left = Math.floor(left / size);
        }
        at[r] = offset;
      }
      const value = combine === 'max' || combine === 'min' ? combineBounds(x, at, combine) : combineBounds(x, at, 'sum', combine === 'mean' ? count : 1);
      setInterval(out, flat, value);
    }
    return out;
  };
}

/**
 * resize: nearest gathers (endpoints move exactly); linear is Σ w·x over the 2^rank corners
 * with w >= 0, Σw = 1, so the endpoints combine with the same weights, widened by
 * γ(2^rank + 2·rank + 4)·Σ w·|x| for weights and sums rounded to f32 in any order.
 */
export function resizeRule(fallback: IntervalRule): IntervalRule {
  return (input) => {
    if (stringAttr(input.attrs, 'mode') !== 'linear') return fallback(input);
    const [x] = input.inputs;
    const out = emptyBounds(input.outShape);
    if (x === undefined) return out;
    const axes = resizeAxes(x.shape.slice(2), input.attrs);
    const strides = stridesOf(x.shape);
    const [batch = 1, channels = 1] = x.shape;
    const rank = x.shape.length - 2;
    const outSpatial = input.outShape.slice(2);
    let flat = 0;
    for (let plane = 0; plane < batch * channels; plane++) {
      forEachIndex(outSpatial, (o) => {
        let lo = 0;
        let hi = 0;
        let magnitude = 0;
        let finite = true;
        forEachIndex(o.map(() => 2), (corner) => {
          let at = plane * (strides[1] ?? 0);
          let weight = 1;
          corner.forEach((c, axis) => {
            const taps = axes[axis];
            const k = o[axis] ?? 0;
            const lambda = taps?.lambda[k] ?? 0;
            at += ((c === 0 ? taps?.i0[k] : taps?.i1[k]) ?? 0) * (strides[axis + 2] ?? 0);
            weight *= c === 0 ? 1 - lambda : lambda;
          });
          if (weight === 0) return;
          const l = x.lo[at] ?? -Infinity;
          const h = x.hi[at] ?? Infinity;
          if (x.nan[at] !== 0 || !Number.isFinite(l) || !Number.isFinite(h)) finite = false;
          lo += weight * l;
          hi += weight * h;
          magnitude += weight * Math.max(Math.abs(l), Math.abs(h));
        });
        const slack = gamma32(2 ** rank + 2 * rank + 4) * magnitude * (1 + 2 ** -40);
        setInterval(out, flat++, finite
          ? { lo: roundDownF32(nextDown64(lo - slack)), hi: roundUpF32(nextUp64(hi + slack)), nan: false }
          : FULL);
      });
    }
    return out;
  };
}

export const WINDOW_RULES: Readonly<Record<string, IntervalRule>> = {
  conv: convRule,
  conv_transpose: convTransposeRule,
  max_pool: poolRule('max'),
  avg_pool: poolRule('avg'),
  reduce_sum: reduceRule('sum'),
  reduce_mean: reduceRule('mean'),
  reduce_max: reduceRule('max'),
  reduce_min: reduceRule('min'),
};
