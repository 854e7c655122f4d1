// BatchNormalization folding: an inference BatchNorm is a per-channel scale s and shift t
// (mul and add by [C, 1, 1] constants, as importers and src/nn.ts write it); after a conv
// they move into its weights and bias, so the normalization costs nothing at run time:
//
//   add(mul(conv(x, W, b), s), t)  →  conv(x, W·s, b·s + t)
//
// 1. mul by a per-channel constant s: each output channel's weights and bias are scaled.
// 2. add of a per-channel constant t: added to the bias (or becoming it, exactly, through
//    the add-bias-to-conv rule shared with fuse-conv-bias).
//
// Numerical effect: not bit-exact. The unfolded graph rounds the sum to f32 once and then
// multiplies by s; the folded one rounds each weight w·s to f32 before summing, so each
// product x·w·s is off by at most one f32 rounding (u = 2^-24 relative) and the result by
// at most u·Σ|x·w·s| (a few ulp of each product); b·s + t likewise rounds twice instead of
// the unfolded (sum·s + b·s) + t. Results agree within the linear tolerance of
// src/tolerance.ts unless the sum cancels to far below its terms. Scales and shifts must be
// finite (an infinite s would turn a sum's ±Inf into NaN once spread over the weights).

import type { Node } from '../../ir/graph.ts';
import { convLayout } from '../../ir/ops/index.ts';
import { addBiasToConv, bareConv, convOperands, perChannel } from './conv-epilogue.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, type GraphView, type NodeSpec, type Rewrite, type RewriteRule } from './rewrite-rule.ts';

/** W[M, …] with output channel m's block multiplied by scale[m], each product rounded to f32. */
function scaleWeights(weights: Float32Array, scale: Float32Array): Float32Array {
  const block = weights.length / scale.length;
  return weights.map((w, i) => w * (scale[Math.floor(i / block)] ?? NaN));
}

/** A bias-free or constant-biased conv with constant weights, as the folds need it. */
function foldableConv(view: GraphView, name: string, user: Node): { conv: Node; bias: string | undefined } | undefined {
  const conv = bareConv(view, name, user, true);
  if (conv === undefined || view.constant(conv.inputs[1] ?? '') === undefined) return undefined;
  const bias = convLayout(conv.inputs.length, conv.attrs).hasBias ? conv.inputs[2] : undefined;
  if (bias !== undefined && view.constant(bias) === undefined) return undefined;
  return { conv, bias };
}

/** mul(conv(x, const W[, const b]), const s) → conv(x, const W·s[, const b·s])   and mul(s, conv(…)) likewise (s per channel) */
const foldScale: RewriteRule = {
  name: 'fold-scale-into-conv',
  match(node, view): Rewrite | undefined {
    if (node.op !== 'mul') return undefined;
    for (const [convName, scaleName] of convOperands(node)) {
      const found = foldableConv(view, convName, node);
      const scaleConst = view.constant(scaleName);
      const channels = found?.conv.type.shape[1];
      if (found === undefined || scaleConst === undefined || typeof channels !== 'number') continue;
      const scale = perChannel(scaleConst, channels, found.conv.type.shape.length);
      if (scale === undefined || node.type.shape.join() !== found.conv.type.shape.join()) continue;
      const [x, w] = found.conv.inputs;
      const weights = view.constant(w ?? '');
      if (x === undefined || w === undefined || weights === undefined) continue;
      const specs: NodeSpec[] = [];
      const scaledW = view.freshName(`${w}.scaled`);
      specs.push(constSpec(weights.shape, scaleWeights(weights.data, scale), scaledW));
      const inputs = [x, scaledW];
      if (found.bias !== undefined) {
        const scaledB = view.freshName(`${found.bias}.scaled`);
        specs.push(constSpec([channels], scaleWeights(view.constant(found.bias)?.data ?? new Float32Array(channels), scale), scaledB));
        inputs.push(scaledB);
      }
      return { replace: [...specs, { op: 'conv', inputs, attrs: found.conv.attrs }] };
    }
    return undefined;
  },
};

/** add(conv(x, W, const b), const t) → conv(x, W, const b + t)   and add(t, conv(…)) likewise (t per channel) */
const foldShift: RewriteRule = {
  name: 'fold-shift-into-conv-bias',
  match(node, view): Rewrite | undefined {
    if (node.op !== 'add') return undefined;
    for (const [convName, shiftName] of convOperands(node)) {
      const found = foldableConv(view, convName, node);
      const shiftConst = view.constant(shiftName);
      const channels = found?.conv.type.shape[1];
      if (found?.bias === undefined || shiftConst === undefined || typeof channels !== 'number') continue;
      const shift = perChannel(shiftConst, channels, found.conv.type.shape.length);
      const bias = view.constant(found.bias);
      if (shift === undefined || bias === undefined || node.type.shape.join() !== found.conv.type.shape.join()) continue;
      const shifted = view.freshName(`${found.bias}.shifted`);
      const sum = bias.data.map((b, m) => b + (shift[m] ?? NaN));
      const [x, w] = found.conv.inputs;
      return { replace: [constSpec([channels], sum, shifted), { op: 'conv', inputs: [x ?? '', w ?? '', shifted], attrs: found.conv.attrs }] };
    }
    return undefined;
  },
};

export const foldBatchNormPass: Pass = {
  name: 'fold-batch-norm',
  summary: 'add(mul(conv(x, W, b), s), t) → conv(x, W·s, b·s + t) for per-channel constants s, t (weights rounded once more)',
  run: (graph) => rewriteGraph(graph, [foldScale, foldShift, addBiasToConv]),
};
