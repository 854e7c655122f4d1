// Random inputs for a graph: mostly ordinary values, with edge values mixed in (0, -0,
// ±1e30 and ±1e4 "logits", and unless finite-only NaN and ±Inf).

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import type { Feeds } from '../../ir/interpret.ts';
import { bindShape, isSymbolic, sizeOf } from '../../ir/types.ts';

export interface FeedOptions {
  /** Batch size for symbolic dims: a number, or a range (default 1..4). */
  readonly batch?: number | { readonly min: number; readonly max: number };
  /** The value of every further symbol (a sequence length): a number or a range (default 1..6). */
  readonly sequence?: number | { readonly min: number; readonly max: number };
  /** Leave out NaN and ±Inf (for ops or backends whose docs exclude them). Default false. */
  readonly finite?: boolean;
  /** Mix in edge values at all (0, -0, ±1e30, ±1e4, and NaN/±Inf unless finite). Default true. */
  readonly edges?: boolean;
  /** Ordinary values are uniform in ±range (default 4). */
  readonly range?: number;
  /** The edge values to mix in, replacing the defaults above (a backend's documented subset). */
  readonly edgeValues?: readonly number[];
  /**
   * Keep f32 subnormals among the ordinary values (default true). false flushes them to ±0,
   * as a backend that may flush them does (WGSL): reciprocal would turn one into a finite
   * 1e38 here and ±Inf there.
   */
  readonly subnormals?: boolean;
}

export const FINITE_EDGES: readonly number[] = [0, -0, 1e30, -1e30, 1e4, -1e4, 1, -1];
export const NON_FINITE_EDGES: readonly number[] = [NaN, Infinity, -Infinity];

/** One f32 value (as a JS number) by the options' distribution. */
export function arbValue(options: FeedOptions = {}): fc.Arbitrary<number> {
  const range = options.range ?? 4;
  const rounded = fc.double({ min: -range, max: range, noNaN: true }).map(Math.fround);
  const plain = options.subnormals === false ? rounded.map((v) => (Math.abs(v) < 2 ** -126 ? (v < 0 || Object.is(v, -0) ? -0 : 0) : v)) : rounded;
  if (options.edges === false) return plain;
  const edges = options.edgeValues ?? (options.finite === true ? FINITE_EDGES : [...FINITE_EDGES, ...NON_FINITE_EDGES]);
  return fc.oneof({ weight: 9, arbitrary: plain }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
}

function sizeArb(size: FeedOptions['batch'], max: number): fc.Arbitrary<number> {
  if (typeof size === 'number') return fc.constant(size);
  return fc.integer({ min: size?.min ?? 1, max: size?.max ?? max });
}

/**
 * Feeds for every input of `graph`, with the value of each symbol: the first symbol of the
 * inputs is the batch, any further one drawn as a sequence length. `batch` is 1 without symbols.
 */
export function arbBatchedFeeds(graph: Graph, options: FeedOptions = {}): fc.Arbitrary<{ batch: number; dims: Record<string, number>; feeds: Feeds }> {
  const symbols = [...new Set(graph.inputs.flatMap((input) => input.type.shape.filter(isSymbolic)))];
  const sizes = fc.tuple(...symbols.map((_, i) => (i === 0 ? sizeArb(options.batch, 4) : sizeArb(options.sequence, 6))));
  const value = arbValue(options);
  return sizes.chain((values) => {
    const dims = new Map(symbols.map((symbol, i) => [symbol, values[i] ?? 1]));
    const arrays = graph.inputs.map((input) => {
      const count = sizeOf(bindShape(input.type.shape, dims));
      return fc.array(value, { minLength: count, maxLength: count }).map((data) => Float32Array.from(data));
    });
    // fromEntries defines own properties, so an input called "__proto__" is a real key.
    return fc.tuple(...arrays).map((data) => ({
      batch: values[0] ?? 1,
      dims: Object.fromEntries(dims),
      feeds: Object.fromEntries(graph.inputs.map((input, i) => [input.name, data[i] ?? new Float32Array(0)])) as Feeds,
    }));
  });
}
