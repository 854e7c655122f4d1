// How a bundle stores its weights: every target's weight image is little-endian f32, and
// `--weights-dtype f16|bf16` stores it at half the size, rounded to nearest even. Bundles
// widen the stored image back to f32 once, at load (`widenWeights`, included in every
// bundle), so kernels are the same whatever the storage. Error budget: each weight is off
// by at most a relative 2^-11 (f16, for |w| in 6.1e-5..65504; smaller values lose precision
// and round to 0 below 3e-8) or 2^-8 (bf16, the f32 range).

export type WeightsDtype = 'f32' | 'f16' | 'bf16';

export const WEIGHTS_DTYPES: readonly WeightsDtype[] = ['f32', 'f16', 'bf16'];

/** Largest relative rounding error of one stored weight (unit roundoff), per dtype. */
export const UNIT_ROUNDOFF: Readonly<Record<WeightsDtype, number>> = { f32: 2 ** -24, f16: 2 ** -11, bf16: 2 ** -8 };

/** f32 bits → f16 bits, rounded to nearest even; overflow becomes ±Inf, NaN stays NaN. */
export function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 112; // f16's biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal in f16: the value in units of 2^-24 is the full significand >> (14 - e).
    const shift = 14 - e;
    if (shift > 24) return sign;
    const full = mantissa | 0x800000;
    const half = 2 ** (shift - 1);
    const kept = Math.floor(full / 2 ** shift);
    const rest = full - kept * 2 ** shift;
    return sign | (rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept);
  }
  const kept = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to 0x7c00 (Inf): that is the rounding.
  return sign | (rest > 0x1000 || (rest === 0x1000 && (kept & 1) === 1) ? kept + 1 : kept);
}

/** f32 bits → bf16 bits (the top half), rounded to nearest even; NaN stays NaN. */
export function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return ((bits >>> 16) | 0x40) & 0xffff;
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** The stored form of a little-endian f32 image. */
export function storeWeights(image: Uint8Array, dtype: WeightsDtype): Uint8Array {
  if (dtype === 'f32') return image;
  const count = image.byteLength / 4;
  const source = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const stored = new Uint8Array(count * 2);
  const target = new DataView(stored.buffer);
  const narrow = dtype === 'f16' ? f32BitsToF16 : f32BitsToBf16;
  for (let i = 0; i < count; i++) target.setUint16(i * 2, narrow(source.getUint32(i * 4, true)), true);
  return stored;
}

/** Words for bundle headers: how the weight bytes are stored. */
export function storageNote(dtype: WeightsDtype): string {
  return dtype === 'f32' ? 'little-endian f32' : `little-endian ${dtype}, widened to f32 at load`;
}

/**
 * `widenWeights(bytes)` in a bundle: stored bytes in, little-endian f32 bytes out. Fixed
 * source per dtype, no model text.
 */
export function widenWeightsSource(dtype: WeightsDtype): string {
  switch (dtype) {
    case 'f32':
      return 'function widenWeights(bytes) {\n  return bytes;\n}';
    case 'bf16':
      return `function widenWeights(bytes) {
  // bf16 is the top half of an f32.
  const count = bytes.byteLength >> 1;
  const from = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint8Array(count * 4);
  const to = new DataView(out.buffer);
  for (let i = 0; i < count; i++) to.setUint32(i * 4, from.getUint16(i * 2, true) << 16, true);
  return out;
}`;
    case 'f16':
      return `function widenWeights(bytes) {
  // f16: sign, 5-bit exponent, 10-bit mantissa; subnormals are normalized, Inf/NaN kept.
  const count = bytes.byteLength >> 1;
  const from = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint8Array(count * 4);
  const to = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const h = from.getUint16(i * 2, true);
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    let mantissa = h & 0x3ff;
    let bits;
    if (exponent === 0x1f) bits = sign | 0x7f800000 | (mantissa << 13);
    else if (exponent !== 0) bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    else if (mantissa === 0) bits = sign;
    else {
      let e = 113;
      while ((mantissa & 0x400) === 0) { mantissa <<= 1; e--; }
      bits = sign | (e << 23) | ((mantissa & 0x3ff) << 13);
    }
    to.setUint32(i * 4, bits >>> 0, true);
  }
  return out;
}`;
    default: {
      const never: never = dtype;
      throw new Error(`unknown weights dtype ${String(never)}`);
    }
  }
}
