// The safetensors format (what `safetensors.torch.save_file(model.state_dict(), path)`
// writes): an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data. F32 is read as is; F16, BF16 and
// F64 are converted to f32. Every size is checked against the file before anything is read.

import { CompileError } from '../../ir/errors.ts';
import { formatShape, shapeProblem } from '../../ir/types.ts';
import { readF32, writeF32 } from './f32-bytes.ts';
import { bfloat16ToFloat, halfToFloat } from './onnx/tensor.ts';

/** A weight tensor by name: a static shape (possibly [] for a scalar) and f32 data. */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** The dtype stored in the file (F32, F16, BF16, F64). */
  readonly dtype: string;
}

const WIDTHS: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
/** A header larger than this is not a model's state dict (safetensors itself caps it at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

interface HeaderEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

function parseEntry(name: string, raw: unknown): HeaderEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (typeof raw !== 'object' || raw === null) throw new CompileError(`${where}: header entry is not an object`);
  const entry = raw as Record<string, unknown>;
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') throw new CompileError(`${where}: header has no dtype`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d))) throw new CompileError(`${where}: shape must be a list of integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new CompileError(`${where}: data_offsets must be two byte offsets`);
  }
  return { dtype, shape: shape as number[], data_offsets: [offsets[0] as number, offsets[1] as number] };
}

function decodeTensor(name: string, entry: HeaderEntry, data: DataView): NamedTensor {
  const where = `tensor ${JSON.stringify(name)}`;
  const width = WIDTHS[entry.dtype];
  if (width === undefined) {
    throw new CompileError(`${where} has dtype ${entry.dtype}; fusegraph reads F32 weights (F16, BF16 and F64 are converted)`);
  }
  if (entry.shape.length > 0) {
    const problem = shapeProblem(entry.shape);
    if (problem !== undefined) throw new CompileError(`${where}: ${problem}`);
  }
  const count = entry.shape.reduce((n, d) => n * d, 1);
  const [begin, end] = entry.data_offsets;
  if (end < begin || end > data.byteLength || end - begin !== count * width) {
    throw new CompileError(`${where}: bytes ${begin}..${end} do not hold ${formatShape(entry.shape)} ${entry.dtype} (${count * width} bytes) inside ${data.byteLength} bytes of data`);
  }
  if (entry.dtype === 'F32') return { shape: entry.shape, data: readF32(data, begin, count), dtype: entry.dtype };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = begin + i * width;
    out[i] = entry.dtype === 'F64' ? data.getFloat64(at, true)
      : entry.dtype === 'F16' ? halfToFloat(data.getUint16(at, true)) : bfloat16ToFloat(data.getUint16(at, true));
  }
  return { shape: entry.shape, data: out, dtype: entry.dtype };
}

/** Every tensor of a safetensors file, by name, in header order. */
export function readSafetensors(bytes: Uint8Array): Map<string, NamedTensor> {
  if (bytes.length < 8) throw new CompileError(`not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw new CompileError(`not a safetensors file: header length ${headerLength} does not fit in ${bytes.length} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new CompileError(`not a safetensors file: the header is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CompileError('not a safetensors file: the header is not a JSON object');
  const data = new DataView(bytes.buffer, bytes.byteOffset + 8 + headerLength, bytes.length - 8 - headerLength);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.set(name, decodeTensor(name, parseEntry(name, raw), data));
  }
  return tensors;
}

/** Writes f32 tensors as safetensors (header padded with spaces to 8 bytes, as the reference writer does). */
export function writeSafetensors(tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>): Uint8Array {
  const header: Record<string, HeaderEntry> = {};
  let offset = 0;
  for (const [name, tensor] of tensors) {
    // defineProperty: a tensor may be called "__proto__".
    const entry: HeaderEntry = { dtype: 'F32', shape: [...tensor.shape], data_offsets: [offset, offset + tensor.data.length * 4] };
    Object.defineProperty(header, name, { value: entry, enumerable: true, writable: true, configurable: true });
    offset += tensor.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    writeF32(view, at, tensor.data);
    at += tensor.data.length * 4;
  }
  return out;
}
