// Attention from its parts: softmax(Q·Kᵀ·scale + mask)·V, as PyTorch exports it for
// nn.MultiheadAttention and nn.TransformerEncoderLayer (the query divided by √d before the
// product, Kᵀ a transpose of the heads-split keys), becomes one `attention` node whose
// kernels never store the S×S matrix. The scores, the scaled and masked scores and the
// softmax must have no reader outside the pattern; Q, K and V may be used elsewhere. Masks:
// an additive float mask, or a bool one applied by where (attention-mask.ts).
// Numerics: the fused op rounds differently (one scale after the dot product instead of
// the query divided first; f32 accumulation on some targets), within the tolerance that
// test/passes/fuse-attention.test.ts states.

import { CompileError } from '../../ir/errors.ts';
import type { Node } from '../../ir/graph.ts';
import { attentionDims, floatAttr, resolveAxis, transposePerm } from '../../ir/ops/index.ts';
import type { TensorType } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { maskedLogits, soleProducer } from './attention-mask.ts';
import type { GraphView, NodeSpec, RewriteRule } from './rewrite-rule.ts';

/** For mul/div by a one-element constant: the other operand and the factor it is multiplied by. */
function scaledBy(node: Node | undefined, view: GraphView): { operand: string; factor: number } | undefined {
  if (node === undefined || (node.op !== 'mul' && node.op !== 'div')) return undefined;
  const [a, b] = node.inputs;
  const constant = (name: string | undefined): number | undefined => {
    const data = name === undefined ? undefined : view.constant(name);
    return data !== undefined && data.data.length === 1 ? data.data[0] : undefined;
  };
  const cb = constant(b);
  if (a !== undefined && cb !== undefined && Number.isFinite(cb) && cb !== 0) return { operand: a, factor: node.op === 'mul' ? cb : 1 / cb };
  const ca = constant(a);
  if (node.op === 'mul' && b !== undefined && ca !== undefined && Number.isFinite(ca)) return { operand: b, factor: ca };
  return undefined;
}

/** The operand with an optional constant scale peeled off (it may have other readers: then it stays). */
function peel(view: GraphView, name: string): { operand: string; factor: number } {
  return scaledBy(view.producer(name), view) ?? { operand: name, factor: 1 };
}

interface Scores { readonly q: string; readonly kt: string; readonly scale: number }

/** matmul(q·a, kt·b) · c → q, kt and the product of the constant factors. */
function matchScores(view: GraphView, name: string): Scores | undefined {
  let factor = 1;
  let current = name;
  const outer = soleProducer(view, current, ['mul', 'div']);
  const scaled = scaledBy(outer, view);
  if (scaled !== undefined) {
    factor = scaled.factor;
    current = scaled.operand;
  }
  const product = soleProducer(view, current, ['matmul']);
  const [a, b] = product?.inputs ?? [];
  if (product === undefined || a === undefined || b === undefined) return undefined;
  const q = peel(view, a);
  const kt = peel(view, b);
  return { q: q.operand, kt: kt.operand, scale: factor * q.factor * kt.factor };
}

function swapLastTwo(perm: readonly number[]): number[] {
  const out = [...perm];
  const n = out.length;
  [out[n - 2], out[n - 1]] = [out[n - 1] ?? 0, out[n - 2] ?? 0];
  return out;
}

/**
 * K from Kᵀ: the transpose's source when that undoes it, else a new transpose node; a constant
 * scale under the transpose (PyTorch 2.x's Mul(kᵀ, √scale) once sink-transposes has moved the
 * transpose after it) is peeled off into `factor`.
 */
function keysFrom(view: GraphView, kt: string): { k: string; type: TensorType; specs: NodeSpec[]; factor: number } {
  const producer = view.producer(kt);
  let source = kt;
  let factor = 1;
  let perm = view.type(kt).shape.map((_, i) => i);
  if (producer?.op === 'transpose' && producer.inputs[0] !== undefined) {
    ({ operand: source, factor } = peel(view, producer.inputs[0]));
    perm = transposePerm(view.type(source).shape.length, producer.attrs);
  }
  const keyPerm = swapLastTwo(perm);
  const sourceShape = view.type(source).shape;
  const type = { dtype: 'f32' as const, shape: keyPerm.map((axis) => sourceShape[axis] ?? 1) };
  if (keyPerm.every((axis, i) => axis === i)) return { k: source, type, specs: [], factor };
  const k = view.freshName(`${kt}.keys`);
  return { k, type, specs: [{ op: 'transpose', inputs: [source], attrs: { perm: keyPerm }, name: k }], factor };
}

/**
 * matmul(softmax(add(scores, mask)), v)  or  matmul(softmax(scores), v), softmax on the last axis,
 *   scores = [mul|div](matmul([mul|div](q, c1), [mul|div](kt, c3)), c2) (each scale optional)
 *   → attention(q, k, v[, mask]){scale = c1·c2·c3}   with k = transpose⁻¹(kt) (a scale under
 *   that transpose also folded in: PyTorch 2.x's SDPA export splits the scale as √s on q and kᵀ)
 * and the same under where(m, -inf, ·) or where(m, ·, -inf): mask += where(m, -inf, 0).
 */
const fuseAttention: RewriteRule = {
  name: 'fuse-attention',
  match(node, view) {
    if (node.op !== 'matmul') return undefined;
    const [p, v] = node.inputs;
    const softmax = soleProducer(view, p, ['softmax']);
    if (softmax === undefined || v === undefined) return undefined;
    const rank = softmax.type.shape.length;
    if (resolveAxis(floatAttr(softmax.attrs, 'axis'), rank) !== rank - 1) return undefined;
    for (const candidate of maskedLogits(view, softmax.inputs[0] ?? '')) {
      const scores = matchScores(view, candidate.scores);
      if (scores === undefined) continue;
      const keys = keysFrom(view, scores.kt);
      const mask = candidate.mask;
      const types = [view.type(scores.q), keys.type, view.type(v), ...(mask === undefined ? [] : [mask.type])];
      try {
        attentionDims(types);
      } catch (error) {
        if (error instanceof CompileError) continue;
        throw error;
      }
      const inputs = [scores.q, keys.k, v, ...(mask === undefined ? [] : [mask.name])];
      return { replace: [...keys.specs, ...candidate.specs, { op: 'attention', inputs, attrs: { scale: Math.fround(scores.scale * keys.factor) } }] };
    }
    return undefined;
  },
};

export const ATTENTION_RULES: readonly RewriteRule[] = [fuseAttention];

export const fuseAttentionPass: Pass = {
  name: 'fuse-attention',
  summary: 'matmul(softmax(matmul(q, kᵀ)·scale + mask), v) → attention(q, k, v, mask){scale}',
  run: (graph) => rewriteGraph(graph, ATTENTION_RULES),
};
