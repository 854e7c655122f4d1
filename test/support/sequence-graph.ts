// A small sequence model over [N, S, D] that exercises every shape rule several symbols need:
// linear on the last axis, softmax over S, a transpose moving S, mean pooling over S, a
// reshape with 0 (copy) dims and attention-like matmuls whose n and k are S. Shared by the
// backend tests of several symbols.

import type { Graph } from '../../ir/graph.ts';
import type { Feeds } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';

export const MODEL_DIM = 8;

export function sequenceGraph(seed = 7): Graph {
  const random = new Random(seed);
  const b = new GraphBuilder('sequence_mlp');
  const x = b.input('x', ['N', 'S', MODEL_DIM]);
  const w = b.constant(random.uniformArray(16 * MODEL_DIM, -0.5, 0.5), [16, MODEL_DIM], 'w');
  const bias = b.constant(random.uniformArray(16, -0.1, 0.1), [16], 'bias');
  const h = b.linear(x, w, bias, { op: 'relu', attrs: {} }, [], 'h');
  const overS = b.softmax(h, 1, 'over_s');
  const moved = b.transpose(overS, [0, 2, 1], 'moved');
  const pooled = b.reduceMean(h, [1], false, 'pooled');
  const heads = b.transpose(b.reshape(h, [0, 0, 4, 4], 'split'), [0, 2, 1, 3], 'heads');
  const scores = b.softmax(b.matmul(heads, b.transpose(heads, [0, 1, 3, 2], 'keys'), 'scores'), -1, 'weights');
  const mixed = b.matmul(scores, heads, 'mixed');
  const merged = b.reshape(b.transpose(mixed, [0, 2, 1, 3], 'back'), [0, 0, -1], 'merged');
  b.output(moved, pooled, merged);
  return b.build();
}

export function sequenceFeeds(batch: number, length: number, seed = 11): Feeds {
  const random = new Random(seed);
  return { x: random.uniformArray(batch * length * MODEL_DIM, -2, 2) };
}

/**
 * A model that works token by token on [N, S, 8] (linear on the last axis, a residual and a
 * broadcast mask [N, S, 1], softmax over the last axis): every size is a multiple of N·S, so
 * targets with one batch take N·S as theirs.
 */
export function tokenGraph(seed = 3): Graph {
  const random = new Random(seed);
  const b = new GraphBuilder('tokens');
  const x = b.input('x', ['N', 'S', MODEL_DIM]);
  const mask = b.input('mask', ['N', 'S', 1]);
  const h = b.linear(x, b.constant(random.uniformArray(16 * MODEL_DIM, -0.5, 0.5), [16, MODEL_DIM]), b.constant(random.uniformArray(16, -0.1, 0.1), [16]), { op: 'relu', attrs: {} });
  const y = b.linear(h, b.constant(random.uniformArray(MODEL_DIM * 16, -0.5, 0.5), [MODEL_DIM, 16]));
  b.output(b.softmax(b.add(b.add(y, x), mask), -1, 'p'));
  return b.build();
}

export function tokenFeeds(batch: number, length: number, seed = 13): Feeds {
  const random = new Random(seed);
  return { x: random.uniformArray(batch * length * MODEL_DIM, -2, 2), mask: random.uniformArray(batch * length, -1, 0) };
}
