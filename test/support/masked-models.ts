// Models for the key-padding-mask error tests: a PyTorch masked-attention fixture whose mask
// input is re-declared with the wrong length, and a hand-built attention over heads
// [N, 2, 7, 4] with a bool mask [N, 1, 1, 7] (symbolic batch) that fuses to one node.

import type { Graph } from '../../ir/graph.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { decodeModel, encodeModel, type ModelInit } from '../../src/frontends/onnx/proto.ts';
import { readPytorchSeq } from './pytorch-seq-fixtures.ts';

/** mha_kpm_batch_first with its mask input declared [2, length] instead of [2, 7]. */
export function misdeclaredMaskModel(length: number): Uint8Array {
  const model = decodeModel(readPytorchSeq('mha_kpm_batch_first').bytes);
  const mask = model.graph?.input.find((input) => input.name === 'mask');
  const dim = mask?.type?.tensor_type?.shape?.dim[1];
  if (dim === undefined) throw new Error('the fixture has no mask [2, 7]');
  dim.dim_value = length;
  return encodeModel(model as unknown as ModelInit);
}

/** softmax(q·qᵀ·0.5 + where(mask, -inf, 0))·q over q [N, 2, 7, 4], mask bool [N, 1, 1, 7]. */
export function symbolicMaskedAttention(): Graph {
  const b = new GraphBuilder('masked_heads');
  const q = b.input('q', ['N', 2, 7, 4]);
  const mask = b.input('mask', ['N', 1, 1, 7], 'bool');
  const scores = b.mul(b.matmul(q, b.transpose(q, [0, 1, 3, 2])), b.constant(Float32Array.of(0.5), []));
  const fill = b.op('where', [mask, b.constant(Float32Array.of(-Infinity), []), b.constant(Float32Array.of(0), [])]);
  b.output(b.matmul(b.op('softmax', [b.add(scores, fill)], { axis: -1 }), q, 'out'));
  return b.build();
}
