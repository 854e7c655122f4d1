// LEB128 and IEEE-754 encoders for the WebAssembly binary format (the only number
// encodings a module needs: unsigned sizes/indices, signed i32 constants, f32 literals).

/** Unsigned LEB128 (section sizes, indices, memarg offsets). */
export function encodeU32(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`u32 out of range: ${value}`);
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

/** Signed LEB128 for i32.const (a value in [-2^31, 2^32) taken modulo 2^32). */
export function encodeI32(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) throw new RangeError(`i32 out of range: ${value}`);
  let rest = value | 0;
  const bytes: number[] = [];
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

/** A little-endian f32 (f32.const and the lanes of v128.const). */
export function encodeF32(value: number): number[] {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [...bytes];
}

/** A length-prefixed UTF-8 name (exports). */
export function encodeName(name: string): number[] {
  const utf8 = new TextEncoder().encode(name);
  return [...encodeU32(utf8.length), ...utf8];
}

/** A vector: element count, then the elements' bytes. */
export function encodeVector(items: readonly (readonly number[])[]): number[] {
  return [...encodeU32(items.length), ...items.flat()];
}
