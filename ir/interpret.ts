// The reference interpreter: the meaning of a graph. Clear, not fast.
//
// Float semantics, which backends are compared against:
//  - every tensor is stored as f32 (Float32Array); each op reads f32 and rounds its result
//    to f32 once, when storing;
//  - sums of products (linear, matmul) accumulate in f64 in increasing index order and
//    round once; elementwise bodies (and linear's fused activation) are f32 arithmetic,
//    one rounding per primitive (ir/scalar.ts), so fusing them changes no bit;
//  - softmax subtracts the max along its axis, sums exp() in f64 and divides;
//  - NaN propagates through every op (relu(NaN) = NaN); ±0 compare equal;
//  - i32 and bool tensors live in f32 lanes too (exact integers within ±2^24, and 0/1):
//    feeds are Int32Array/BigInt64Array and Uint8Array (ir/feeds.ts), results Float32Array.
// Backends that accumulate in f32 or in another order agree within the tolerances of
// src/tolerance.ts, which explains each bound.

import { CompileError } from './errors.ts';
import type { Graph } from './graph.ts';
import { OPS, type Tensor } from './ops/index.ts';
import { bindShape, formatShape, isSymbolic, sizeOf, staticSize, symbolOf, type Shape } from './types.ts';
import { formatValueName } from './names.ts';
import { checkFeedArray, feedLanes, type FeedArray } from './feeds.ts';

/** Feeds of an all-f32 graph. */
export type Feeds = Readonly<Record<string, Float32Array>>;
/** Feeds of any graph: each input's array as its dtype takes it (ir/feeds.ts). */
export type TypedFeeds = Readonly<Record<string, FeedArray>>;
export type Results = Record<string, Float32Array>;

/**
 * The batch size of each symbolic dim, read off the feeds: a batched input's length must be
 * a whole, positive number of samples, and inputs sharing a symbol must agree.
 */
export function bindBatch(graph: Graph, feeds: TypedFeeds): Map<string, number> {
  const batches = new Map<string, number>();
  for (const input of graph.inputs) {
    const data = Object.hasOwn(feeds, input.name) ? feeds[input.name] : undefined;
    const shown = formatValueName(input.name);
    if (data === undefined) throw new CompileError(`missing input ${shown}: expected a Float32Array`);
    checkFeedArray(input.name, input.type.dtype, data);
    const symbol = symbolOf(input.type.shape);
    const sample = staticSize(input.type.shape);
    if (symbol === undefined) {
      if (data.length !== sample) {
        throw new CompileError(`input ${shown} needs ${sample} values for ${formatShape(input.type.shape)}, got ${data.length}`);
      }
      continue;
    }
    if (data.length === 0 || data.length % sample !== 0) {
      throw new CompileError(`input ${shown} of shape ${formatShape(input.type.shape)} needs a whole number of samples of ${sample} values, got ${data.length}`);
    }
    const batch = data.length / sample;
    const known = batches.get(symbol);
    if (known !== undefined && known !== batch) {
      throw new CompileError(`input ${shown} has ${symbol} = ${batch}, but another input has ${symbol} = ${known}`);
    }
    batches.set(symbol, batch);
  }
  return batches;
}

export function concreteShape(shape: Shape, batches: ReadonlyMap<string, number>): number[] {
  const symbol = symbolOf(shape);
  if (symbol === undefined) return shape.filter((d): d is number => !isSymbolic(d));
  const batch = batches.get(symbol);
  if (batch === undefined) throw new CompileError(`symbolic dim ${symbol} is not bound by any input`);
  return bindShape(shape, batch);
}

/** Every value of the graph on the given feeds (inputs included), by name. */
export function interpretValues(graph: Graph, feeds: TypedFeeds): Map<string, Tensor> {
  const batches = bindBatch(graph, feeds);
  const values = new Map<string, Tensor>();
  for (const input of graph.inputs) {
    const data = feeds[input.name];
    if (data === undefined) throw new CompileError(`missing input ${formatValueName(input.name)}`);
    const lanes = feedLanes(input.name, input.type.dtype, checkFeedArray(input.name, input.type.dtype, data));
    values.set(input.name, { shape: concreteShape(input.type.shape, batches), data: lanes });
  }
  for (const node of graph.nodes) {
    const operands = node.inputs.map((name) => {
      const tensor = values.get(name);
      if (tensor === undefined) throw new CompileError(`operand ${formatValueName(name)} is not defined`, { node: node.name, op: node.op });
      return tensor;
    });
    const shape = concreteShape(node.type.shape, batches);
    let data: Float32Array;
    try {
      data = OPS[node.op].evaluate(operands, node.attrs, shape, node.inputs);
    } catch (error) {
      if (error instanceof CompileError) throw error.withLocation({ node: node.name, op: node.op });
      throw error;
    }
    if (data.length !== sizeOf(shape)) {
      throw new CompileError(`internal: produced ${data.length} values for ${formatShape(shape)}`, { node: node.name, op: node.op });
    }
    values.set(node.name, { shape, data });
  }
  return values;
}

/** Runs the graph: output name → data (f32, row-major). */
export function interpret(graph: Graph, feeds: TypedFeeds): Results {
  const values = interpretValues(graph, feeds);
  const results: Results = {};
  for (const name of graph.outputs) {
    const tensor = values.get(name);
    if (tensor === undefined) throw new CompileError('returned value is not defined', { node: name });
    // defineProperty, not assignment: an output may be called "__proto__".
    Object.defineProperty(results, name, { value: tensor.data, enumerable: true, writable: true, configurable: true });
  }
  return results;
}
