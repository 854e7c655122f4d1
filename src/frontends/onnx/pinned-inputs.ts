// Inputs pinned at compile time (`--input-value sr=16000`): the declared input becomes a
// constant of its declared element type and shape, so shape code and control flow that read
// it are evaluated at import. A model's sample-rate or mode switch is the typical case.

import { CompileError } from '../../../ir/errors.ts';
import { formatValueName } from '../../../ir/names.ts';
import { formatShape } from '../../../ir/types.ts';
import { DataType, type ValueInfoProto } from './proto.ts';
import { dataTypeName, type KnownTensor } from './tensor.ts';

const FLOAT_TYPES: readonly number[] = [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16];
const INT_TYPES: readonly number[] = [DataType.INT64, DataType.INT32, DataType.BOOL, DataType.INT8, DataType.UINT8, DataType.INT16, DataType.UINT16, DataType.UINT32];

/** The declared shape, with any symbolic dim read as 1 when one value is given. */
function pinnedShape(info: ValueInfoProto, count: number): number[] {
  const dims = info.type?.tensor_type?.shape?.dim;
  if (dims === undefined || dims === null) return count === 1 ? [] : [count];
  const fixed = dims.map((dim) => (Object.hasOwn(dim, 'dim_value') && (dim.dim_param ?? '') === '' ? dim.dim_value ?? -1 : -1));
  if (fixed.every((d) => d >= 0)) {
    const size = fixed.reduce((n, d) => n * d, 1);
    if (size !== count) throw new CompileError(`--input-value ${formatValueName(info.name)}: the input holds ${size} values (${formatShape(fixed)}), ${count} given`);
    return fixed;
  }
  if (count === 1) return fixed.map(() => 1);
  throw new CompileError(`--input-value ${formatValueName(info.name)}: the input's shape has symbolic dims; pin it with one value or give the model a static shape`);
}

/** The constant a pinned input stands for; every problem names the input. */
export function pinnedInput(inputs: readonly ValueInfoProto[], name: string, values: readonly number[]): KnownTensor {
  const info = inputs.find((input) => input.name === name);
  if (info === undefined) {
    throw new CompileError(`--input-value names ${formatValueName(name)}, which is not an input of the model (inputs: ${inputs.map((i) => formatValueName(i.name)).join(', ') || 'none'})`);
  }
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new CompileError(`--input-value ${formatValueName(name)} needs finite numbers, got ${JSON.stringify(values)}`);
  }
  const elemType = info.type?.tensor_type?.elem_type ?? DataType.FLOAT;
  const shape = pinnedShape(info, values.length);
  if (FLOAT_TYPES.includes(elemType)) return { kind: 'float', shape, data: Float32Array.from(values) };
  if (INT_TYPES.includes(elemType)) {
    if (!values.every(Number.isSafeInteger)) throw new CompileError(`--input-value ${formatValueName(name)}: the input is ${dataTypeName(elemType)}, so its values must be integers`);
    return { kind: 'int', shape, values: elemType === DataType.BOOL ? values.map((v) => (v !== 0 ? 1 : 0)) : [...values] };
  }
  throw new CompileError(`--input-value ${formatValueName(name)}: inputs of type ${dataTypeName(elemType)} cannot be pinned`);
}
