// Tensors in files, for `fusegraph run`: JSON (nested arrays, or { shape, data }), NumPy
// .npy (little-endian f4/f8/f2, C order) and raw little-endian f32 .bin (shape given with
// --shape). Every size is checked against the file before anything is allocated.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CompileError } from '../../ir/errors.ts';
import { formatShape, MAX_TENSOR_ELEMENTS } from '../../ir/types.ts';
import { readF32, writeF32 } from '../frontends/f32-bytes.ts';
import { decodeNumber, encodeNumber } from '../frontends/json-model/format.ts';
import { halfToFloat } from '../frontends/onnx/tensor.ts';

export interface FileTensor {
  /** Undefined for a raw .bin read without --shape. */
  readonly shape: readonly number[] | undefined;
  readonly data: Float32Array;
}

const NPY_MAGIC = '\x93NUMPY';

function flattenJson(value: unknown, depth: number, shape: number[], out: number[]): void {
  const number = decodeNumber(value);
  if (number !== undefined) {
    if (depth !== shape.length) throw new CompileError('the nested arrays are not rectangular');
    out.push(number);
    return;
  }
  if (!Array.isArray(value)) throw new CompileError(`expected numbers or nested arrays of numbers, found ${JSON.stringify(value)?.slice(0, 40) ?? 'nothing'}`);
  if (depth === shape.length) shape.push(value.length);
  else if (shape[depth] !== value.length) throw new CompileError('the nested arrays are not rectangular');
  if (out.length > MAX_TENSOR_ELEMENTS) throw new CompileError(`more than ${MAX_TENSOR_ELEMENTS} values`);
  for (const item of value) flattenJson(item, depth + 1, shape, out);
}

/** A JSON value as a tensor: nested arrays, or { "shape": [...], "data": [...] }. */
export function jsonTensor(value: unknown): FileTensor {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'data' in value) {
    const record = value as { shape?: unknown; data?: unknown };
    const inner = jsonTensor(record.data);
    if (record.shape === undefined) return inner;
    if (!Array.isArray(record.shape) || !record.shape.every((d) => Number.isSafeInteger(d) && d > 0)) throw new CompileError('"shape" must be a list of positive integers');
    const shape = record.shape as number[];
    if (shape.reduce((n, d) => n * d, 1) !== inner.data.length) throw new CompileError(`"shape" ${formatShape(shape)} does not match ${inner.data.length} values`);
    return { shape, data: inner.data };
  }
  const shape: number[] = [];
  const values: number[] = [];
  flattenJson(value, 0, shape, values);
  return { shape, data: Float32Array.from(values) };
}

export function parseNpy(bytes: Uint8Array): FileTensor {
  const text = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length < 10 || text(0, 6) !== NPY_MAGIC) throw new CompileError('not a .npy file (bad magic)');
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw new CompileError('truncated .npy header');
  const header = text(start, start + headerLength);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new CompileError('unreadable .npy header');
  if (fortran === 'True') throw new CompileError('Fortran-ordered .npy arrays are not supported (save with np.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d > 0)) throw new CompileError(`bad .npy shape (${shapeText})`);
  const count = shape.reduce((n, d) => n * d, 1);
  // |u1: 8-bit images (MNIST-style pixels), read as their integer values; <i8, <i4 and |b1:
  // token ids and masks (an integer beyond ±2^24 is refused when fed, see ir/feeds.ts).
  const width = { '<f4': 4, '<f8': 8, '<f2': 2, '|u1': 1, '|b1': 1, '<i8': 8, '<i4': 4 }[descr];
  if (width === undefined) throw new CompileError(`.npy dtype ${descr} is not supported (expected <f4, <f8, <f2, |u1, |b1, <i4 or <i8)`);
  const dataStart = start + headerLength;
  if (count > MAX_TENSOR_ELEMENTS || bytes.length - dataStart !== count * width) {
    throw new CompileError(`.npy data holds ${bytes.length - dataStart} bytes, expected ${count * width} for ${formatShape(shape)} ${descr}`);
  }
  if (descr === '<f4') return { shape, data: readF32(view, dataStart, count) };
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = npyValue(view, descr, dataStart, i);
  return { shape, data };
}

function npyValue(view: DataView, descr: string, start: number, i: number): number {
  switch (descr) {
    case '<f8': return view.getFloat64(start + i * 8, true);
    case '<i8': return Number(view.getBigInt64(start + i * 8, true));
    case '<i4': return view.getInt32(start + i * 4, true);
    case '|u1': case '|b1': return view.getUint8(start + i);
    default: return halfToFloat(view.getUint16(start + i * 2, true));
  }
}

/** Reads a tensor file by its extension; `shape` is required for .bin and checked otherwise. */
export function readTensorFile(path: string, shape?: readonly number[]): FileTensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CompileError(`cannot read the input (${error instanceof Error ? error.message : String(error)})`, { file: path });
  }
  try {
    const extension = extname(path).toLowerCase();
    let tensor: FileTensor;
    if (extension === '.json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(bytes));
      } catch (error) {
        throw new CompileError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      tensor = jsonTensor(parsed);
    } else if (extension === '.npy') {
      tensor = parseNpy(bytes);
    } else if (extension === '.bin') {
      if (bytes.length % 4 !== 0) throw new CompileError(`a raw f32 .bin file has a multiple of 4 bytes, found ${bytes.length}`);
      tensor = { shape: undefined, data: readF32(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.length / 4) };
    } else {
      throw new CompileError('unknown input format (expected .json, .npy or .bin)');
    }
    if (shape !== undefined) {
      const count = shape.reduce((n, d) => n * d, 1);
      if (count !== tensor.data.length) throw new CompileError(`--shape ${formatShape(shape)} needs ${count} values, the file holds ${tensor.data.length}`);
      return { shape, data: tensor.data };
    }
    return tensor;
  } catch (error) {
    if (error instanceof CompileError) throw error.withLocation({ file: path });
    throw error;
  }
}

/** A .npy file (version 1, little-endian f32, C order) holding `data` as `shape`. */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 6; i++) out[i] = NPY_MAGIC.charCodeAt(i);
  out[6] = 1;
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  writeF32(view, 10 + header.length, data);
  return out;
}

/** Raw little-endian f32 bytes. */
export function encodeRawF32(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  writeF32(new DataView(out.buffer), 0, data);
  return out;
}

/** Outputs as JSON: { name: { shape, data } }, non-finite values as strings. */
export function encodeJsonOutputs(outputs: readonly { name: string; shape: readonly number[]; data: Float32Array }[]): string {
  const record: Record<string, unknown> = {};
  for (const output of outputs) {
    Object.defineProperty(record, output.name, {
      value: { shape: output.shape, data: Array.from(output.data, encodeNumber) }, enumerable: true, writable: true, configurable: true,
    });
  }
  return `${JSON.stringify(record)}\n`;
}
