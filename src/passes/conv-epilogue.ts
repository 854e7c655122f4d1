// Exact fusions into a conv's epilogue: a per-channel constant added after a bias-less conv
// becomes its bias, and a same-shaped value added after it becomes its fused residual (the
// shortcut of a ResNet block; fuse-linear-activation then folds the ReLU after it). Both keep
// every bit: the conv rounds its sum to f32, then adds the bias, then the residual, each an
// f32 add, exactly as the separate add nodes did.

import type { Node } from '../../ir/graph.ts';
import { activationAttr, convLayout, type TensorData } from '../../ir/ops/index.ts';
import { sameShape } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, type GraphView, type NodeSpec, type RewriteRule } from './rewrite-rule.ts';

/**
 * The conv defining `name` when nothing follows its sum yet (no residual, no activation) and
 * `user` is its only reader (so its value can disappear); with `bias` false, no bias either.
 */
export function bareConv(view: GraphView, name: string, user: Node, bias: boolean): Node | undefined {
  const conv = view.producer(name);
  if (conv?.op !== 'conv' || activationAttr(conv.attrs) !== undefined) return undefined;
  const layout = convLayout(conv.inputs.length, conv.attrs);
  if (layout.residual !== undefined || (!bias && layout.hasBias)) return undefined;
  if (view.isOutput(name) || view.useCount(name) !== 1 || !user.inputs.includes(name)) return undefined;
  return conv;
}

/**
 * A constant's value per output channel, when broadcast against a conv result of rank `rank`
 * ([N, M, *S]) it varies only along axis 1: [M, 1, 1], [1, M, 1, 1], [1], [] for 2-D. Its
 * values must be finite: scaling weights by ±Inf would turn a sum's Inf into NaN.
 */
export function perChannel(constant: TensorData, channels: number, rank: number): Float32Array | undefined {
  const shape = constant.shape;
  if (shape.length > rank) return undefined;
  const aligned = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  if (aligned.some((dim, axis) => axis !== 1 && dim !== 1)) return undefined;
  if (!constant.data.every(Number.isFinite)) return undefined;
  const along = aligned[1] ?? 1;
  if (along === channels) return Float32Array.from(constant.data);
  return along === 1 ? new Float32Array(channels).fill(constant.data[0] ?? 0) : undefined;
}

/** The binary `node`'s operands as (conv side, other side), trying both orders. */
export function convOperands(node: Node): [string, string][] {
  const [a, b] = node.inputs;
  return a === undefined || b === undefined || node.inputs.length !== 2 ? [] : [[a, b], [b, a]];
}

/** A [M] constant for `vector`: `name` itself when it already is one, else a new constant. */
export function vectorConst(view: GraphView, name: string, vector: Float32Array, hint: string): { name: string; specs: NodeSpec[] } {
  const existing = view.constant(name);
  if (existing !== undefined && existing.shape.length === 1 && existing.shape[0] === vector.length) return { name, specs: [] };
  const fresh = view.freshName(hint);
  return { name: fresh, specs: [constSpec([vector.length], vector, fresh)] };
}

/** add(conv(x, W), const b) → conv(x, W, b')   and add(const b, conv(x, W)) likewise (b per channel, b' = b as [M]) */
export const addBiasToConv: RewriteRule = {
  name: 'add-bias-to-conv',
  match(node, view) {
    if (node.op !== 'add') return undefined;
    for (const [convName, biasName] of convOperands(node)) {
      const conv = bareConv(view, convName, node, false);
      const bias = view.constant(biasName);
      const channels = conv?.type.shape[1];
      if (conv === undefined || bias === undefined || typeof channels !== 'number') continue;
      const vector = perChannel(bias, channels, conv.type.shape.length);
      if (vector === undefined || !sameShape(node.type.shape, conv.type.shape)) continue;
      const b = vectorConst(view, biasName, vector, `${biasName}.bias`);
      return { replace: [...b.specs, { op: 'conv', inputs: [...conv.inputs, b.name], attrs: conv.attrs }] };
    }
    return undefined;
  },
};

/**
 * add(conv(x, W[, b]), r) → conv{residual = 1}(x, W[, b], r)   and add(r, conv(…)) likewise
 *   r of exactly the conv's shape; the conv without residual or activation, read only here
 */
export const addResidualToConv: RewriteRule = {
  name: 'add-residual-to-conv',
  match(node, view) {
    if (node.op !== 'add') return undefined;
    for (const [convName, residual] of convOperands(node)) {
      const conv = bareConv(view, convName, node, true);
      if (conv === undefined || residual === convName || !sameShape(view.type(residual).shape, conv.type.shape)) continue;
      return { replace: [{ op: 'conv', inputs: [...conv.inputs, residual], attrs: { ...conv.attrs, residual: 1 } }] };
    }
    return undefined;
  },
};

export const fuseConvBiasPass: Pass = {
  name: 'fuse-conv-bias',
  summary: 'add(conv(x, W), b) → conv(x, W, b) for a constant b per channel (exact)',
  run: (graph) => rewriteGraph(graph, [addBiasToConv]),
};

export const fuseConvResidualPass: Pass = {
  name: 'fuse-conv-residual',
  summary: 'add(conv(x, W, b), r) → conv{residual = 1}(x, W, b, r) when the conv has no other use (exact)',
  run: (graph) => rewriteGraph(graph, [addResidualToConv]),
};
