// `gather`: rows of a tensor picked by run-time ids (an embedding lookup), ONNX Gather on
// data. The ids are i32 of any shape; the result replaces the gathered axis by their shape.
// An id outside [-size, size) is a run-time error naming the ids and the position; negative
// ids count from the end, as ONNX defines. No backend ever reads outside the data.

import { CompileError } from '../errors.ts';
import { formatValueName } from '../names.ts';
import { formatShape, isSymbolic, sizeOf, stridesOf, type Dim, type Shape, type StaticShape, type TensorType } from '../types.ts';
import { floatAttr } from './attrs.ts';
import { ANY_DTYPE } from './dtype-rules.ts';
import { resolveAxis } from './reduce.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';

/** The split of a gather: data is [outer, size, inner] around `axis`; `count` ids. */
export interface GatherLayout {
  readonly axis: number;
  readonly size: number;
  readonly inner: number;
}

export function gatherLayout(data: Shape, attrs: Attrs): GatherLayout {
  const axis = resolveAxis(floatAttr(attrs, 'axis'), data.length);
  const size = data[axis];
  if (size === undefined || isSymbolic(size)) {
    throw new CompileError(`the gathered axis ${axis} of ${formatShape(data)} must be static`);
  }
  const inner = data.slice(axis + 1).reduce<number>((n, d) => n * (isSymbolic(d) ? NaN : d), 1);
  if (!Number.isFinite(inner)) throw new CompileError(`the axes after axis ${axis} of ${formatShape(data)} must be static`);
  return { axis, size, inner };
}

/** The one text of an id range error, shared by the interpreter and every bundle runtime. */
export function gatherIdMessage(idsName: string, id: number, position: readonly number[], size: number): string {
  return `id ${id} at position [${position.join(', ')}] of ${formatValueName(idsName)} is outside [${-size}, ${size})`;
}

/** The multi-index of flat position `flat` in `shape`. */
export function unflatten(flat: number, shape: StaticShape): number[] {
  const strides = stridesOf(shape);
  return shape.map((_, axis) => Math.floor(flat / (strides[axis] ?? 1)) % (shape[axis] ?? 1));
}

function inferGather(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [data, ids] = inputs;
  if (data === undefined || ids === undefined) throw new CompileError('gather needs data and ids');
  const { axis } = gatherLayout(data.shape, attrs);
  if (axis > 0 && ids.shape.some(isSymbolic)) {
    throw new CompileError(`ids ${formatShape(ids.shape)} with a symbolic dim can only gather along axis 0`);
  }
  const shape: Dim[] = [...data.shape.slice(0, axis), ...ids.shape, ...data.shape.slice(axis + 1)];
  return { dtype: data.dtype, shape };
}

function evaluateGather(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape, names?: readonly string[]): Float32Array {
  const [data, ids] = inputs;
  if (data === undefined || ids === undefined) throw new CompileError('gather needs data and ids');
  const { axis, size, inner } = gatherLayout(data.shape, attrs);
  const outer = sizeOf(data.shape.slice(0, axis));
  const out = new Float32Array(sizeOf(outShape));
  const count = ids.data.length;
  for (let k = 0; k < count; k++) {
    const id = ids.data[k] ?? NaN;
    if (!Number.isInteger(id) || id < -size || id >= size) {
      throw new CompileError(gatherIdMessage(names?.[1] ?? 'ids', id, unflatten(k, ids.shape), size));
    }
    const row = id < 0 ? id + size : id;
    for (let o = 0; o < outer; o++) {
      const from = (o * size + row) * inner;
      out.set(data.data.subarray(from, from + inner), (o * count + k) * inner);
    }
  }
  return out;
}

export const gatherOps = {
  gather: {
    name: 'gather', kind: 'layout', pure: true, arity: { min: 2, max: 2 },
    attrs: { axis: { type: 'int', default: 0 } },
    doc: 'data indexed along axis by i32 ids of any shape (embedding lookup; ONNX Gather); ids outside [-size, size) are a run-time error',
    dtypes: { operands: [ANY_DTYPE, ['i32']], result: (types) => types[0] ?? 'f32' },
    inferType: inferGather,
    evaluate: evaluateGather,
  },
} satisfies Record<string, OpDef>;
