// PyTorch-like transformer modules: nn.LayerNorm, nn.MultiheadAttention (self-attention,
// batch_first, no mask) and nn.TransformerEncoderLayer (post- or pre-norm, ReLU or GELU),
// with PyTorch's parameter names (`self_attn.in_proj_weight`, `norm1.bias`, …) and default
// initialisation, so a state dict loads by name. Attention is built as the fused op.

import { CompileError } from '../ir/errors.ts';
import { formatType } from '../ir/types.ts';
import type { Value } from './builder.ts';
import { filledParameter, joinName, moduleNodeName, uniformParameter, type BuildContext, type Module, type ParameterSpec } from './nn-module.ts';

function listed(prefix: string, specs: readonly ParameterSpec[]): { name: string; spec: ParameterSpec }[] {
  return specs.map((spec) => ({ name: joinName(prefix, spec.name), spec }));
}

/** torch.nn.LayerNorm(size, eps, elementwise_affine) over the last axis: weight ones, bias zeros. */
export function layerNorm(size: number, options: { eps?: number; elementwiseAffine?: boolean } = {}): Module {
  const affine = options.elementwiseAffine ?? true;
  const specs = affine ? [filledParameter('weight', [size], 1), filledParameter('bias', [size], 0)] : [];
  return {
    kind: 'layer_norm',
    parameters: (prefix) => listed(prefix, specs),
    build(x, context, prefix) {
      const [w, b] = specs.map((spec) => context.parameter(joinName(prefix, spec.name), spec));
      return context.builder.layerNorm(x, w, b, { axis: -1, epsilon: options.eps ?? 1e-5 }, moduleNodeName(context.builder, prefix, 'layer_norm'));
    },
  };
}

export interface MultiheadAttentionOptions {
  /** Must be true: x is [N, S, E] (PyTorch's default, false, is [S, N, E]). */
  readonly batchFirst?: boolean;
}

/**
 * torch.nn.MultiheadAttention(embed_dim, num_heads, batch_first=True) used as self-attention,
 * attn(x, x, x, need_weights=False)[0]: in_proj_weight [3E, E] (xavier_uniform),
 * in_proj_bias [3E] and out_proj.bias zeros, out_proj.weight as nn.Linear.
 */
export function multiheadAttention(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}): Module {
  if (options.batchFirst !== true) throw new CompileError('multiheadAttention: only batchFirst: true ([N, S, E] inputs) is supported');
  if (!Number.isInteger(embedDim / numHeads)) throw new CompileError(`multiheadAttention: embed_dim ${embedDim} must be divisible by num_heads ${numHeads}`);
  const e = embedDim;
  const specs = [
    uniformParameter('in_proj_weight', [3 * e, e], Math.sqrt(6 / (e + 3 * e))),
    filledParameter('in_proj_bias', [3 * e], 0),
    uniformParameter('out_proj.weight', [e, e], 1 / Math.sqrt(e)),
    filledParameter('out_proj.bias', [e], 0),
  ];
  return {
    kind: 'multihead_attention',
    parameters: (prefix) => listed(prefix, specs),
    build(x, context, prefix) {
      const b = context.builder;
      const [sequence, width] = x.type.shape.slice(-2);
      if (x.type.shape.length !== 3 || width !== e) {
        throw new CompileError(`multiheadAttention: needs x [N, S, ${e}], got ${formatType(x.type)}`);
      }
      const [inW, inB, outW, outB] = specs.map((spec) => context.parameter(joinName(prefix, spec.name), spec)) as [Value, Value, Value, Value];
      const name = moduleNodeName(b, prefix, 'self_attn');
      const head = e / numHeads;
      const projected = b.linear(x, inW, inB, undefined, [], b.freshName(`${name}.in_proj`));
      if (typeof sequence !== 'number') {
        // A symbolic S: the same fused attention, the heads split with reshape's 0 (copy N and S).
        const [q, k, v] = b.split(projected, -1, [e, e, e], b.freshName(`${name}.qkv`)).map((part) =>
          b.transpose(b.reshape(part, [0, 0, numHeads, head]), [0, 2, 1, 3])) as [Value, Value, Value];
        const attended = b.attention(q, k, v, { scale: 1 / Math.sqrt(head) }, b.freshName(`${name}.attention`));
        return b.linear(b.reshape(b.transpose(attended, [0, 2, 1, 3]), [0, 0, e]), outW, outB, undefined, [], name);
      }
      const heads = b.split(projected, -1, [e, e, e], b.freshName(`${name}.qkv`)).map((part) =>
        b.transpose(b.reshape(part, [-1, sequence, numHeads, head]), [0, 2, 1, 3]));
      const [q, k, v] = heads as [Value, Value, Value];
      const attended = b.attention(q, k, v, { scale: 1 / Math.sqrt(head) }, b.freshName(`${name}.attention`));
      const merged = b.reshape(b.transpose(attended, [0, 2, 1, 3]), [-1, sequence, e]);
      return b.linear(merged, outW, outB, undefined, [], name);
    },
  };
}

export interface TransformerEncoderLayerOptions {
  readonly dimFeedforward?: number;
  readonly activation?: 'relu' | 'gelu';
  readonly layerNormEps?: number;
  /** Pre-norm (x + sa(norm1(x))) instead of post-norm (norm1(x + sa(x))). */
  readonly normFirst?: boolean;
}

function linearModule(name: string, inFeatures: number, outFeatures: number): ParameterSpec[] {
  const bound = 1 / Math.sqrt(inFeatures);
  return [uniformParameter(`${name}.weight`, [outFeatures, inFeatures], bound), uniformParameter(`${name}.bias`, [outFeatures], bound)];
}

/** torch.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation, batch_first=True, norm_first) at inference. */
export function transformerEncoderLayer(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}): Module {
  const ff = options.dimFeedforward ?? 2048;
  const attention = multiheadAttention(dModel, nhead, { batchFirst: true });
  const norms = [layerNorm(dModel, { eps: options.layerNormEps ?? 1e-5 }), layerNorm(dModel, { eps: options.layerNormEps ?? 1e-5 })] as const;
  const linears = [...linearModule('linear1', dModel, ff), ...linearModule('linear2', ff, dModel)];
  const feedForward = (x: Value, context: BuildContext, prefix: string): Value => {
    const b = context.builder;
    const [w1, b1, w2, b2] = linears.map((spec) => context.parameter(joinName(prefix, spec.name), spec)) as [Value, Value, Value, Value];
    const activation = { op: options.activation ?? 'relu', attrs: options.activation === 'gelu' ? { approximate: 'none' } : {} };
    const hidden = b.linear(x, w1, b1, activation, [], b.freshName(joinName(prefix, 'linear1')));
    return b.linear(hidden, w2, b2, undefined, [], b.freshName(joinName(prefix, 'linear2')));
  };
  return {
    kind: 'transformer_encoder_layer',
    parameters: (prefix) => [
      ...attention.parameters(joinName(prefix, 'self_attn')),
      ...listed(prefix, linears),
      ...norms[0].parameters(joinName(prefix, 'norm1')),
      ...norms[1].parameters(joinName(prefix, 'norm2')),
    ],
    build(x, context, prefix) {
      const b = context.builder;
      const selfAttention = (v: Value): Value => attention.build(v, context, joinName(prefix, 'self_attn'));
      const norm = (index: 0 | 1, v: Value): Value => norms[index].build(v, context, joinName(prefix, `norm${index + 1}`));
      if (options.normFirst === true) {
        const h = b.add(x, selfAttention(norm(0, x)));
        return b.add(h, feedForward(norm(1, h), context, prefix));
      }
      const h = norm(0, b.add(x, selfAttention(x)));
      return norm(1, b.add(h, feedForward(h, context, prefix)));
    },
  };
}
