// Which outputs of a graph hang on a comparison (equal, less, greater of f32 values) whose two
// operands the reference computes within the tolerance of each other on given feeds: an
// implementation whose ops are only accurate to that tolerance may answer either way there.

import type { Graph } from '../../ir/graph.ts';
import { interpretValues, type Feeds } from '../../ir/interpret.ts';
import type { Tolerance } from '../../src/tolerance.ts';

interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The element of `t` that NumPy broadcasting reads at flat index `flat` of `outShape`. */
function broadcastRead(t: Tensor, outShape: readonly number[], flat: number): number {
  let offset = 0;
  let stride = 1;
  let rest = flat;
  for (let axis = outShape.length - 1; axis >= 0; axis--) {
    const extent = outShape[axis] ?? 1;
    const coord = rest % extent;
    rest = Math.floor(rest / extent);
    const own = axis - (outShape.length - t.shape.length);
    if (own < 0) continue;
    const dim = t.shape[own] ?? 1;
    if (dim !== 1) offset += coord * stride;
    stride *= dim;
  }
  return t.data[offset] ?? NaN;
}

/**
 * Each operand may be off by up to abs + rel·|v| from the reference, so their difference by
 * twice that: operands closer than this (ties included) have no order both sides must share.
 */
function nearTie(a: number, b: number, tolerance: Tolerance): boolean {
  return Math.abs(a - b) <= 2 * (tolerance.abs + tolerance.rel * Math.max(Math.abs(a), Math.abs(b)));
}

/**
 * The outputs of `graph` that depend on a near-tie comparison at `feeds` (any element of a
 * comparison node's result, then everything downstream of that node).
 */
export function outputsAfterNearTies(graph: Graph, feeds: Feeds, tolerance: Tolerance): Set<string> {
  const types = new Map(graph.inputs.map((v) => [v.name, v.type.dtype] as const));
  for (const node of graph.nodes) types.set(node.name, node.type.dtype);
  const values = interpretValues(graph, feeds);
  const tainted = new Set<string>();
  for (const node of graph.nodes) {
    if (node.inputs.some((name) => tainted.has(name))) {
      tainted.add(node.name);
      continue;
    }
    const [left, right] = node.inputs;
    if (node.type.dtype !== 'bool' || node.inputs.length !== 2 || types.get(left ?? '') !== 'f32' || types.get(right ?? '') !== 'f32') continue;
    const a = values.get(left ?? '');
    const b = values.get(right ?? '');
    const out = values.get(node.name);
    if (a === undefined || b === undefined || out === undefined) continue;
    for (let flat = 0; flat < out.data.length; flat++) {
      if (nearTie(broadcastRead(a, out.shape, flat), broadcastRead(b, out.shape, flat), tolerance)) {
        tainted.add(node.name);
        break;
      }
    }
  }
  return new Set(graph.outputs.filter((name) => tainted.has(name)));
}
