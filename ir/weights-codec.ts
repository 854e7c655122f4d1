// Weights in the full text form: the little-endian bytes of the f32 data as base64. Bits are
// copied as integers, never through JS numbers, so NaN payloads (signalling ones too) and -0
// survive a round trip on any host.

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Little-endian f32 bytes as base64. */
export function encodeWeights(data: Float32Array): string {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < bits.length; i++) view.setUint32(i * 4, bits[i] ?? 0, true);
  return Buffer.from(bytes).toString('base64');
}

/** The f32 data of an encodeWeights string, or a message saying what is wrong with it. */
export function decodeWeights(text: string): Float32Array | string {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return 'weights must be base64 (A-Z, a-z, 0-9, +, /, = padding)';
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) return `weights must be whole f32 values (4 bytes each), got ${bytes.length} bytes`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const data = new Float32Array(bytes.length / 4);
  const bits = new Uint32Array(data.buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = view.getUint32(i * 4, true);
  return data;
}
