// Data sets for `inspect` and `compile --prune observed`: NumPy .npy (f32, f64, f16 or
// uint8), the IDX format of MNIST and Fashion-MNIST, JSON as `fusegraph run` reads it, any
// of them gzipped. Values are multiplied by --scale (e.g. 1/255 for pixels), then checked
// against the model's one input: the samples' trailing dims must hold one sample of it.
// An empty file, NaN or a shape that does not fit is one clear error.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { formatShape, formatType, MAX_TENSOR_ELEMENTS, staticSize, symbolOf } from '../../ir/types.ts';
import { jsonTensor, parseNpy, readTensorFile } from './tensor-files.ts';

export interface DataSet {
  readonly path: string;
  /** The file's shape (samples first). */
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** Values per sample of the model's input; values.length / sampleSize samples. */
  readonly sampleSize: number;
  readonly samples: number;
}

/** IDX element types: code → bytes and reader. */
const IDX_TYPES: Readonly<Record<number, { bytes: number; read: (view: DataView, at: number) => number }>> = {
  0x08: { bytes: 1, read: (v, at) => v.getUint8(at) },
  0x09: { bytes: 1, read: (v, at) => v.getInt8(at) },
  0x0b: { bytes: 2, read: (v, at) => v.getInt16(at, false) },
  0x0c: { bytes: 4, read: (v, at) => v.getInt32(at, false) },
  0x0d: { bytes: 4, read: (v, at) => v.getFloat32(at, false) },
  0x0e: { bytes: 8, read: (v, at) => v.getFloat64(at, false) },
};

function isIdx(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && IDX_TYPES[bytes[2] ?? -1] !== undefined && (bytes[3] ?? 0) >= 1;
}

function parseIdx(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = IDX_TYPES[bytes[2] ?? -1];
  const rank = bytes[3] ?? 0;
  if (type === undefined || bytes.length < 4 + 4 * rank) throw new CompileError('truncated IDX header');
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((n, d) => n * d, 1);
  const start = 4 + 4 * rank;
  if (count > MAX_TENSOR_ELEMENTS || bytes.length - start !== count * type.bytes) {
    throw new CompileError(`IDX data holds ${bytes.length - start} bytes, expected ${count * type.bytes} for ${formatShape(shape)}`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, start + i * type.bytes);
  return { shape, data };
}

/** "1/255", "0.5" or "2": a finite, nonzero factor. */
export function parseScale(text: string): number {
  const match = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(text);
  const value = match === null ? NaN : Number(match[1]) / (match[2] === undefined ? 1 : Number(match[2]));
  if (!Number.isFinite(value) || value === 0) throw new CompileError(`--scale must be a nonzero number or a fraction like 1/255, got '${text}'`);
  return value;
}

function decode(path: string, raw: Uint8Array): { shape: readonly number[] | undefined; data: Float32Array } {
  const gzipped = raw[0] === 0x1f && raw[1] === 0x8b;
  let bytes = raw;
  if (gzipped) {
    try {
      bytes = gunzipSync(raw);
    } catch (error) {
      throw new CompileError(`not a readable gzip file (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (bytes.length === 0) throw new CompileError('the data file is empty');
  const base = path.toLowerCase().replace(/\.gz$/, '');
  if (bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') return parseNpy(bytes);
  if (isIdx(bytes)) return parseIdx(bytes);
  if (base.endsWith('.json')) {
    const text = new TextDecoder().decode(bytes);
    if (text.trim() === '') throw new CompileError('the data file is empty');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CompileError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const tensor = jsonTensor(parsed);
    return tensor;
  }
  if (!gzipped) return readTensorFile(path);
  throw new CompileError('unknown data format (expected .npy, IDX or .json, optionally gzipped)');
}

/** Reads a data set for `graph`'s one input, scaled and checked. */
export function readDataSet(path: string, graph: Graph, scale = 1): DataSet {
  const [input] = graph.inputs;
  if (input === undefined || graph.inputs.length !== 1) {
    throw new CompileError(`a data file feeds a model with one input; this one has ${graph.inputs.length}`);
  }
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (error) {
    throw new CompileError(`cannot read the data (${error instanceof Error ? error.message : String(error)})`, { file: path });
  }
  try {
    if (raw.length === 0) throw new CompileError('the data file is empty');
    const decoded = decode(path, raw);
    const data = decoded.data;
    if (data.length === 0) throw new CompileError('the data file holds no samples');
    const batched = symbolOf(input.type.shape) !== undefined;
    const sampleSize = staticSize(input.type.shape);
    // A raw .bin has no shape of its own: it is read as whole samples.
    const shape = decoded.shape ?? [data.length / sampleSize, sampleSize];
    const perSample = batched ? shape.slice(1).reduce((n, d) => n * d, 1) : data.length;
    if (perSample !== sampleSize || data.length % sampleSize !== 0) {
      const want = batched ? `[samples, …] with ${sampleSize} values per sample` : `${sampleSize} values`;
      throw new CompileError(`data of shape ${formatShape(shape)} does not fit input ${formatValueName(input.name)}: ${formatType(input.type)} needs ${want}`);
    }
    const values = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = (data[i] ?? NaN) * scale;
      if (Number.isNaN(v)) throw new CompileError(`the data holds NaN (sample ${Math.floor(i / sampleSize)}, value ${i % sampleSize})`);
      if (!Number.isFinite(v)) throw new CompileError(`the data holds an infinite value (sample ${Math.floor(i / sampleSize)}, value ${i % sampleSize})`);
      values[i] = v;
    }
    return { path, shape, values, sampleSize, samples: data.length / sampleSize };
  } catch (error) {
    if (error instanceof CompileError) throw error.withLocation({ file: path });
    throw error;
  }
}

/** Per-feature min and max over a data set's samples: an input box the data spans. */
export function dataBox(data: DataSet): { lo: Float32Array; hi: Float32Array } {
  const lo = new Float32Array(data.sampleSize).fill(Infinity);
  const hi = new Float32Array(data.sampleSize).fill(-Infinity);
  for (let i = 0; i < data.values.length; i++) {
    const f = i % data.sampleSize;
    const v = data.values[i] ?? 0;
    if (v < (lo[f] ?? Infinity)) lo[f] = v;
    if (v > (hi[f] ?? -Infinity)) hi[f] = v;
  }
  return { lo, hi };
}
