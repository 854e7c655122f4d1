// Small graphs over i32 ids and bool masks shared by the dtype tests: an embedding lookup
// with a padding mask, mean-pooled and classified, and a graph of every mask op.

import type { Graph } from '../../ir/graph.ts';
import { GraphBuilder } from '../../src/builder.ts';

/** Deterministic values in [-1, 1). */
export function floats(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

export const VOCAB = 11;
export const DIM = 6;
export const SEQ = 5;

/**
 * ids [N, 5] → embedding [N, 5, 6]; the mask (id != 0) zeroes padding; sum over the sequence
 * and a linear layer to 3 classes. Uses gather, equal, not, cast, where, expand, reduce, linear.
 */
export function embeddingClassifier(): Graph {
  const b = new GraphBuilder('embed_cls');
  const ids = b.input('ids', ['N', SEQ], 'i32');
  const table = b.constant(floats(VOCAB * DIM, 1), [VOCAB, DIM], 'table');
  const pad = b.constant(new Float32Array([0]), [1], 'pad', 'i32');
  const emb = b.gather(table, ids, 0, 'emb');
  const keep = b.not(b.equal(ids, pad, 'is_pad'), 'keep');
  const mask = b.reshape(keep, [-1, SEQ, 1], 'mask3');
  const zero = b.constant(new Float32Array([0]), [1], 'zero');
  const masked = b.where(b.expand(mask, [1, SEQ, DIM], 'mask_full'), emb, zero, 'masked');
  const pooled = b.reduceSum(masked, [1], false, 'pooled');
  const w = b.constant(floats(3 * DIM, 2), [3, DIM], 'w');
  const bias = b.constant(floats(3, 3), [3], 'bias');
  const logits = b.linear(pooled, w, bias, undefined, [], 'logits');
  const count = b.cast(b.cast(keep, 'i32', 'count_i'), 'f32', 'count_f');
  b.output(logits, b.reduceSum(count, [1], false, 'length'));
  return b.build();
}

/** x [N, 4] f32 and a bool mask: comparisons, logic, casts (f32 → i32 truncates). */
export function maskOpsGraph(): Graph {
  const b = new GraphBuilder('mask_ops');
  const x = b.input('x', ['N', 4]);
  const m = b.input('m', ['N', 4], 'bool');
  const half = b.constant(new Float32Array([0.5]), [1], 'half');
  const lt = b.less(x, half, 'lt');
  const gt = b.greater(x, half, 'gt');
  const either = b.or(b.and(lt, m, 'lt_and_m'), gt, 'either');
  const xi = b.cast(b.mul(x, b.constant(new Float32Array([3]), [1], 'three')), 'i32', 'xi');
  const eq = b.equal(xi, b.constant(new Float32Array([-1]), [1], 'minus1', 'i32'), 'eq');
  const neg = b.where(either, x, b.sub(x, half, 'shifted'), 'chosen');
  b.output(neg, b.cast(xi, 'f32', 'xi_f'), b.cast(eq, 'f32', 'eq_f'), b.cast(b.cast(m, 'i32', 'mi'), 'f32', 'm_f'));
  return b.build();
}

/** A bool result: not(less(relu(x), 0.5)), which fusion makes one node of dtype bool. */
export function boolOutputGraph(): Graph {
  const b = new GraphBuilder('fused_mask');
  const x = b.input('x', ['N', 3]);
  b.output(b.not(b.less(b.relu(x, 'r'), b.constant(Float32Array.of(0.5), [], 'half'), 'lt'), 'ge'));
  return b.build();
}
