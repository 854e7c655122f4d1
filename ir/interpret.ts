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
import { bindShape, formatShape, isSymbolic, sizeOf, symbolsOf, type Shape } from './types.ts';
import { formatValueName } from './names.ts';
import { checkFeedArray, feedLanes, type FeedArray } from './feeds.ts';

/** Feeds of an all-f32 graph. */
export type Feeds = Readonly<Record<string, Float32Array>>;
/** Feeds of any graph: each input's array as its dtype takes it (ir/feeds.ts). */
export type TypedFeeds = Readonly<Record<string, FeedArray>>;
export type Results = Record<string, Float32Array>;

/** Values given for symbolic dims (`{ S: 64 }`), for inputs whose length cannot tell them apart. */
export type DimValues = Readonly<Record<string, number>>;

/**
 * The value of each symbolic dim, read off the feeds. Symbols given in `dims` are taken as
 * given; then, repeatedly, an input with exactly one unbound symbol binds it from its length
 * (which must be a whole, positive multiple of the rest). Inputs must agree: a symbol bound
 * by one input and contradicted by another is an error naming both.
 */
export function bindSymbols(graph: Graph, feeds: TypedFeeds, dims: DimValues = {}): Map<string, number> {
  const bound = new Map<string, number>();
  const boundBy = new Map<string, string>();
  for (const [symbol, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 1) throw new CompileError(`symbolic dim ${symbol} must be a positive integer, got ${value}`);
    bound.set(symbol, value);
    boundBy.set(symbol, 'the dims argument');
  }
  const inputs = graph.inputs.map((input) => {
    const data = Object.hasOwn(feeds, input.name) ? feeds[input.name] : undefined;
    const shown = formatValueName(input.name);
    if (data === undefined) throw new CompileError(`missing input ${shown}: expected a Float32Array`);
    checkFeedArray(input.name, input.type.dtype, data);
    return { shown, shape: input.type.shape, length: data.length };
  });
  const pending = new Set(inputs);
  let progress = true;
  while (progress) {
    progress = false;
    for (const input of pending) {
      const unbound = symbolsOf(input.shape).filter((s) => !bound.has(s));
      if (unbound.length > 1) continue;
      pending.delete(input);
      progress = true;
      const known = input.shape.reduce<number>((n, d) => (isSymbolic(d) && !bound.has(d) ? n : n * (isSymbolic(d) ? (bound.get(d) ?? 1) : d)), 1);
      const [symbol] = unbound;
      if (symbol === undefined) {
        if (input.length !== known) throw mismatch(input, known, bound, boundBy);
        continue;
      }
      const power = input.shape.filter((d) => d === symbol).length;
      const value = Math.round((input.length / known) ** (1 / power));
      if (input.length === 0 || value < 1 || known * value ** power !== input.length) {
        const fixed = symbolsOf(input.shape).filter((s) => bound.has(s));
        const note = fixed.length === 0 ? '' : ` (with ${fixed.map((s) => `${s} = ${bound.get(s) ?? '?'} from ${boundBy.get(s) ?? '?'}`).join(', ')})`;
        throw new CompileError(`input ${input.shown} of shape ${formatShape(input.shape)} needs a whole number of samples of ${known} values, got ${input.length}${note}`);
      }
      bound.set(symbol, value);
      boundBy.set(symbol, `input ${input.shown}`);
    }
  }
  const [stuck] = pending;
  if (stuck !== undefined) {
    const open = symbolsOf(stuck.shape).filter((s) => !bound.has(s));
    throw new CompileError(`input ${stuck.shown} of shape ${formatShape(stuck.shape)} leaves ${open.join(' and ')} undetermined: give their values (dims)`);
  }
  return bound;
}

/**
 * The error for an input whose length contradicts the symbols bound so far: the first of its
 * symbols whose value the length would imply, against the input that bound it (the same
 * rule and words as the bundles' codegen/bind-dims-source.ts).
 */
function mismatch(input: { shown: string; shape: Shape; length: number }, expected: number, bound: ReadonlyMap<string, number>, boundBy: ReadonlyMap<string, string>): CompileError {
  for (const symbol of symbolsOf(input.shape)) {
    let rest = 1;
    let power = 0;
    for (const d of input.shape) {
      if (d === symbol) power++;
      else rest *= isSymbolic(d) ? (bound.get(d) ?? 1) : d;
    }
    const implied = Math.round((input.length / rest) ** (1 / power));
    if (implied >= 1 && rest * implied ** power === input.length) {
      return new CompileError(`input ${input.shown} has ${symbol} = ${implied}, but ${boundBy.get(symbol) ?? '?'} has ${symbol} = ${bound.get(symbol) ?? '?'}`);
    }
  }
  return new CompileError(`input ${input.shown} needs ${expected} values for ${formatShape(input.shape)}, got ${input.length}`);
}

/** The batch of each symbol (kept for callers of the single-batch era). */
export function bindBatch(graph: Graph, feeds: TypedFeeds, dims: DimValues = {}): Map<string, number> {
  return bindSymbols(graph, feeds, dims);
}

export function concreteShape(shape: Shape, batches: ReadonlyMap<string, number>): number[] {
  return bindShape(shape, batches);
}

/** Every value of the graph on the given feeds (inputs included), by name. */
export function interpretValues(graph: Graph, feeds: TypedFeeds, dims: DimValues = {}): Map<string, Tensor> {
  const batches = bindSymbols(graph, feeds, dims);
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
export function interpret(graph: Graph, feeds: TypedFeeds, dims: DimValues = {}): Results {
  const values = interpretValues(graph, feeds, dims);
  const results: Results = {};
  for (const name of graph.outputs) {
    const tensor = values.get(name);
    if (tensor === undefined) throw new CompileError('returned value is not defined', { node: name });
    // defineProperty, not assignment: an output may be called "__proto__".
    Object.defineProperty(results, name, { value: tensor.data, enumerable: true, writable: true, configurable: true });
  }
  return results;
}
