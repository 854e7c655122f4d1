// Which tensors a JS bundle stores and how: each constant once, as little-endian f32 in one
// blob (base64 inside the module, or a .weights.bin file). A constant used as a linear weight
// is stored pre-packed for the kernel; it is stored raw as well only if something else reads it.

import { constantUses } from '../kernel-info.ts';
import type { LoweredProgram } from '../kernels.ts';
import type { ArrayKey } from './scope.ts';
import { packWeights } from './kernel-linear.ts';

export interface StoredTensor {
  readonly key: ArrayKey;
  /** Index into the program's constants (for comments). */
  readonly constant: number;
  /** Offset in f32 elements in the blob. */
  readonly offset: number;
  readonly data: Float32Array;
}

export interface WeightBlob {
  readonly tensors: readonly StoredTensor[];
  /** Little-endian f32 bytes of every tensor, in order. */
  readonly bytes: Uint8Array;
}

export function planWeights(program: LoweredProgram): WeightBlob {
  const { raw: rawUse, packed: packedUse } = constantUses(program);
  const tensors: StoredTensor[] = [];
  let offset = 0;
  const add = (key: ArrayKey, constant: number, data: Float32Array): void => {
    tensors.push({ key, constant, offset, data });
    offset += data.length;
  };
  program.constants.forEach((constant, index) => {
    if (rawUse.has(index)) add(`const:${index}`, index, constant.data);
    if (packedUse.has(index)) {
      // A linear weight [out, in] or a conv weight [out, in, ...taps], packed as [out, in·taps].
      const outFeatures = constant.shape[0] ?? 0;
      add(`packed:${index}`, index, packWeights(constant.data, outFeatures, outFeatures === 0 ? 0 : constant.data.length / outFeatures));
    }
  });
  const bytes = new Uint8Array(offset * 4);
  const view = new DataView(bytes.buffer);
  for (const tensor of tensors) {
    tensor.data.forEach((value, i) => view.setFloat32((tensor.offset + i) * 4, value, true));
  }
  return { tensors, bytes };
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
