// Feeds by element type: which typed array each input dtype takes and how it becomes f32
// lanes (ir/types.ts). The interpreter uses this module; bundles run the same rules and the
// same messages from codegen/js/runtime.ts (FEED_CHECK).

import { CompileError } from './errors.ts';
import { formatValueName } from './names.ts';
import { I32_EXACT_LIMIT, type DType } from './types.ts';

export type FeedArray = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** What a feed of each dtype must be, as error messages say it. */
export const FEED_KINDS: Readonly<Record<DType, string>> = {
  f32: 'a Float32Array',
  i32: 'an Int32Array or a BigInt64Array',
  bool: 'a Uint8Array of 0 and 1',
};

function accepts(dtype: DType, data: unknown): data is FeedArray {
  switch (dtype) {
    case 'f32': return data instanceof Float32Array;
    case 'i32': return data instanceof Int32Array || data instanceof BigInt64Array;
    case 'bool': return data instanceof Uint8Array;
  }
}

/** Checks a feed's array type; a wrong one is an error naming the input and what it takes. */
export function checkFeedArray(name: string, dtype: DType, data: unknown): FeedArray {
  if (!accepts(dtype, data)) {
    const got = data === undefined ? 'nothing' : (data as object | null)?.constructor?.name ?? typeof data;
    throw new CompileError(`input ${formatValueName(name)} is ${dtype}: expected ${FEED_KINDS[dtype]}, got ${got}`);
  }
  return data;
}

/**
 * The feed as f32 lanes. i32 values must lie within ±2^24 (exact in f32; BigInt64Array
 * values beyond are refused, never wrapped); bool values must be 0 or 1.
 */
export function feedLanes(name: string, dtype: DType, data: FeedArray): Float32Array {
  if (data instanceof Float32Array) return Float32Array.from(data);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const raw = data[i] ?? 0;
    const value = typeof raw === 'bigint' ? (raw > 2n ** 53n || raw < -(2n ** 53n) ? Infinity : Number(raw)) : raw;
    if (dtype === 'bool' ? value !== 0 && value !== 1 : Math.abs(value) > I32_EXACT_LIMIT) {
      const range = dtype === 'bool' ? 'must be 0 or 1' : `is outside the supported i32 range ±${I32_EXACT_LIMIT}`;
      throw new CompileError(`input ${formatValueName(name)}: value ${String(raw)} at index ${i} ${range}`);
    }
    out[i] = value;
  }
  return out;
}
