// The absolute error of layer_norm computed with f32 statistics (WGSL's two f32 passes) against
// the reference's f64 mean and variance, on particular rows: the rounded mean's error, scaled
// by 1/sqrt(var + epsilon), which is large where |mean| ≫ σ.

import { floatAttr, type Attrs, type Tensor } from '../ir/ops/index.ts';
import { layerNormLayout, normalizedShape } from '../ir/ops/sequence.ts';

/** f32's unit roundoff. */
const U = 2 ** -24;

/**
 * Bound on |y_wgsl − y_ref| from the f32 mean, for one layer_norm node given its operands.
 *
 * The f32 algorithm: m̂ = f32(Σx)/n summed in order, d = x − m̂, v̂ = Σd²/n (fma), r̂ =
 * 1/sqrt(v̂ + ε), y = d·r̂·scale + bias. With A = Σ|x|/n, the serial sum errs by at most
 * γ(n−1)·Σ|x| and the division by u·|mean| ≤ u·A, so m̂ = mean + δ with |δ| ≤ (n + 1)·u·A (to
 * first order). Every y of the row then carries −δ·r·scale_i, r = 1/sqrt(var + ε): an absolute
 * error no relative bound holds once |mean|·r ≫ 1 (rows nearly constant beside their mean: a
 * row at 3.7 ± 1e-3 with ε = 1e-5 has r ≈ 311 and loses ~1e-4 where |y| ≲ 0.3). No f32
 * algorithm avoids it: even an exact sum leaves m̂'s own rounding, u/2·|mean|·r. The other
 * terms are relative: Σ(x − m̂)² = n·var + n·δ² (Σ(x − mean) = 0), rounded within γ(n + 2), so
 * r̂ is off by about (n/2 + 8)·u + (δ·r)²/2 relative (WGSL's sqrt and division a few ulp);
 * with the rows we test (n ≤ a few hundred) that is inside the reduce kind's relative 2e-5,
 * and (δ·r)² is negligible wherever the result is meaningful at all. Returns the largest
 * (n + 1)·u·A·r·max|scale| over the rows; NaN and infinite rows give no bound (outside WGSL's
 * float contract).
 */
export function layerNormF32MeanError(operands: readonly Tensor[], attrs: Attrs): number {
  const { residual, paramStart } = layerNormLayout(attrs);
  const source = operands[0];
  if (source === undefined) return 0;
  const r = residual ? operands[1] : undefined;
  const scale = operands[paramStart];
  const n = normalizedShape(source.shape, attrs).reduce((p, d) => p * d, 1);
  const epsilon = floatAttr(attrs, 'epsilon');
  let scaleBound = 1;
  if (scale !== undefined) {
    scaleBound = 0;
    for (const v of scale.data) scaleBound = Math.max(scaleBound, Math.abs(v));
  }
  let worst = 0;
  for (let base = 0; base + n <= source.data.length && n > 0; base += n) {
    // The row as the kernel reads it: x, or the f32 sum x + r of a fused residual.
    const row = Array.from({ length: n }, (_, i) => Math.fround((source.data[base + i] ?? NaN) + (r === undefined ? 0 : r.data[base + i] ?? NaN)));
    if (!row.every(Number.isFinite)) continue;
    const mean = row.reduce((s, v) => s + v, 0) / n;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    const absMean = row.reduce((s, v) => s + Math.abs(v), 0) / n;
    const rstd = 1 / Math.sqrt(variance + epsilon);
    if (Number.isFinite(rstd)) worst = Math.max(worst, (n + 1) * U * absMean * rstd * scaleBound);
  }
  return worst;
}
