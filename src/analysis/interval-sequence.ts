// Interval rules for the transformer ops. layer_norm: a normalized value is bounded by
// √(size − 1) in magnitude whatever the row (|x_i − mean| ≤ √(size − 1)·σ, and epsilon only
// shrinks it), then multiplied by the scale and shifted by the bias in f32 (interval
// arithmetic, rounded outward). attention: every output is a convex combination of the
// values' column over the keys, so it lies in that column's hull, widened by the f32 sum's
// rounding ((Sk + 4)·u·max|v|); NaN or infinite inputs give NaN or an unbounded result.

import { attentionDims, floatAttr, layerNormLayout, normalizedShape } from '../../ir/ops/index.ts';
import { sizeOf } from '../../ir/types.ts';
import { emptyBounds, intervalAt, setInterval, type Bounds } from './bounds.ts';
import { nextDownF32, nextUpF32 } from './f32-round.ts';
import { arithInterval, FULL, type Interval } from './interval.ts';
import type { IntervalRule } from './interval-rules.ts';

function risky(interval: Interval): boolean {
  return interval.nan || !Number.isFinite(interval.lo) || !Number.isFinite(interval.hi);
}

export const layerNormRule: IntervalRule = ({ inputs, attrs, outShape }) => {
  const { residual, paramStart } = layerNormLayout(attrs);
  const [x, r] = inputs as [Bounds, Bounds | undefined];
  const [scale, bias] = inputs.slice(paramStart) as [Bounds | undefined, Bounds | undefined];
  const at = (i: number): Interval => (residual && r !== undefined ? arithInterval('add', intervalAt(x, i), intervalAt(r, i)) : intervalAt(x, i));
  const size = sizeOf(normalizedShape(outShape, attrs));
  const out = emptyBounds(outShape);
  const reach = nextUpF32(Math.sqrt(Math.max(0, size - 1)));
  for (let base = 0; base < sizeOf(outShape); base += size) {
    let bad = false;
    for (let i = 0; i < size; i++) bad ||= risky(at(base + i));
    for (let i = 0; i < size; i++) {
      if (bad) { setInterval(out, base + i, FULL); continue; }
      let y: Interval = { lo: -reach, hi: reach, nan: false };
      if (scale !== undefined) y = arithInterval('mul', y, intervalAt(scale, i));
      if (bias !== undefined) y = arithInterval('add', y, intervalAt(bias, i));
      setInterval(out, base + i, y);
    }
  }
  return out;
};

export const attentionRule: IntervalRule = ({ inputs, attrs, outShape }) => {
  const [q, k, v, mask] = inputs as [Bounds, Bounds, Bounds, Bounds | undefined];
  const { sk: skDim, dv } = attentionDims([q, k, v, ...(mask === undefined ? [] : [mask])].map((b) => ({ dtype: 'f32' as const, shape: b.shape })));
  // Bounds have static shapes, so the key length is a number here.
  const sk = Number(skDim);
  const rows = q.shape[q.shape.length - 2] ?? 1;
  const batches = sizeOf(outShape) / (rows * dv);
  const all = (b: Bounds | undefined): boolean => {
    if (b === undefined) return false;
    for (let i = 0; i < sizeOf(b.shape); i++) if (risky(intervalAt(b, i))) return true;
    return false;
  };
  const logitsRisky = all(q) || all(k) || all(mask) || !Number.isFinite(floatAttr(attrs, 'scale'));
  const out = emptyBounds(outShape);
  for (let p = 0; p < batches; p++) {
    for (let c = 0; c < dv; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      let nan = logitsRisky;
      for (let j = 0; j < sk; j++) {
        const value = intervalAt(v, (p * sk + j) * dv + c);
        lo = Math.min(lo, value.lo);
        hi = Math.max(hi, value.hi);
        nan ||= value.nan;
      }
      const slack = (sk + 4) * 2 ** -24 * Math.max(Math.abs(lo), Math.abs(hi));
      const interval: Interval = logitsRisky ? FULL : { lo: nextDownF32(lo - slack), hi: nextUpF32(hi + slack), nan };
      for (let i = 0; i < rows; i++) setInterval(out, (p * rows + i) * dv + c, interval);
    }
  }
  return out;
};
