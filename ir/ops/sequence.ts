// The transformer ops: `layer_norm` and the fused `attention`.
//
// layer_norm(x[, r][, scale[, bias]]) {axis, epsilon, residual} normalizes over the trailing
// axes from `axis` (ONNX LayerNormalization); with residual = 1 the row is the f32 sum x + r
// (r of x's shape): layer_norm(add(x, r)) in one pass. Per row: mean and variance in f64 (the variance of x − mean,
// two passes), n = f32((x − mean) / sqrt(var + epsilon)) rounded once, then y = f32(n · scale)
// + bias in f32, exactly as mul and add nodes after it would. Error budget against the f32
// decomposition PyTorch exports (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, each
// rounding to f32): that form is off by at most about 8·2⁻²⁴·|n| + 2⁻²⁴·|mean| / σ per
// normalized value (its rounded mean cancels against x); this op is within 2⁻²⁴·|n| of exact.
//
// attention(q, k, v[, mask]) {scale} = softmax(q·kᵀ·scale + mask, last axis) · v for
// q [..., Sq, D], k [..., Sk, D], v [..., Sk, Dv] with identical leading dims, and an additive
// float mask that broadcasts to [..., Sq, Sk]. Reference: logits s = f32(f32(q·k) · scale) +
// mask (dot in f64), the interpreter's softmax (row max, f64 sum, f32 weights), then the
// weighted sum of v in f64 rounded once. Fused kernels never hold the Sq×Sk matrix.
// Padding masks are additive masks holding -inf at masked keys (fuse-attention turns a bool
// mask into where(m, -inf, 0)): a masked key's weight is exactly 0, and a row whose every
// key is -inf is NaN (exp(-inf - -inf)), as ONNX's Softmax and PyTorch give; every backend
// follows (kernels skip a tile whose running max is still -inf and divide 0 by 0 at the end,
// WGSL writes the NaN explicitly).

import { CompileError } from '../errors.ts';
import { formatShape, formatType, isSymbolic, sameShape, sizeOf, stridesOf, type Dim, type StaticShape, type TensorType } from '../types.ts';
import { floatAttr } from './attrs.ts';
import { broadcastShapes, broadcastStrides } from './broadcast.ts';
import { resolveAxis } from './reduce.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';

/** The trailing normalized shape of a layer_norm input, which must be static. */
export function normalizedShape(shape: readonly Dim[], attrs: Attrs): number[] {
  const axis = resolveAxis(floatAttr(attrs, 'axis'), shape.length);
  const tail = shape.slice(axis);
  if (tail.some(isSymbolic)) throw new CompileError(`cannot normalize over the symbolic axis of ${formatShape(shape)}`);
  return tail as number[];
}

function stripOnes(shape: readonly Dim[]): readonly Dim[] {
  let start = 0;
  while (start < shape.length - 1 && shape[start] === 1) start++;
  return shape.slice(start);
}

/** Where a layer_norm node's operands sit: x, the residual r if fused, then scale and bias. */
export function layerNormLayout(attrs: Attrs): { residual: boolean; paramStart: number } {
  const residual = floatAttr(attrs, 'residual') !== 0;
  return { residual, paramStart: residual ? 2 : 1 };
}

function inferLayerNorm(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const { residual, paramStart } = layerNormLayout(attrs);
  const x = inputs[0];
  const params = inputs.slice(paramStart);
  if (x === undefined || inputs.length < paramStart || params.length > 2) {
    throw new CompileError(residual ? 'expects x, r[, scale[, bias]] (residual = 1)' : 'expects x[, scale[, bias]]');
  }
  const r = inputs[1];
  if (residual && r !== undefined && !sameShape(r.shape, x.shape)) {
    throw new CompileError(`the residual must have x's shape ${formatType(x)}, got ${formatType(r)}`);
  }
  const tail = normalizedShape(x.shape, attrs);
  const want = stripOnes(tail);
  params.forEach((param, index) => {
    if (!sameShape(stripOnes(param.shape), want)) {
      throw new CompileError(`${index === 0 ? 'scale' : 'bias'} must have the normalized shape ${formatShape(tail)}, got ${formatType(param)}`);
    }
  });
  return { dtype: 'f32', shape: x.shape };
}

function evaluateLayerNorm(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const { residual, paramStart } = layerNormLayout(attrs);
  const [scale, bias] = inputs.slice(paramStart);
  const source = inputs[0];
  const r = inputs[1];
  if (source === undefined || (residual && r === undefined)) throw new CompileError('internal: layer_norm without operand');
  // The fused residual is an f32 add, exactly as add(x, r) before the op would be.
  const x = residual && r !== undefined ? { data: source.data.map((v, i) => v + (r.data[i] ?? NaN)) } : source;
  const size = sizeOf(normalizedShape(outShape, attrs));
  const epsilon = floatAttr(attrs, 'epsilon');
  const out = new Float32Array(x.data.length);
  for (let base = 0; base < x.data.length; base += size) {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += x.data[base + i] ?? NaN;
    const mean = sum / size;
    let squares = 0;
    for (let i = 0; i < size; i++) squares += ((x.data[base + i] ?? NaN) - mean) ** 2;
    const rstd = 1 / Math.sqrt(squares / size + epsilon);
    for (let i = 0; i < size; i++) {
      let y = Math.fround(((x.data[base + i] ?? NaN) - mean) * rstd);
      if (scale !== undefined) y = Math.fround(y * (scale.data[i] ?? NaN));
      if (bias !== undefined) y = Math.fround(y + (bias.data[i] ?? NaN));
      out[base + i] = y;
    }
  }
  return out;
}

/** Leading dims, Sq, Sk, D and Dv of an attention node's operands, checked. */
export function attentionDims(inputs: readonly TensorType[]): { lead: Dim[]; sq: Dim; sk: Dim; d: number; dv: number } {
  const [q, k, v, mask] = inputs;
  if (q === undefined || k === undefined || v === undefined) throw new CompileError('expects q, k, v[, mask]');
  const rank = q.shape.length;
  if (rank < 2 || k.shape.length !== rank || v.shape.length !== rank) {
    throw new CompileError(`q, k and v must have one rank >= 2, got ${formatType(q)}, ${formatType(k)}, ${formatType(v)}`);
  }
  const lead = q.shape.slice(0, -2);
  if (!sameShape(k.shape.slice(0, -2), lead) || !sameShape(v.shape.slice(0, -2), lead)) {
    throw new CompileError(`q, k and v must share their leading dims, got ${formatType(q)}, ${formatType(k)}, ${formatType(v)}`);
  }
  const [sq, d] = q.shape.slice(-2) as [Dim, Dim];
  const [sk, dk] = k.shape.slice(-2) as [Dim, Dim];
  const [skv, dv] = v.shape.slice(-2) as [Dim, Dim];
  if (typeof d !== 'number' || dk !== d || !sameShape([skv], [sk]) || typeof dv !== 'number') {
    throw new CompileError(`needs q [..., Sq, D], k [..., Sk, D], v [..., Sk, Dv] with static D, Dv (Sq, Sk may be symbols), got ${formatType(q)}, ${formatType(k)}, ${formatType(v)}`);
  }
  if (mask !== undefined) {
    const scores = [...lead, sq, sk];
    let fits = mask.shape.length <= scores.length;
    try {
      fits &&= sameShape(broadcastShapes([mask.shape, scores]), scores);
    } catch {
      fits = false;
    }
    if (!fits) throw new CompileError(`mask ${formatType(mask)} must broadcast to the scores ${formatShape(scores)}`);
  }
  return { lead, sq, sk, d, dv };
}

function evaluateAttention(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const [q, k, v, mask] = inputs;
  if (q === undefined || k === undefined || v === undefined) throw new CompileError('internal: attention without operands');
  const scale = floatAttr(attrs, 'scale');
  const [sq = 1, d = 1] = q.shape.slice(-2);
  const [sk = 1, dv = 1] = v.shape.slice(-2);
  const batches = sizeOf(q.shape.slice(0, -2));
  const scoresShape = [...q.shape.slice(0, -2), sq, sk];
  const maskStrides = mask === undefined ? [] : broadcastStrides(mask.shape, scoresShape);
  const scoreStrides = stridesOf(scoresShape);
  const out = new Float32Array(sizeOf(outShape));
  const s = new Float64Array(sk);
  for (let p = 0; p < batches; p++) {
    for (let i = 0; i < sq; i++) {
      let max = -Infinity;
      for (let j = 0; j < sk; j++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += (q.data[(p * sq + i) * d + t] ?? NaN) * (k.data[(p * sk + j) * d + t] ?? NaN);
        let logit = Math.fround(Math.fround(dot) * scale);
        if (mask !== undefined) {
          let at = 0;
          let rest = (p * sq + i) * sk + j;
          scoreStrides.forEach((stride, axis) => {
            const coord = Math.floor(rest / stride);
            rest -= coord * stride;
            at += coord * (maskStrides[axis] ?? 0);
          });
          logit = Math.fround(logit + (mask.data[at] ?? NaN));
        }
        s[j] = logit;
        max = Math.max(max, logit);
      }
      let sum = 0;
      for (let j = 0; j < sk; j++) sum += Math.exp((s[j] ?? NaN) - max);
      for (let c = 0; c < dv; c++) {
        let acc = 0;
        for (let j = 0; j < sk; j++) acc += Math.fround(Math.exp((s[j] ?? NaN) - max) / sum) * (v.data[(p * sk + j) * dv + c] ?? NaN);
        out[(p * sq + i) * dv + c] = acc;
      }
    }
  }
  return out;
}

const finite = (value: number): string | undefined => (Number.isFinite(value) ? undefined : 'must be finite');

export const sequenceOps = {
  layer_norm: {
    name: 'layer_norm', kind: 'reduce', pure: true, arity: { min: 1, max: 4 },
    attrs: {
      axis: { type: 'int', default: -1 },
      residual: { type: 'int', default: 0 },
      epsilon: { type: 'float', default: 1e-5, check: (e) => (Number.isFinite(e) && e >= 0 ? undefined : 'must be a finite number >= 0') },
    },
    doc: '(x - mean) / sqrt(var + epsilon) over the axes from `axis` on (f64 statistics), then · scale + bias; residual = 1: of x + r',
    inferType: inferLayerNorm,
    evaluate: evaluateLayerNorm,
  },
  attention: {
    name: 'attention', kind: 'linear', pure: true, arity: { min: 3, max: 4 },
    attrs: { scale: { type: 'float', default: 1, check: finite } },
    doc: 'softmax(q·kᵀ·scale + mask) · v over the last axis; q [..., Sq, D], k [..., Sk, D], v [..., Sk, Dv], additive mask',
    inferType: (inputs: readonly TensorType[]): TensorType => {
      const { lead, sq, dv } = attentionDims(inputs);
      return { dtype: 'f32', shape: [...lead, sq, dv] };
    },
    evaluate: evaluateAttention,
  },
} satisfies Record<string, OpDef>;
