// Layout ops: they move data without arithmetic. A symbolic batch must stay on axis 0.

import { KEEPS_DTYPE } from './dtype-rules.ts';
import { CompileError } from '../errors.ts';
import { formatShape, staticSize, stridesOf, symbolOf, type Dim, type Shape, type StaticShape, type TensorType } from '../types.ts';
import { intsAttr, floatAttr } from './attrs.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';

function only(inputs: readonly TensorType[]): TensorType {
  const [x] = inputs;
  if (x === undefined) throw new CompileError('expects one operand');
  return x;
}

function copy(inputs: readonly Tensor[]): Float32Array {
  return new Float32Array(inputs[0]?.data ?? []);
}

/**
 * Target shape of `reshape`: one -1 allowed. A batched input must keep its batch: then the
 * target starts with -1 (the batch) and the rest must hold one sample exactly.
 */
export function reshapeTarget(input: Shape, target: readonly number[]): Dim[] {
  const bad = target.find((d) => !Number.isInteger(d) || (d < 1 && d !== -1));
  if (bad !== undefined) throw new CompileError(`target dims must be positive integers or -1, got ${bad}`);
  if (target.filter((d) => d === -1).length > 1) throw new CompileError(`at most one -1 in the target ${formatShape(target)}`);
  const symbol = symbolOf(input);
  if (symbol !== undefined) {
    if (target[0] !== -1) {
      throw new CompileError(`input ${formatShape(input)} is batched: the target must keep the batch as a leading -1, got ${formatShape(target)}`);
    }
    const rest = target.slice(1);
    if (staticSize(rest) !== staticSize(input)) {
      throw new CompileError(`cannot reshape one sample of ${formatShape(input)} (${staticSize(input)} values) to ${formatShape(rest)}`);
    }
    return [symbol, ...rest];
  }
  const total = staticSize(input);
  const known = target.filter((d) => d !== -1).reduce((n, d) => n * d, 1);
  const out = target.map((d) => (d === -1 ? total / known : d));
  if (!out.every(Number.isInteger) || staticSize(out) !== total) {
    throw new CompileError(`cannot reshape ${formatShape(input)} (${total} values) to ${formatShape(target)}`);
  }
  return out;
}

export function flattenShape(input: Shape, axisAttr: number): Dim[] {
  const rank = input.length;
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (!Number.isInteger(axis) || axis < 0 || axis > rank) {
    throw new CompileError(`axis ${axisAttr} is out of range for rank ${rank}`);
  }
  const tail = staticSize(input.slice(axis));
  const symbol = symbolOf(input);
  if (symbol === undefined) return [staticSize(input.slice(0, axis)), tail];
  if (axis !== 1) {
    throw new CompileError(`flatten at axis ${axisAttr} would fold the batch of ${formatShape(input)} into other dims (use axis 1)`);
  }
  return [symbol, tail];
}

export function transposePerm(rank: number, attrs: Attrs): number[] {
  const perm = attrs['perm'] === undefined ? [] : [...intsAttr(attrs, 'perm')];
  return perm.length === 0 ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : perm;
}

function inferTranspose(input: Shape, perm: readonly number[]): Dim[] {
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== input.length || sorted.some((p, i) => p !== i)) {
    throw new CompileError(`perm ${formatShape(perm)} is not a permutation of ${input.length} axes`);
  }
  if (symbolOf(input) !== undefined && perm[0] !== 0) {
    throw new CompileError(`perm ${formatShape(perm)} would move the batch of ${formatShape(input)} off axis 0`);
  }
  return perm.map((p) => input[p] ?? 1);
}

function evaluateTranspose(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const x = inputs[0];
  if (x === undefined) throw new CompileError('internal: transpose without operand');
  const perm = transposePerm(x.shape.length, attrs);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  const out = new Float32Array(x.data.length);
  for (let flat = 0; flat < out.length; flat++) {
    let rest = flat;
    let offset = 0;
    for (let axis = 0; axis < outShape.length; axis++) {
      const step = outStrides[axis] ?? 1;
      const coord = Math.floor(rest / step);
      rest -= coord * step;
      offset += coord * (inStrides[perm[axis] ?? 0] ?? 0);
    }
    out[flat] = x.data[offset] ?? NaN;
  }
  return out;
}

export const layoutOps = {
  reshape: {
    dtypes: KEEPS_DTYPE,
    name: 'reshape', kind: 'layout', pure: true, arity: { min: 1, max: 1 }, view: true,
    attrs: { shape: { type: 'ints' } },
    doc: 'same data, new static shape; one -1 allowed; a batched input keeps its batch as a leading -1',
    inferType: (inputs, attrs) => ({ dtype: 'f32', shape: reshapeTarget(only(inputs).shape, intsAttr(attrs, 'shape')) }),
    evaluate: copy,
  },
  flatten: {
    dtypes: KEEPS_DTYPE,
    name: 'flatten', kind: 'layout', pure: true, arity: { min: 1, max: 1 }, view: true,
    attrs: { axis: { type: 'int', default: 1 } },
    doc: 'to 2-D: dims before axis become rows, the rest columns (ONNX Flatten)',
    inferType: (inputs, attrs) => ({ dtype: 'f32', shape: flattenShape(only(inputs).shape, floatAttr(attrs, 'axis')) }),
    evaluate: copy,
  },
  transpose: {
    dtypes: KEEPS_DTYPE,
    name: 'transpose', kind: 'layout', pure: true, arity: { min: 1, max: 1 },
    attrs: { perm: { type: 'ints', default: [] } },
    doc: 'permutes axes: out.shape[i] = in.shape[perm[i]]; empty perm reverses them',
    inferType: (inputs, attrs) => {
      const x = only(inputs);
      return { dtype: 'f32', shape: inferTranspose(x.shape, transposePerm(x.shape.length, attrs)) };
    },
    evaluate: evaluateTranspose,
  },
} satisfies Record<string, OpDef>;
