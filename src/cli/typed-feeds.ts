// Feeds for inputs that are not f32: the CLI reads and generates numbers as floats, and
// this turns them into the array an i32 or bool input takes (ir/feeds.ts). Generated ids
// stay inside every table the input indexes, so `verify` and `bench` never trip the check.

import { CompileError } from '../../ir/errors.ts';
import type { FeedArray } from '../../ir/feeds.ts';
import type { Graph } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { gatherLayout } from '../../ir/ops/index.ts';
import { valueTypes } from '../../ir/graph.ts';
import { I32_EXACT_LIMIT, type DType } from '../../ir/types.ts';

/** Values read from a file as the array the input's dtype takes; non-integers are refused. */
export function feedOfDtype(name: string, dtype: DType | undefined, data: Float32Array): FeedArray {
  if (dtype === undefined || dtype === 'f32') return data;
  const bad = data.findIndex((v) => !Number.isInteger(v) || (dtype === 'bool' ? v !== 0 && v !== 1 : Math.abs(v) > I32_EXACT_LIMIT));
  if (bad >= 0) {
    const want = dtype === 'bool' ? 'must be 0 or 1' : `is not an integer within the supported i32 range ±${I32_EXACT_LIMIT}`;
    throw new CompileError(`input ${formatValueName(name)}: value ${data[bad] ?? NaN} at index ${bad} ${want}`);
  }
  return dtype === 'bool' ? Uint8Array.from(data) : Int32Array.from(data);
}

/** The number of ids an i32 input may take: the smallest axis any gather indexes with it (default 2). */
export function idLimit(graph: Graph, name: string): number {
  const types = valueTypes(graph);
  let limit = Infinity;
  for (const node of graph.nodes) {
    if (node.op !== 'gather' || node.inputs[1] !== name) continue;
    const data = types.get(node.inputs[0] ?? '');
    if (data !== undefined) limit = Math.min(limit, gatherLayout(data.shape, node.attrs).size);
  }
  return Number.isFinite(limit) ? limit : 2;
}

/** Random feeds for `graph`: f32 inputs from `floats`, ids in [0, idLimit), bools 0/1. */
export function generatedFeed(graph: Graph, name: string, dtype: DType, floats: Float32Array): FeedArray {
  if (dtype === 'f32') return floats;
  const span = dtype === 'bool' ? 2 : idLimit(graph, name);
  const picked = floats.map((v) => Math.min(span - 1, Math.floor(Math.abs(v) * span)));
  return dtype === 'bool' ? Uint8Array.from(picked) : Int32Array.from(picked);
}
