// Layout ops: they move data without arithmetic. Symbolic dims move with their axes.

import { KEEPS_DTYPE } from './dtype-rules.ts';
import { CompileError } from '../errors.ts';
import { constValue, divideSize, formatSize, isConstSize, sameSize, shapeSize, sizeAsDim as symSizeAsDim, type SymSize } from '../sym-size.ts';
import { formatShape, stridesOf, type Dim, type Shape, type StaticShape, type TensorType } from '../types.ts';
import { dimsAttr, intsAttr, floatAttr } from './attrs.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';

function only(inputs: readonly TensorType[]): TensorType {
  const [x] = inputs;
  if (x === undefined) throw new CompileError('expects one operand');
  return x;
}

function copy(inputs: readonly Tensor[]): Float32Array {
  return new Float32Array(inputs[0]?.data ?? []);
}

/** A size as one dim: a number, a lone symbol or a multiple `c*X` of one; undefined for anything else (N*S). */
export function sizeAsDim(size: SymSize): Dim | undefined {
  if (isConstSize(size)) return constValue(size);
  return symSizeAsDim(size);
}

/**
 * Target shape of `reshape` (ONNX's rules): 0 copies the input's dim on that axis (a symbol
 * stays a symbol), one -1 takes what is left, which must be a number or a monomial; a
 * symbolic dim (`S`, `4*N*S`) names itself, so [N*S, 32] → [S, N, 32] can be said.
 */
export function reshapeTarget(input: Shape, target: readonly (number | string)[]): Dim[] {
  const bad = target.find((d) => typeof d === 'number' && (!Number.isInteger(d) || d < -1));
  if (bad !== undefined) throw new CompileError(`target dims must be positive integers, 0 (copy) or -1, got ${bad}`);
  if (target.filter((d) => d === -1).length > 1) throw new CompileError(`at most one -1 in the target ${formatShape(target)}`);
  const resolved: Dim[] = target.map((d, axis) => {
    if (d !== 0) return d;
    const copied = input[axis];
    if (copied === undefined) throw new CompileError(`target ${formatShape(target)} copies axis ${axis} (0), which ${formatShape(input)} lacks`);
    return copied;
  });
  const total = shapeSize(input);
  const known = shapeSize(resolved.filter((d) => d !== -1));
  const free = resolved.indexOf(-1);
  if (free < 0) {
    if (!sameSize(total, known)) {
      throw new CompileError(`cannot reshape ${formatShape(input)} (${formatSize(total)} values) to ${formatShape(resolved)} (${formatSize(known)})`);
    }
    return resolved;
  }
  const rest = divideSize(total, known);
  const dim = rest === undefined ? undefined : sizeAsDim(rest);
  if (dim === undefined || (typeof dim === 'number' && dim < 1)) {
    const why = rest === undefined ? `${formatSize(total)} values over ${formatSize(known)}` : `-1 would be ${formatSize(rest)}`;
    throw new CompileError(`cannot derive the target ${formatShape(target)} of ${formatShape(input)} from the symbols (${why})`);
  }
  return resolved.map((d) => (d === -1 ? dim : d));
}

export function flattenShape(input: Shape, axisAttr: number): Dim[] {
  const rank = input.length;
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (!Number.isInteger(axis) || axis < 0 || axis > rank) {
    throw new CompileError(`axis ${axisAttr} is out of range for rank ${rank}`);
  }
  const rows = sizeAsDim(shapeSize(input.slice(0, axis)));
  const columns = sizeAsDim(shapeSize(input.slice(axis)));
  if (rows === undefined || columns === undefined) {
    throw new CompileError(`flatten at axis ${axisAttr} would multiply symbols of ${formatShape(input)} into one dim`);
  }
  return [rows, columns];
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
    attrs: { shape: { type: 'dims' } },
    doc: 'same data, new shape; 0 copies the input dim on that axis, one -1 takes the rest (a monomial), a symbolic dim is itself',
    inferType: (inputs, attrs) => ({ dtype: 'f32', shape: reshapeTarget(only(inputs).shape, dimsAttr(attrs, 'shape')) }),
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
