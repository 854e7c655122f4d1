// Reductions along an axis. Softmax is stable: subtract the row max, exponentiate, divide
// by the sum (accumulated in f64), so logits of ±1e4 stay finite.

import { CompileError } from '../errors.ts';
import { formatShape, isSymbolic, sizeOf, stridesOf, type Dim, type Shape, type StaticShape, type TensorType } from '../types.ts';
import { floatAttr, intsAttr } from './attrs.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';

/** Resolves a possibly negative axis against a rank, or throws. */
export function resolveAxis(axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || resolved < 0 || resolved >= rank) {
    throw new CompileError(`axis ${axis} is out of range for rank ${rank} (expected ${-rank}..${rank - 1})`);
  }
  return resolved;
}

/** outer × axis × inner: the loop nest a reduction over `axis` runs. */
export function axisSplit(shape: StaticShape, axis: number): { outer: number; size: number; inner: number } {
  const outer = shape.slice(0, axis).reduce((n, d) => n * d, 1);
  const size = shape[axis] ?? 1;
  const inner = shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  return { outer, size, inner };
}

function evaluateSoftmax(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const x = inputs[0];
  if (x === undefined) throw new CompileError('internal: softmax without operand');
  const axis = resolveAxis(floatAttr(attrs, 'axis'), outShape.length);
  const { outer, size, inner } = axisSplit(outShape, axis);
  const out = new Float32Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number): number => (o * size + k) * inner + i;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, x.data[at(k)] ?? NaN);
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp((x.data[at(k)] ?? NaN) - max);
      for (let k = 0; k < size; k++) out[at(k)] = Math.exp((x.data[at(k)] ?? NaN) - max) / sum;
    }
  }
  return out;
}

export type ReduceCombine = 'sum' | 'mean' | 'max' | 'min';

/** The sorted, resolved axes a reduction removes (empty `axes`: every axis). */
export function reducedAxes(shape: Shape, attrs: Attrs): number[] {
  const given = intsAttr(attrs, 'axes');
  const axes = given.length === 0 ? shape.map((_, i) => i) : given.map((a) => resolveAxis(a, shape.length));
  if (new Set(axes).size !== axes.length) throw new CompileError(`axes ${formatShape(given)} repeat an axis`);
  return [...axes].sort((a, b) => a - b);
}

function inferReduce(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [x] = inputs;
  if (x === undefined) throw new CompileError('expects one operand');
  const axes = reducedAxes(x.shape, attrs);
  const keep = floatAttr(attrs, 'keepdims') !== 0;
  const shape: Dim[] = [];
  x.shape.forEach((dim, axis) => {
    if (!axes.includes(axis)) shape.push(dim);
    else if (keep) shape.push(1);
  });
  return { dtype: 'f32', shape };
}

/** max/min propagate NaN like Math.max/Math.min; sum and mean accumulate in f64, round once. */
function evaluateReduce(combine: ReduceCombine) {
  return (inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array => {
    const x = inputs[0];
    if (x === undefined) throw new CompileError('internal: reduction without operand');
    const axes = reducedAxes(x.shape, attrs);
    const strides = stridesOf(x.shape);
    const kept = x.shape.map((_, axis) => axis).filter((axis) => !axes.includes(axis));
    const count = sizeOf(axes.map((axis) => x.shape[axis] ?? 1));
    const out = new Float32Array(sizeOf(outShape));
    const keptSizes = kept.map((axis) => x.shape[axis] ?? 1);
    const reducedSizes = axes.map((axis) => x.shape[axis] ?? 1);
    for (let flat = 0; flat < out.length; flat++) {
      let base = 0;
      let rest = flat;
      for (let k = kept.length - 1; k >= 0; k--) {
        const size = keptSizes[k] ?? 1;
        base += (rest % size) * (strides[kept[k] ?? 0] ?? 0);
        rest = Math.floor(rest / size);
      }
      let acc = combine === 'max' ? -Infinity : combine === 'min' ? Infinity : 0;
      for (let r = 0; r < count; r++) {
        let at = base;
        let left = r;
        for (let k = axes.length - 1; k >= 0; k--) {
          const size = reducedSizes[k] ?? 1;
          at += (left % size) * (strides[axes[k] ?? 0] ?? 0);
          left = Math.floor(left / size);
        }
        const value = x.data[at] ?? NaN;
        acc = combine === 'max' ? Math.max(acc, value) : combine === 'min' ? Math.min(acc, value) : acc + value;
      }
      out[flat] = combine === 'mean' ? acc / count : acc;
    }
    return out;
  };
}

function reduceOp(name: string, combine: ReduceCombine, doc: string): OpDef {
  return {
    name, kind: 'reduce', pure: true, arity: { min: 1, max: 1 },
    attrs: { axes: { type: 'ints', default: [] }, keepdims: { type: 'int', default: 1 } },
    doc, inferType: inferReduce, evaluate: evaluateReduce(combine),
  };
}

export const reduceOps = {
  reduce_sum: reduceOp('reduce_sum', 'sum', 'sum over axes (empty: all; symbolic ones too), f64 accumulation rounded once; keepdims keeps them as 1'),
  reduce_mean: reduceOp('reduce_mean', 'mean', 'mean over axes: the f64 sum divided by the count, rounded once (global average pooling is reduce_mean over [2, 3])'),
  reduce_max: reduceOp('reduce_max', 'max', 'max over axes; NaN propagates'),
  reduce_min: reduceOp('reduce_min', 'min', 'min over axes; NaN propagates'),
  softmax: {
    name: 'softmax', kind: 'reduce', pure: true, arity: { min: 1, max: 1 },
    attrs: { axis: { type: 'int', default: -1 } },
    doc: 'exp(x - max) / sum(exp(x - max)) along axis; NaN in a row makes the row NaN',
    inferType: (inputs: readonly TensorType[], attrs: Attrs): TensorType => {
      const [x] = inputs;
      if (x === undefined) throw new CompileError('expects one operand');
      resolveAxis(floatAttr(attrs, 'axis'), x.shape.length);
      return x;
    },
    evaluate: evaluateSoftmax,
  },
} satisfies Record<string, OpDef>;
