// Canonicalization to `linear`: matrix products with a constant weight become PyTorch-layout
// `linear` nodes, the weight re-laid out once at compile time, and a constant bias added
// afterwards moves into the linear. Backends then see one contraction shape with an epilogue.

import type { Node } from '../../ir/graph.ts';
import { activationAttr, linearLayout, type TensorData } from '../../ir/ops/index.ts';
import { isSymbolic, type Shape } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, type GraphView, type RewriteRule } from './rewrite-rule.ts';

/** Wt[in, out] → W[out, in]. */
function transposed(weight: TensorData): Float32Array {
  const [rows = 0, cols = 0] = weight.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = weight.data[r * cols + c] ?? 0;
  }
  return out;
}

/**
 * matmul(x, const Wt[in, out]) → linear(x, const W[out, in])   (W = Wtᵀ, computed now)
 * Only when every reader of Wt is a matmul taking it on the right: then every one of them is
 * rewritten, Wt goes, and CSE merges their copies of W, so no constant is duplicated.
 */
const matmulToLinear: RewriteRule = {
  name: 'matmul-to-linear',
  match(node, view) {
    const [x, wt] = node.inputs;
    if (node.op !== 'matmul' || x === undefined || wt === undefined) return undefined;
    const weight = view.constant(wt);
    if (weight === undefined || weight.shape.length !== 2 || view.type(x).shape.length < 1) return undefined;
    const onlyRightOperand = (reader: Node): boolean => reader.op === 'matmul' && reader.inputs[0] !== wt;
    if (view.isOutput(wt) || !view.readers(wt).every(onlyRightOperand)) return undefined;
    const [rows = 0, cols = 0] = weight.shape;
    const name = view.freshName(`${wt}.t`);
    return { replace: [constSpec([cols, rows], transposed(weight), name), { op: 'linear', inputs: [x, name] }] };
  },
};

/**
 * The bias as [out] when `shape` only varies along the last axis of a rank-`rank` result
 * ([out], [1, out], [1], []), else undefined.
 */
function biasVector(bias: TensorData, out: number, rank: number): Float32Array | undefined {
  const shape: Shape = bias.shape;
  if (shape.length > rank) return undefined;
  if (shape.slice(0, -1).some((dim) => dim !== 1)) return undefined;
  const last = shape[shape.length - 1] ?? 1;
  if (last === out) return Float32Array.from(bias.data);
  if (last === 1) return new Float32Array(out).fill(bias.data[0] ?? 0);
  return undefined;
}

/** A bias-less, activation-less linear read only by `user`. */
function bareLinear(view: GraphView, name: string, user: Node): Node | undefined {
  const linear = view.producer(name);
  if (linear?.op !== 'linear' || activationAttr(linear.attrs) !== undefined) return undefined;
  if (linearLayout(linear.inputs.length, linear.attrs).hasBias) return undefined;
  if (view.isOutput(name) || view.useCount(name) !== 1 || !user.inputs.includes(name)) return undefined;
  return linear;
}

/** add(linear(x, W), const b) → linear(x, W, b')   and add(const b, linear(x, W)) likewise (b' = b as [out]) */
const addBiasToLinear: RewriteRule = {
  name: 'add-bias-to-linear',
  match(node, view) {
    if (node.op !== 'add' || node.inputs.length !== 2) return undefined;
    for (const [k, other] of [[0, 1], [1, 0]] as const) {
      const linear = bareLinear(view, node.inputs[k] ?? '', node);
      const biasName = node.inputs[other] ?? '';
      const bias = view.constant(biasName);
      if (linear === undefined || bias === undefined) continue;
      const out = linear.type.shape[linear.type.shape.length - 1];
      if (out === undefined || isSymbolic(out)) continue;
      const vector = biasVector(bias, out, linear.type.shape.length);
      if (vector === undefined) continue;
      const [x, w] = linear.inputs;
      if (x === undefined || w === undefined) continue;
      // A bias already shaped [out] is used as it is (stored once); others get an [out] copy.
      if (bias.shape.length === 1 && bias.shape[0] === out) return { replace: [{ op: 'linear', inputs: [x, w, biasName] }] };
      const name = view.freshName(`${biasName}.bias`);
      return { replace: [constSpec([out], vector, name), { op: 'linear', inputs: [x, w, name] }] };
    }
    return undefined;
  },
};

export const LINEAR_RULES: readonly RewriteRule[] = [matmulToLinear, addBiasToLinear];

export const canonicalizeLinearPass: Pass = {
  name: 'canonicalize-linear',
  summary: 'matmul by a constant matrix → linear (weight re-laid out); add of a constant bias → linear bias',
  run: (graph) => rewriteGraph(graph, LINEAR_RULES),
};
