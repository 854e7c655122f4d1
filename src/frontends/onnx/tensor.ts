// ONNX TensorProto → a constant the importer can use: f32 data (from FLOAT, FLOAT16,
// BFLOAT16 or DOUBLE) or integers (INT64/INT32, for shapes and axes). Sizes are checked
// before anything is allocated, so a dim of 10^12 or -1 is refused, not attempted. Empty
// tensors (a dim of 0, as in Resize's unused roi) are read; only using one as data fails.

import { CompileError } from '../../../ir/errors.ts';
import { formatShape, shapeProblem } from '../../../ir/types.ts';
import { readF32 } from '../f32-bytes.ts';
import { DataType, type TensorProto } from './proto.ts';

export type KnownTensor =
  | { readonly kind: 'float'; readonly shape: readonly number[]; readonly data: Float32Array }
  /** `bool`: a BOOL tensor (values 0 and 1), which becomes a bool constant when used as data. */
  | { readonly kind: 'int'; readonly shape: readonly number[]; readonly values: readonly number[]; readonly bool?: boolean };

/** Integer tensors only hold shapes and axes: a few values, never weights. */
const MAX_INT_ELEMENTS = 1 << 16;

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING',
  9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16',
};

export function dataTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `data type ${type}`;
}

/** IEEE half → f32, exactly (every half is representable in f32). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 → f32: the upper half of an f32's bits. */
export function bfloat16ToFloat(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (bits & 0xffff) << 16);
  return view.getFloat32(0);
}

function elementCount(tensor: TensorProto, where: string, integer: boolean): number {
  const dims = tensor.dims;
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new CompileError(`${where} has an invalid shape ${formatShape(dims)} (dims must be integers >= 0)`);
  }
  if (integer) {
    const count = dims.reduce((n, d) => n * d, 1);
    if (count > MAX_INT_ELEMENTS) throw new CompileError(`${where} holds ${count} integers; fusegraph reads integer tensors only as shapes and axes`);
    return count;
  }
  if (dims.includes(0)) return 0;
  const problem = shapeProblem(dims);
  if (problem !== undefined) throw new CompileError(`${where}: ${problem}`);
  return dims.reduce((n, d) => n * d, 1);
}

function rawBytes(tensor: TensorProto, count: number, width: number, where: string): DataView | undefined {
  if (tensor.raw_data.length === 0) return undefined;
  if (tensor.raw_data.length !== count * width) {
    throw new CompileError(`${where} has ${tensor.raw_data.length} bytes of raw_data, expected ${count * width} for ${formatShape(tensor.dims)} ${dataTypeName(tensor.data_type)}`);
  }
  // raw_data sits at any offset inside the file, not 4-byte aligned: DataView reads it
  // there, little-endian whatever the host's byte order.
  return new DataView(tensor.raw_data.buffer, tensor.raw_data.byteOffset, tensor.raw_data.byteLength);
}

function checkCount(found: number, count: number, field: string, where: string): void {
  if (found !== count) throw new CompileError(`${where} has ${found} values in ${field}, expected ${count}`);
}

function readFloats(tensor: TensorProto, count: number, where: string): Float32Array {
  const out = new Float32Array(count);
  const type = tensor.data_type;
  const width = type === DataType.FLOAT ? 4 : type === DataType.DOUBLE ? 8 : 2;
  const raw = rawBytes(tensor, count, width, where);
  if (raw && type === DataType.FLOAT) return readF32(raw, 0, count);
  const read: (i: number) => number = (() => {
    switch (type) {
      case DataType.FLOAT:
        if (raw) return (i) => raw.getFloat32(i * 4, true);
        checkCount(tensor.float_data.length, count, 'float_data', where);
        return (i) => tensor.float_data[i] ?? NaN;
      case DataType.DOUBLE:
        if (raw) return (i) => raw.getFloat64(i * 8, true);
        checkCount(tensor.double_data.length, count, 'double_data', where);
        return (i) => tensor.double_data[i] ?? NaN;
      default: {
        const convert = type === DataType.FLOAT16 ? halfToFloat : bfloat16ToFloat;
        if (raw) return (i) => convert(raw.getUint16(i * 2, true));
        checkCount(tensor.int32_data.length, count, 'int32_data', where);
        return (i) => convert(tensor.int32_data[i] ?? 0);
      }
    }
  })();
  for (let i = 0; i < count; i++) out[i] = read(i);
  return out;
}

function readBytes(tensor: TensorProto, count: number, where: string): number[] {
  const raw = rawBytes(tensor, count, 1, where);
  if (raw) return Array.from({ length: count }, (_, i) => raw.getUint8(i));
  checkCount(tensor.int32_data.length, count, 'int32_data', where);
  return [...tensor.int32_data];
}

function readInts(tensor: TensorProto, count: number, where: string): number[] {
  if (tensor.data_type === DataType.BOOL || tensor.data_type === DataType.UINT8) return readBytes(tensor, count, where);
  const wide = tensor.data_type === DataType.INT64;
  const raw = rawBytes(tensor, count, wide ? 8 : 4, where);
  const values: number[] = [];
  if (raw) {
    for (let i = 0; i < count; i++) values.push(wide ? Number(raw.getBigInt64(i * 8, true)) : raw.getInt32(i * 4, true));
  } else {
    const field = wide ? tensor.int64_data : tensor.int32_data;
    checkCount(field.length, count, wide ? 'int64_data' : 'int32_data', where);
    values.push(...field);
  }
  // Exporters write INT64_MAX/INT64_MIN for "to the end" (Slice's ends): no shape comes near
  // 2^53, so such values are clamped to the largest exact integers, which mean the same.
  return values.map((v) => Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v)));
}

/** Reads an initializer or a Constant's value; `where` names it in errors. */
export function readTensor(tensor: TensorProto, where: string): KnownTensor {
  if (tensor.data_location === 1 || tensor.external_data.length > 0) {
    const location = tensor.external_data.find((e) => e.key === 'location')?.value;
    throw new CompileError(`${where} keeps its data in an external file${location ? ` (${JSON.stringify(location)})` : ''}; ` +
      'fusegraph reads self-contained models only: save with onnx.save_model(model, path, save_as_external_data=False)');
  }
  const shape = [...tensor.dims];
  switch (tensor.data_type) {
    case DataType.FLOAT: case DataType.DOUBLE: case DataType.FLOAT16: case DataType.BFLOAT16:
      return { kind: 'float', shape, data: readFloats(tensor, elementCount(tensor, where, false), where) };
    case DataType.INT64: case DataType.INT32:
      return { kind: 'int', shape, values: readInts(tensor, elementCount(tensor, where, true), where) };
    case DataType.BOOL: case DataType.UINT8: {
      const values = readInts(tensor, elementCount(tensor, where, true), where);
      return tensor.data_type === DataType.BOOL ? { kind: 'int', shape, values: values.map((v) => (v !== 0 ? 1 : 0)), bool: true } : { kind: 'int', shape, values };
    }
    default:
      throw new CompileError(`${where} has element type ${dataTypeName(tensor.data_type)}; fusegraph reads FLOAT, FLOAT16, BFLOAT16 and DOUBLE weights and INT32/INT64, BOOL and UINT8 integers`);
  }
}
