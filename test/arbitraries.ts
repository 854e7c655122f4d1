// fast-check arbitraries of small, well-typed random graphs built from the op table, and of
// their inputs. Passes and backends reuse them (see README "Testing with random graphs"):
//
//   assertGraphProperty(arbGraphAndFeeds({ feeds: { finite: true } }), ({ graph, feeds }) => { ... })
//
// A graph is assembled from a recipe of random numbers (test/arbitraries/), so shrinking the
// recipe shrinks the graph; a failing property prints the shrunk graph as full IR text.

import fc from 'fast-check';
import type { Graph, Value } from '../ir/graph.ts';
import type { Feeds } from '../ir/interpret.ts';
import { OPS, type OpName } from '../ir/ops/index.ts';
import type { Dim } from '../ir/types.ts';
import { verifyGraphOrThrow } from '../ir/verify.ts';
import { GraphAssembler } from './arbitraries/assembler.ts';
import { arbBatchedFeeds, type FeedOptions } from './arbitraries/feeds.ts';
import type { NameStyle } from './arbitraries/names.ts';
import { GENERATED_OPS, generateOp, type Step } from './arbitraries/op-generators.ts';

export { arbValue, FINITE_EDGES, NON_FINITE_EDGES, type FeedOptions } from './arbitraries/feeds.ts';
export { assertGraphProperty, assertGraphPropertyAsync, formatCounterexample, type PropertyOptions } from './arbitraries/counterexample.ts';
export { HOSTILE_NAMES } from './arbitraries/names.ts';
export { GENERATED_OPS };
export { CNN_OPS, KERNEL_OPS } from './arbitraries/kernel-ops.ts';

export interface GraphOptions {
  /** Ops a graph may contain (default: every op of the table but `const`). */
  readonly ops?: readonly OpName[];
  /** At most this many op steps (default 6); constants come on top. */
  readonly maxNodes?: number;
  /** Widths (features, matmul's n, input dims) are drawn in 1..maxWidth (default 64). */
  readonly maxWidth?: number;
  /** 'symbolic' inputs are [N, ...] (or [batch, ...]); 'static' ones [1..3, ...]. Default 'either'. */
  readonly batch?: 'symbolic' | 'static' | 'either';
  /**
   * Several symbols: inputs of rank >= 3 are [N, S, ...] (with these names; rank 2 gets the
   * batch only), and results may carry symbols on any axis. Implies a symbolic batch.
   */
  readonly symbols?: readonly [string, string];
  /** 'any' (default) mixes in names the text format must quote and codegen must sanitize. */
  readonly names?: NameStyle;
  /** Constant data may hold NaN payloads, -0, subnormals and ±Inf (default false). */
  readonly weightEdges?: boolean;
  /** 1..maxInputs graph inputs (default 2). */
  readonly maxInputs?: number;
  /** Extra outputs besides the last node: 0..maxExtraOutputs (default 2). */
  readonly maxExtraOutputs?: number;
  /**
   * Every input an image: [N, C, L] or [N, C, H, W] with few channels and small, often odd,
   * spatial sizes (default false: any rank, and rank-3/4 inputs image-like half the time).
   */
  readonly images?: boolean;
}

/** A graph with inputs, the batch its first symbol is bound to, and every symbol's value. */
export interface GraphCase {
  readonly graph: Graph;
  readonly feeds: Feeds;
  readonly batch: number;
  readonly dims: Record<string, number>;
}

/** One input's dims per sample are capped so that interpreting stays fast. */
const MAX_SAMPLE = 256;
/** Input ranks, the first the one shrinking goes to. */
const RANKS = [2, 1, 3, 4] as const;

interface InputRecipe {
  readonly rank: number;
  readonly dims: readonly number[];
  readonly name: number;
  /** Rank 3 and 4: channels 1..6 and spatial sizes 1..11, as convolutions like them. */
  readonly image: boolean;
}

interface GraphRecipe {
  readonly batch: number;
  readonly name: number;
  readonly inputs: readonly InputRecipe[];
  readonly steps: readonly Step[];
  readonly outputs: readonly number[];
}

function recipeArb(options: GraphOptions): fc.Arbitrary<GraphRecipe> {
  const width = fc.integer({ min: 1, max: options.maxWidth ?? 64 });
  const step: fc.Arbitrary<Step> = fc.record({
    op: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat(), width, seed: fc.nat(),
    real: fc.integer({ min: -2000, max: 2000 }).map((k) => k / 1000),
    body: fc.array(fc.nat({ max: 255 }), { maxLength: 16 }),
  });
  const rank = options.images === true ? fc.integer({ min: 2, max: 3 }) : fc.nat({ max: RANKS.length - 1 });
  const image = options.images === true ? fc.constant(true) : fc.boolean();
  const input = fc.record({ rank, dims: fc.array(width, { minLength: 3, maxLength: 3 }), name: fc.nat(), image });
  return fc.record({
    batch: fc.nat(),
    name: fc.nat(),
    inputs: fc.array(input, { minLength: 1, maxLength: options.maxInputs ?? 2 }),
    steps: fc.array(step, { minLength: 1, maxLength: options.maxNodes ?? 6 }),
    outputs: fc.array(fc.nat(), { maxLength: options.maxExtraOutputs ?? 2 }),
  });
}

function inputShape(recipe: InputRecipe, batch: Dim, sequence?: string): Dim[] {
  const shape: Dim[] = [batch];
  const rank = RANKS[recipe.rank] ?? 2;
  const image = recipe.image && rank >= 3 && sequence === undefined;
  if (sequence !== undefined && rank >= 3) shape.push(sequence);
  let size = 1;
  for (let axis = shape.length; axis < rank; axis++) {
    const drawn = recipe.dims[axis - 1] ?? 1;
    const wanted = image ? 1 + ((drawn - 1) % (axis === 1 ? 6 : 11)) : drawn;
    const dim = Math.max(1, Math.min(wanted, Math.floor(MAX_SAMPLE / size)));
    shape.push(dim);
    size *= dim;
  }
  return shape;
}

function batchDim(code: number, mode: GraphOptions['batch']): Dim {
  const symbolic = mode === 'symbolic' || (mode !== 'static' && code % 3 !== 2);
  if (symbolic) return code % 5 === 4 ? 'batch' : 'N';
  return 1 + (code % 3);
}

function buildGraph(recipe: GraphRecipe, options: GraphOptions): Graph {
  const ops = options.ops ?? GENERATED_OPS;
  const g = new GraphAssembler(options.names ?? 'any', options.weightEdges ?? false, options.symbols !== undefined);
  const batch = options.symbols?.[0] ?? batchDim(recipe.batch, options.batch);
  for (const input of recipe.inputs) g.addInput(inputShape(input, batch, options.symbols?.[1]), input.name);
  const made: Value[] = [];
  const run = (op: OpName | undefined, step: Step): void => {
    const value = op === undefined ? undefined : generateOp(op, step, g);
    if (value !== undefined) made.push(value);
  };
  for (const step of recipe.steps) run(ops[step.op % ops.length], step);
  // A graph needs a node: fall back to the first op that applies to the first input.
  const first = recipe.steps[0];
  for (const op of ops) {
    if (made.length > 0 || first === undefined) break;
    run(op, { ...first, a: 0 });
  }
  const last = made[made.length - 1];
  if (last === undefined) throw new Error(`arbitraries: no op of [${ops.join(', ')}] applies to the generated inputs`);
  const outputs = [last.name];
  for (const pick of recipe.outputs) {
    const extra = made[pick % made.length];
    if (extra !== undefined && !outputs.includes(extra.name)) outputs.push(extra.name);
  }
  const graph = g.graph(recipe.name % 7 === 6 ? 'hostile "graph"\n' : 'g', outputs);
  verifyGraphOrThrow(graph);
  return graph;
}

/** Small well-typed random graphs from the op table (verified; see GraphOptions). */
export function arbGraph(options: GraphOptions = {}): fc.Arbitrary<Graph> {
  for (const op of options.ops ?? []) {
    if (OPS[op] === undefined || OPS[op].kind === 'source') throw new Error(`arbitraries: cannot generate op '${op}'`);
  }
  return recipeArb(options).map((recipe) => buildGraph(recipe, options));
}

/** Random feeds for `graph` (batch from options; edge values unless turned off). */
export function arbFeeds(graph: Graph, options: FeedOptions = {}): fc.Arbitrary<Feeds> {
  return arbBatchedFeeds(graph, options).map(({ feeds }) => feeds);
}

/** A random graph with random feeds and the batch bound to its symbolic dim. */
export function arbGraphAndFeeds(options: GraphOptions & { readonly feeds?: FeedOptions } = {}): fc.Arbitrary<GraphCase> {
  return arbGraph(options).chain((graph) => arbBatchedFeeds(graph, options.feeds).map(({ batch, dims, feeds }) => ({ graph, feeds, batch, dims })));
}
