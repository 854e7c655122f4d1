// Tighter bounds for a `linear` deep in an MLP by back-substitution (DeepPoly, Singh et al.
// 2019; CROWN, Zhang et al. 2018): the layer's output is written as a linear function of the
// graph input, each ReLU-like activation on the way replaced by the two lines that enclose it
// over its input's bounds, and that function is bounded over the input box. Interval bounds
// lose the correlations between units; this keeps them through affine layers.
//
//  1. Start from the layer's rows: z = W·h + b + e, where e is the f32 rounding of the dot
//     product, |e_j| <= ε_j (the slack dot-bounds.ts uses, from h's interval bounds).
//  2. Walking back: through an affine layer, coefficients Λ become Λ·W and the constant takes
//     Λ·b ± |Λ|·ε; through relu / leaky_relu / prelu (slope in [0, 1]) on bounds [l, u], a
//     coefficient λ >= 0 takes the upper line of the activation, λ < 0 the lower one (for the
//     upper bound; the lower bound is minus the upper bound of -z).
//  3. At the graph input, or at any value the walk cannot pass (another op, a NaN-able or
//     unbounded value), the linear function is bounded by that value's interval bounds.
// Every step runs in f64 beside a magnitude (the same walk on absolute values): 1e-10 of it
// covers the f64 rounding of the walk itself, far above its γ(n)·2^-53 bound. The result is
// intersected with the interval bounds, so it can only tighten them.
//
// A `conv` (without a residual) is affine too: it is written out as its dense matrix over the
// flattened [C, H, W] values (padding taps are absent entries) and walked like a linear, when
// that matrix and the walk stay below MAX_DENSE entries; larger convs, and every op the walk
// cannot pass (pooling, a per-channel scale), are bounded by their interval bounds; views
// (flatten, reshape) pass unchanged.

import type { Graph, Node } from '../../ir/graph.ts';
import { activationAttr, convLayout, floatAttr, forEachIndex, linearLayout, OPS, tensorAttr, windowGeometry, type Attrs } from '../../ir/ops/index.ts';
import { stridesOf } from '../../ir/types.ts';
import type { Bounds } from './bounds.ts';
import { gamma32, U32 } from './f32-round.ts';

/**
 * Activations of the form max(y, s·y) with 0 <= s <= 1 (the relaxation below assumes that
 * shape), by op name: the slope s per unit, from the attributes or the parameter operand.
 */
const NEGATIVE_SIDE_SLOPE: Readonly<Record<string, (attrs: Attrs, param: Float32Array | undefined, units: number) => Float64Array | undefined>> = {
  relu: (_attrs, _param, units) => new Float64Array(units),
  // The interpreter multiplies by alpha rounded to f32.
  leaky_relu: (attrs, _param, units) => new Float64Array(units).fill(Math.fround(floatAttr(attrs, 'alpha'))),
  prelu: (_attrs, param, units) => (param === undefined ? undefined : param.length === 1 ? new Float64Array(units).fill(param[0] ?? NaN) : Float64Array.from(param)),
};

export interface BoundsSoFar {
  readonly values: ReadonlyMap<string, Bounds>;
  readonly preActivation: ReadonlyMap<string, Bounds>;
}

interface Linear {
  readonly w: Float32Array;
  readonly b: Float32Array | undefined;
  readonly out: number;
  readonly k: number;
}

/** Entries a conv's dense matrix, or a walk's rows × coefficients, may have. */
const MAX_DENSE = 1 << 22;

/** A per-sample vector: bounds of one sample ([1, ...] at batch 1, or [n]), flattened. */
function vector(bounds: Bounds | undefined): Bounds | undefined {
  if (bounds === undefined) return undefined;
  const ok = bounds.shape[0] === 1 || bounds.shape.length === 1;
  if (!ok || bounds.nan.some((f) => f !== 0) || !bounds.lo.every(Number.isFinite) || !bounds.hi.every(Number.isFinite)) return undefined;
  return bounds;
}

/** conv(x, W, b) over one sample as a dense matrix [outputs, inputs] (row-major flattening). */
function convMatrix(xShape: readonly number[], w: Float32Array, wShape: readonly number[], bias: Float32Array | undefined, attrs: Attrs): Linear | undefined {
  const g = windowGeometry(xShape.slice(2), wShape.slice(2), attrs);
  const [, channels = 1] = xShape;
  const [outChannels = 1, groupChannels = 1] = wShape;
  const perGroup = outChannels / floatAttr(attrs, 'group');
  const k = xShape.slice(1).reduce((n, d) => n * d, 1);
  const positions = g.outSize.reduce((n, d) => n * d, 1);
  const out = outChannels * positions;
  if (out * k > MAX_DENSE || channels % groupChannels !== 0) return undefined;
  const xStrides = stridesOf(xShape.slice(1));
  const wStrides = stridesOf(wShape);
  const dense = new Float32Array(out * k);
  const b = bias === undefined ? undefined : new Float32Array(out);
  let row = 0;
  for (let m = 0; m < outChannels; m++) {
    const first = Math.floor(m / perGroup) * groupChannels;
    forEachIndex(g.outSize, (o) => {
      if (b !== undefined) b[row] = bias?.[m] ?? NaN;
      for (let c = 0; c < groupChannels; c++) {
        forEachIndex(g.kernel, (t) => {
          let xAt = (first + c) * (xStrides[0] ?? 0);
          let wAt = m * (wStrides[0] ?? 0) + c * (wStrides[1] ?? 0);
          for (let axis = 0; axis < t.length; axis++) {
            const i = (o[axis] ?? 0) * (g.strides[axis] ?? 1) + (t[axis] ?? 0) * (g.dilations[axis] ?? 1) - (g.padBegin[axis] ?? 0);
            if (i < 0 || i >= (g.inSize[axis] ?? 0)) return;
            xAt += i * (xStrides[axis + 1] ?? 0);
            wAt += (t[axis] ?? 0) * (wStrides[axis + 2] ?? 0);
          }
          dense[row * k + xAt] = (dense[row * k + xAt] ?? 0) + (w[wAt] ?? NaN);
        });
      }
      row++;
    });
  }
  return { w: dense, b, out, k };
}

/** Rows of an upper-bound walk: coefficients on the current value, constants, magnitudes. */
interface Walk {
  coef: Float64Array[];
  mag: Float64Array[];
  c: Float64Array;
  cMag: Float64Array;
}

/** The activation's two enclosing lines over [l, u]: h >= lowSlope·y, h <= upSlope·y + upShift. */
function relaxation(slope: number, l: number, u: number): { lowSlope: number; upSlope: number; upShift: number } {
  if (u <= 0) return { lowSlope: slope, upSlope: slope, upShift: 0 };
  if (l >= 0) return { lowSlope: 1, upSlope: 1, upShift: 0 };
  const upSlope = (u - slope * l) / (u - l);
  return { lowSlope: u > -l ? 1 : slope, upSlope, upShift: u - upSlope * u };
}

export class BackSubstitution {
  private readonly producers: Map<string, Node>;
  private readonly inputs: Set<string>;

  constructor(private readonly graph: Graph, private readonly known: BoundsSoFar) {
    this.producers = new Map(graph.nodes.map((n) => [n.name, n]));
    this.inputs = new Set(graph.inputs.map((v) => v.name));
  }

  private constData(name: string | undefined): Float32Array | undefined {
    const node = name === undefined ? undefined : this.producers.get(name);
    return node?.op === 'const' ? tensorAttr(node.attrs, 'value').data : undefined;
  }

  /** A linear's or a residual-free conv's affine map over one sample, with constant operands. */
  private linearOf(node: Node): Linear | undefined {
    const w = this.constData(node.inputs[1]);
    const wShape = this.producers.get(node.inputs[1] ?? '')?.type.shape;
    if (w === undefined || wShape === undefined) return undefined;
    const layout = node.op === 'conv' ? convLayout(node.inputs.length, node.attrs) : linearLayout(node.inputs.length, node.attrs);
    const b = layout.hasBias ? this.constData(node.inputs[2]) : undefined;
    if (layout.hasBias && b === undefined) return undefined;
    if (node.op === 'linear') return { w, b, out: Number(wShape[0]), k: Number(wShape[1]) };
    if (node.op !== 'conv' || ('residual' in layout && layout.residual !== undefined)) return undefined;
    const x = this.known.values.get(node.inputs[0] ?? '');
    if (x === undefined || x.shape[0] !== 1) return undefined;
    return convMatrix(x.shape, w, wShape.map(Number), b, node.attrs);
  }

  /** Whether a walk of `rows` rows over a value of `k` elements stays small enough. */
  private static fits(rows: number, k: number): boolean {
    return rows * k <= MAX_DENSE;
  }

  /**
   * Per-element slope of a ReLU-like activation in [0, 1], or undefined for any other. A
   * per-channel parameter of a [1, C, ...] value repeats over the channel's positions.
   */
  private slopes(op: string, attrs: Node['attrs'], param: string | undefined, value: Bounds): Float64Array | undefined {
    const units = value.lo.length;
    const slope = Object.hasOwn(NEGATIVE_SIDE_SLOPE, op) ? NEGATIVE_SIDE_SLOPE[op] : undefined;
    const data = this.constData(param);
    const channels = value.shape.length >= 3 ? value.shape[1] ?? 1 : units;
    const perChannel = data !== undefined && data.length > 1 && data.length === channels && channels !== units;
    const expanded = perChannel ? Float32Array.from({ length: units }, (_, i) => data[Math.floor(i / (units / channels))] ?? NaN) : data;
    const values = slope?.(attrs, expanded, units);
    return values !== undefined && values.length === units && values.every((s) => s >= 0 && s <= 1) ? values : undefined;
  }

  /** Bounds the walk's rows by a value's interval bounds. */
  private concretize(walk: Walk, bounds: Bounds): Float64Array {
    return walk.c.map((c, r) => {
      let sum = c;
      let mag = walk.cMag[r] ?? 0;
      const coef = walk.coef[r] ?? new Float64Array();
      const abs = walk.mag[r] ?? new Float64Array();
      for (let i = 0; i < coef.length; i++) {
        const a = coef[i] ?? 0;
        const lo = bounds.lo[i] ?? 0;
        const hi = bounds.hi[i] ?? 0;
        sum += a >= 0 ? a * hi : a * lo;
        mag += (abs[i] ?? 0) * Math.max(Math.abs(lo), Math.abs(hi));
      }
      return sum + 1e-10 * mag;
    });
  }

  /** Through z = W·h + b + e: coefficients on h, with the rounding e as a worst case. */
  private affine(walk: Walk, layer: Linear, h: Bounds): Walk {
    const eps = new Float64Array(layer.out);
    for (let j = 0; j < layer.out; j++) {
      let magnitude = Math.abs(layer.b?.[j] ?? 0);
      for (let t = 0; t < layer.k; t++) magnitude += Math.max(Math.abs(h.lo[t] ?? 0), Math.abs(h.hi[t] ?? 0)) * Math.abs(layer.w[j * layer.k + t] ?? 0);
      eps[j] = gamma32(layer.k + 3) * magnitude * (1 + 2 ** -40);
    }
    const rows = walk.coef.length;
    const next: Walk = { coef: [], mag: [], c: Float64Array.from(walk.c), cMag: Float64Array.from(walk.cMag) };
    for (let r = 0; r < rows; r++) {
      const coef = new Float64Array(layer.k);
      const mag = new Float64Array(layer.k);
      const lambda = walk.coef[r] ?? new Float64Array();
      const lambdaMag = walk.mag[r] ?? new Float64Array();
      for (let j = 0; j < layer.out; j++) {
        const l = lambda[j] ?? 0;
        const lm = lambdaMag[j] ?? 0;
        if (l === 0 && lm === 0) continue;
        const bias = layer.b?.[j] ?? 0;
        next.c[r] = (next.c[r] ?? 0) + l * bias + Math.abs(l) * (eps[j] ?? 0);
        next.cMag[r] = (next.cMag[r] ?? 0) + lm * (Math.abs(bias) + (eps[j] ?? 0));
        const base = j * layer.k;
        for (let t = 0; t < layer.k; t++) {
          const w = layer.w[base + t] ?? 0;
          coef[t] = (coef[t] ?? 0) + l * w;
          mag[t] = (mag[t] ?? 0) + lm * Math.abs(w);
        }
      }
      next.coef.push(coef);
      next.mag.push(mag);
    }
    return next;
  }

  /** Through h = act(y) on y's bounds: each coefficient takes the line that bounds from above. */
  private activation(walk: Walk, slopes: Float64Array, y: Bounds): Walk {
    const next: Walk = { coef: [], mag: [], c: Float64Array.from(walk.c), cMag: Float64Array.from(walk.cMag) };
    walk.coef.forEach((lambda, r) => {
      const coef = new Float64Array(lambda.length);
      const mag = new Float64Array(lambda.length);
      const lambdaMag = walk.mag[r] ?? new Float64Array();
      for (let j = 0; j < lambda.length; j++) {
        const l = lambda[j] ?? 0;
        const s = slopes[j] ?? 0;
        const lo = y.lo[j] ?? 0;
        const hi = y.hi[j] ?? 0;
        const line = relaxation(s, lo, hi);
        // s·y rounds to f32 on the negative side: one unit roundoff of its largest size.
        const err = s === 0 ? 0 : U32 * s * Math.max(Math.abs(lo), Math.abs(hi));
        const slope = l >= 0 ? line.upSlope : line.lowSlope;
        const shift = l >= 0 ? line.upShift : 0;
        coef[j] = l * slope;
        mag[j] = (lambdaMag[j] ?? 0) * Math.abs(slope);
        next.c[r] = (next.c[r] ?? 0) + l * shift + Math.abs(l) * err;
        next.cMag[r] = (next.cMag[r] ?? 0) + (lambdaMag[j] ?? 0) * (Math.abs(shift) + err);
      }
      next.coef.push(coef);
      next.mag.push(mag);
    });
    return next;
  }

  /** Upper bounds of the walk's rows over the value `name` (recursively back to the input). */
  private upper(walk: Walk, name: string, depth: number): Float64Array | undefined {
    const here = vector(this.known.values.get(name));
    if (here === undefined) return undefined;
    const node = this.producers.get(name);
    if (this.inputs.has(name) || node === undefined || depth > 64) return this.concretize(walk, here);
    if (node.op === 'linear' || node.op === 'conv') {
      const layer = this.linearOf(node);
      const activation = activationAttr(node.attrs);
      const x = vector(this.known.values.get(node.inputs[0] ?? ''));
      if (layer === undefined || x === undefined || x.lo.length !== layer.k || !BackSubstitution.fits(walk.coef.length, layer.k)) return this.concretize(walk, here);
      if (activation === undefined) return this.upper(this.affine(walk, layer, x), node.inputs[0] ?? '', depth + 1);
      const pre = vector(this.known.preActivation.get(node.name));
      const { paramStart } = node.op === 'conv' ? convLayout(node.inputs.length, node.attrs) : linearLayout(node.inputs.length, node.attrs);
      const slopes = pre === undefined ? undefined : this.slopes(activation.op, activation.attrs, node.inputs[paramStart], pre);
      if (pre === undefined || slopes === undefined) return this.concretize(walk, here);
      return this.upper(this.affine(this.activation(walk, slopes, pre), layer, x), node.inputs[0] ?? '', depth + 1);
    }
    const y = vector(this.known.values.get(node.inputs[0] ?? ''));
    // A view (flatten, reshape) keeps the sample's values in the same row-major order.
    if (OPS[node.op].view === true && y !== undefined && y.lo.length === here.lo.length) return this.upper(walk, node.inputs[0] ?? '', depth + 1);
    const slopes = y === undefined || y.lo.length !== here.lo.length ? undefined : this.slopes(node.op, node.attrs, node.inputs[1], y);
    if (y === undefined || slopes === undefined) return this.concretize(walk, here);
    return this.upper(this.activation(walk, slopes, y), node.inputs[0] ?? '', depth + 1);
  }

  /**
   * Bounds of a linear node's result before its activation, or undefined where there is
   * nothing to gain (its input is a graph input: interval bounds are then already exact).
   */
  refine(node: Node): { lo: Float64Array; hi: Float64Array } | undefined {
    const layer = this.linearOf(node);
    const xName = node.inputs[0] ?? '';
    const x = vector(this.known.values.get(xName));
    if (layer === undefined || x === undefined || x.lo.length !== layer.k || this.inputs.has(xName) || !this.producers.has(xName)) return undefined;
    if (!BackSubstitution.fits(layer.out, layer.k)) return undefined;
    const start = (sign: number): Walk => ({
      coef: Array.from({ length: layer.out }, (_, j) => Float64Array.from(layer.w.subarray(j * layer.k, (j + 1) * layer.k), (w) => sign * w)),
      mag: Array.from({ length: layer.out }, (_, j) => Float64Array.from(layer.w.subarray(j * layer.k, (j + 1) * layer.k), Math.abs)),
      c: Float64Array.from({ length: layer.out }, (_, j) => sign * (layer.b?.[j] ?? 0)),
      cMag: Float64Array.from({ length: layer.out }, (_, j) => Math.abs(layer.b?.[j] ?? 0)),
    });
    const hi = this.upper(start(1), xName, 0);
    const negLo = this.upper(start(-1), xName, 0);
    if (hi === undefined || negLo === undefined) return undefined;
    // The layer's own rounding: the same ε as its interval bound.
    const own = new Float64Array(layer.out);
    for (let j = 0; j < layer.out; j++) {
      let magnitude = Math.abs(layer.b?.[j] ?? 0);
      for (let t = 0; t < layer.k; t++) magnitude += Math.max(Math.abs(x.lo[t] ?? 0), Math.abs(x.hi[t] ?? 0)) * Math.abs(layer.w[j * layer.k + t] ?? 0);
      own[j] = gamma32(layer.k + 3) * magnitude * (1 + 2 ** -40);
    }
    return { lo: negLo.map((v, j) => -v - (own[j] ?? 0)), hi: hi.map((v, j) => v + (own[j] ?? 0)) };
  }
}
