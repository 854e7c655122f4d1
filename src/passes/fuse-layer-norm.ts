// Layer normalization from its parts: the opset-13 decomposition PyTorch exports for
// nn.LayerNorm (ReduceMean → Sub → Pow → ReduceMean → Add → Sqrt → Div → Mul → Add) becomes
// one `layer_norm` node, and a residual add before it joins it (one kernel for
// layer_norm(x + r)). The ONNX importer runs these rules on every imported graph, and the O2
// pipeline runs them too. Each intermediate must have no reader outside the pattern.
// The fused op computes the statistics in f64 (ir/ops/sequence.ts states the error budget
// against the f32 decomposition).

import type { Node } from '../../ir/graph.ts';
import { floatAttr, intsAttr, layerNormLayout, normalizedShape, resolveAxis } from '../../ir/ops/index.ts';
import { sameShape, sizeOf, type Dim } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, type GraphView, type RewriteRule } from './rewrite-rule.ts';

/** The node producing `name` when it is `op` and read only `uses` times (never returned). */
function producerOnly(view: GraphView, name: string | undefined, op: string, uses = 1): Node | undefined {
  if (name === undefined) return undefined;
  const node = view.producer(name);
  if (node?.op !== op || view.isOutput(name) || view.useCount(name) !== uses) return undefined;
  return node;
}

/** The first axis of a keepdims mean over trailing axes [axis, rank), or undefined. */
function trailingMeanAxis(node: Node, rank: number): number | undefined {
  if (floatAttr(node.attrs, 'keepdims') === 0) return undefined;
  const axes = intsAttr(node.attrs, 'axes').map((a) => resolveAxis(a, rank)).sort((a, b) => a - b);
  const first = axes[0];
  if (first === undefined || axes.some((a, i) => a !== first + i) || axes[axes.length - 1] !== rank - 1) return undefined;
  return first;
}

/** The one-element constant among a binary node's operands, and the other operand. */
function scalarOperand(node: Node, view: GraphView): { value: number; other: string } | undefined {
  const [a, b] = node.inputs;
  for (const [c, other] of [[b, a], [a, b]] as const) {
    const data = c === undefined ? undefined : view.constant(c);
    if (data !== undefined && data.data.length === 1 && other !== undefined) return { value: data.data[0] ?? NaN, other };
  }
  return undefined;
}

/** d² as pow(d){exponent = 2} or mul(d, d). */
function isSquareOf(node: Node | undefined, d: string): boolean {
  if (node?.op === 'pow') return node.inputs[0] === d && floatAttr(node.attrs, 'exponent') === 2;
  return node?.op === 'mul' && node.inputs[0] === d && node.inputs[1] === d;
}

/**
 * div(d, sqrt(add(reduce_mean(pow(d, 2)), eps)))  with d = sub(x, reduce_mean(x))
 *   → layer_norm(x){axis, epsilon = eps}   (both means keepdims over the same trailing axes)
 */
const fuseNormalization: RewriteRule = {
  name: 'fuse-layer-norm',
  match(node, view) {
    if (node.op !== 'div') return undefined;
    const [d, s] = node.inputs;
    const sub = view.producer(d ?? '');
    const sqrt = producerOnly(view, s, 'sqrt');
    if (d === undefined || sub?.op !== 'sub' || view.isOutput(d) || sqrt === undefined) return undefined;
    const add = producerOnly(view, sqrt.inputs[0], 'add');
    const eps = add === undefined ? undefined : scalarOperand(add, view);
    const variance = producerOnly(view, eps?.other, 'reduce_mean');
    const squareName = variance?.inputs[0];
    const square = squareName === undefined ? undefined : view.producer(squareName);
    if (eps === undefined || variance === undefined || squareName === undefined || !isSquareOf(square, d)) return undefined;
    if (view.useCount(squareName) !== 1 || view.isOutput(squareName)) return undefined;
    const squareReads = square?.op === 'mul' ? 2 : 1;
    if (view.useCount(d) !== 1 + squareReads) return undefined;
    const [x, meanName] = sub.inputs;
    const mean = producerOnly(view, meanName, 'reduce_mean');
    if (x === undefined || mean === undefined || mean.inputs[0] !== x) return undefined;
    const rank = view.type(x).shape.length;
    const axis = trailingMeanAxis(mean, rank);
    if (axis === undefined || trailingMeanAxis(variance, rank) !== axis || !(eps.value >= 0)) return undefined;
    if (!sameShape(node.type.shape, view.type(x).shape)) return undefined;
    return { replace: [{ op: 'layer_norm', inputs: [x], attrs: { axis, epsilon: eps.value } }] };
  },
};

/** Whether `name` holds one value per normalized element (leading 1s allowed). */
function fitsNormalized(view: GraphView, name: string, norm: Node): boolean {
  const tail: Dim[] = normalizedShape(norm.type.shape, norm.attrs);
  const shape = [...view.type(name).shape];
  while (shape.length > tail.length && shape[0] === 1) shape.shift();
  return sameShape(shape, tail);
}

/** The layer_norm operand of a binary node with no scale/bias yet (by `params`), and the other operand. */
function normOperand(node: Node, view: GraphView, params: number): { norm: Node; other: string } | undefined {
  const [a, b] = node.inputs;
  for (const [n, other] of [[a, b], [b, a]] as const) {
    const norm = producerOnly(view, n, 'layer_norm');
    if (norm === undefined || other === undefined || other === n) continue;
    if (norm.inputs.length === layerNormLayout(norm.attrs).paramStart + params) return { norm, other };
  }
  return undefined;
}

/**
 * mul(layer_norm(x), w) → layer_norm(x, w);  add(layer_norm(x, w), b) → layer_norm(x, w, b);
 * add(layer_norm(x), b) → layer_norm(x, ones, b)   (w, b of the normalized shape)
 */
const fuseAffine: RewriteRule = {
  name: 'fuse-layer-norm-affine',
  match(node, view) {
    if (node.op === 'mul') {
      const found = normOperand(node, view, 0);
      if (found === undefined || !fitsNormalized(view, found.other, found.norm)) return undefined;
      return { replace: [{ op: 'layer_norm', inputs: [...found.norm.inputs, found.other], attrs: found.norm.attrs }] };
    }
    if (node.op !== 'add') return undefined;
    const scaled = normOperand(node, view, 1);
    if (scaled !== undefined && fitsNormalized(view, scaled.other, scaled.norm)) {
      return { replace: [{ op: 'layer_norm', inputs: [...scaled.norm.inputs, scaled.other], attrs: scaled.norm.attrs }] };
    }
    const bare = normOperand(node, view, 0);
    if (bare === undefined || !fitsNormalized(view, bare.other, bare.norm)) return undefined;
    const tail = normalizedShape(bare.norm.type.shape, bare.norm.attrs);
    const ones = view.freshName(`${bare.norm.name}.scale`);
    return {
      replace: [
        constSpec(tail, new Float32Array(sizeOf(tail)).fill(1), ones),
        { op: 'layer_norm', inputs: [...bare.norm.inputs, ones, bare.other], attrs: bare.norm.attrs },
      ],
    };
  },
};

/**
 * layer_norm(add(x, r), w?, b?) → layer_norm{residual = 1}(x, r, w?, b?)   (x, r of the
 * result's shape; the add has no other reader): a post-norm transformer's norm(x + sublayer(x))
 */
const fuseResidual: RewriteRule = {
  name: 'fuse-layer-norm-residual',
  match(node, view) {
    if (node.op !== 'layer_norm' || floatAttr(node.attrs, 'residual') !== 0) return undefined;
    const [sum, ...params] = node.inputs;
    const add = producerOnly(view, sum, 'add');
    const [x, r] = add?.inputs ?? [];
    if (add === undefined || x === undefined || r === undefined) return undefined;
    if (!sameShape(view.type(x).shape, node.type.shape) || !sameShape(view.type(r).shape, node.type.shape)) return undefined;
    return { replace: [{ op: 'layer_norm', inputs: [x, r, ...params], attrs: { ...node.attrs, residual: 1 } }] };
  },
};

export const LAYER_NORM_RULES: readonly RewriteRule[] = [fuseNormalization, fuseAffine, fuseResidual];

export const fuseLayerNormPass: Pass = {
  name: 'fuse-layer-norm',
  summary: "PyTorch's LayerNorm decomposition (mean, sub, pow 2, mean, add eps, sqrt, div, mul w, add b) → layer_norm(x, w, b); layer_norm(x + r) → layer_norm{residual}(x, r)",
  run: (graph) => rewriteGraph(graph, LAYER_NORM_RULES),
};
