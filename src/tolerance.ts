// What "equal" means when a backend's or a pass's output is compared with the reference
// interpreter. Defined once, per op kind; every differential test and `fusegraph verify`
// use it.
//
// Why these bounds (f32 has a unit roundoff u = 2^-24 ≈ 6e-8):
//  - layout and source ops move bits: exact.
//  - elementwise bodies: f32 arithmetic, one rounding per primitive (ir/scalar.ts); JS
//    bundles match bit for bit, WGSL and WASM agree on + - * / and differ only through
//    their exp/tanh/erf (a few ulp, more for WGSL's builtin exp), which cancellation such as
//    exp(x) - 1 can magnify: a few hundred u relative, plus an absolute floor near 0.
//  - linear/matmul: a dot product of length K summed in f32 in any order is off by at most
//    about K·u·Σ|x_k·w_k|. Inputs and weights of our tests keep Σ|x·w| near 1 per term
//    block, so 1e-4 relative with a 1e-5 floor covers K up to a few thousand.
//  - reduce (softmax): exp and one division per element, plus the sum's K·u term.
// WGSL (codegen/wgsl/prelude.ts) is the loosest backend and fits these same bounds: f32 at
// every step; builtin exp within 3 + 2|x| ulp, i.e. at most ~180 u (1.1e-5) before it
// overflows, under the elementwise 335 u; tanh and erf are fusegraph's own (Taylor near 0,
// so relative accuracy holds there; erf's tail 1.5e-7 absolute, under the 1e-6 floor);
// linear/matmul sum with fma in tile order, inside the K·u bound above; softmax sums exp in
// f32 in a tree. Subnormals flushed to zero stay under the absolute floors. NaN and ±Inf
// inputs are outside WGSL's contract; f32 sums of cancelling edge-sized terms need the
// feed-dependent floor of toleranceForF32Sums below, and so does layer_norm, whose f32 mean
// (WGSL's two f32 passes) errs by u·|mean|-sized amounts that 1/σ magnifies
// (layer-norm-f32-bound.ts).
// Chains of ops compound errors; a graph's tolerance grows with its depth of
// non-exact ops, capped so that a real bug (errors of order 1) still fails.

import type { Graph } from '../ir/graph.ts';
import { interpretValues, type Feeds } from '../ir/interpret.ts';
import { OPS, type OpKind } from '../ir/ops/index.ts';
import { layerNormF32MeanError } from './layer-norm-f32-bound.ts';

export interface Tolerance {
  /** Absolute floor. */
  readonly abs: number;
  /** Relative to |expected|. */
  readonly rel: number;
}

export const TOLERANCE_BY_KIND: Readonly<Record<OpKind, Tolerance>> = {
  source: { abs: 0, rel: 0 },
  layout: { abs: 0, rel: 0 },
  elementwise: { abs: 1e-6, rel: 2e-5 },
  linear: { abs: 1e-5, rel: 1e-4 },
  reduce: { abs: 1e-6, rel: 2e-5 },
  // Each step is linear's dot products plus an elementwise body, and the state carries
  // those errors forward through T steps; sigmoid/tanh gates contract them (|σ'| ≤ 1/4,
  // |tanh'| ≤ 1), so they add up rather than grow: a few times linear's bound over the
  // short sequences we test, and WGSL's/WASM's own exp and tanh (a few ulp) on top.
  recurrent: { abs: 5e-5, rel: 5e-4 },
};

/** The tolerance for a whole graph: the loosest kind it uses, scaled by its depth. */
export function toleranceFor(graph: Graph): Tolerance {
  let abs = 0;
  let rel = 0;
  const depth = new Map<string, number>();
  let maxDepth = 0;
  for (const node of graph.nodes) {
    const kind = OPS[node.op].kind;
    const own = TOLERANCE_BY_KIND[kind];
    abs = Math.max(abs, own.abs);
    rel = Math.max(rel, own.rel);
    const step = own.rel > 0 ? 1 : 0;
    const d = step + Math.max(0, ...node.inputs.map((name) => depth.get(name) ?? 0));
    depth.set(node.name, d);
    maxDepth = Math.max(maxDepth, d);
  }
  const scale = Math.min(8, Math.max(1, maxDepth / 2));
  return { abs: abs * scale, rel: rel * scale };
}

/** f32's unit roundoff. */
const F32_UNIT_ROUNDOFF = 2 ** -24;

/** max over rows of sum |x|, over the last axis (finite values only). */
function maxRowAbsSum(data: Float32Array, rowLength: number): number {
  let best = 0;
  for (let start = 0; start + rowLength <= data.length; start += rowLength) {
    let sum = 0;
    for (let k = start; k < start + rowLength; k++) {
      const v = Math.abs(data[k] ?? 0);
      if (Number.isFinite(v)) sum += v;
    }
    best = Math.max(best, sum);
  }
  return best;
}

function maxAbs(data: Float32Array): number {
  let best = 0;
  for (const v of data) if (Number.isFinite(v)) best = Math.max(best, Math.abs(v));
  return best;
}

/**
 * toleranceFor, for a backend that sums contractions in f32 (WGSL) where the interpreter sums
 * in f64, on particular feeds. A K-term f32 dot product errs by about sqrt(K)·u·Σ|x_k·w_k|
 * (rounding errors add like a random walk; K·u·Σ is the worst case). The relative bound
 * covers that only while the terms do not cancel: edge inputs (±1e4, ±1e30) times weights that
 * nearly cancel leave a small result carrying the rounding of huge terms. So the absolute
 * floor grows to 2·sqrt(K)·u·S, S = (the largest row sum of |x|) × (the largest |w|), taken
 * over every contraction of the graph on these feeds; with ordinary inputs S is small and the
 * floor stays near toleranceFor's. A layer_norm's statistics are f32 sums too: its floor is
 * layerNormF32MeanError's worst-case bound on these feeds, (n + 1)·u·mean|x|/sqrt(var + ε)
 * per row, which stays under the base floor unless a row's |mean| ≫ σ; that bound takes the
 * serial sum's worst case (n·u) where its errors add like a random walk (√n·u), which leaves
 * room for a contraction after the op (Σ|w| ≤ √K with our weights) to carry the error on.
 */
export function toleranceForF32Sums(graph: Graph, feeds: Feeds): Tolerance {
  const base = toleranceFor(graph);
  const values = interpretValues(graph, feeds);
  let abs = base.abs;
  for (const node of graph.nodes) {
    if (node.op === 'layer_norm') {
      const operands = node.inputs.map((name) => values.get(name));
      if (operands.every((t) => t !== undefined)) abs = Math.max(abs, layerNormF32MeanError(operands, node.attrs));
      continue;
    }
    if (OPS[node.op].kind !== 'linear') continue;
    const x = values.get(node.inputs[0] ?? '');
    const w = values.get(node.inputs[1] ?? '');
    if (x === undefined || w === undefined) continue;
    // A convolution (features on axis 1) sums groupIn·taps terms (the weight's axes after the
    // first) from a window of x, bounded by that many times x's largest element; linear and
    // matmul sum a row of x.
    const isConv = OPS[node.op].featureAxis === 1;
    const k = isConv ? w.shape.slice(1).reduce((n, d) => n * d, 1) : x.shape[x.shape.length - 1] ?? 0;
    if (k === 0) continue;
    const terms = (isConv ? k * maxAbs(x.data) : maxRowAbsSum(x.data, k)) * maxAbs(w.data);
    abs = Math.max(abs, 2 * Math.sqrt(k) * F32_UNIT_ROUNDOFF * terms);
  }
  return { abs, rel: base.rel };
}

export interface Mismatch {
  readonly index: number;
  readonly expected: number;
  readonly actual: number;
}

export interface Comparison {
  readonly ok: boolean;
  readonly maxAbsError: number;
  readonly maxRelError: number;
  /** The first element outside the tolerance, if any. */
  readonly mismatch?: Mismatch;
}

/**
 * Compares element by element: NaN must meet NaN, an infinity the same infinity, ±0 are
 * equal, and finite values must satisfy |actual - expected| <= abs + rel * |expected|.
 */
export function compareArrays(expected: Float32Array, actual: Float32Array, tolerance: Tolerance): Comparison {
  let maxAbsError = 0;
  let maxRelError = 0;
  let mismatch: Mismatch | undefined;
  if (expected.length !== actual.length) {
    return { ok: false, maxAbsError: Infinity, maxRelError: Infinity, mismatch: { index: -1, expected: expected.length, actual: actual.length } };
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] ?? NaN;
    const a = actual[i] ?? NaN;
    let bad: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) bad = Number.isNaN(e) !== Number.isNaN(a);
    else if (!Number.isFinite(e) || !Number.isFinite(a)) bad = e !== a;
    else {
      const error = Math.abs(a - e);
      maxAbsError = Math.max(maxAbsError, error);
      if (e !== 0) maxRelError = Math.max(maxRelError, error / Math.abs(e));
      bad = error > tolerance.abs + tolerance.rel * Math.abs(e);
    }
    if (bad && mismatch === undefined) mismatch = { index: i, expected: e, actual: a };
  }
  return mismatch === undefined ? { ok: true, maxAbsError, maxRelError } : { ok: false, maxAbsError, maxRelError, mismatch };
}
