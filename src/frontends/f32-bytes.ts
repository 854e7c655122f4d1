// Little-endian f32 data in files (ONNX raw_data, safetensors, .bin sidecars). Bits move as
// 32-bit integers, never through JS numbers, so NaN payloads and -0 survive on any host;
// DataView also reads at any offset, as raw_data inside a protobuf is rarely 4-byte aligned.

/** `count` f32 values starting at `byteOffset` of `view`. */
export function readF32(view: DataView, byteOffset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) bits[i] = view.getUint32(byteOffset + i * 4, true);
  return out;
}

/** Writes `data` at `byteOffset` of `view`. */
export function writeF32(view: DataView, byteOffset: number, data: Float32Array): void {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < bits.length; i++) view.setUint32(byteOffset + i * 4, bits[i] ?? 0, true);
}
