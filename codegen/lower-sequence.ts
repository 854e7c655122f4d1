// Lowering of the transformer ops: `layer_norm` (rows of the normalized size) and the fused
// `attention` (leading dims, query rows, and the mask's strides over the score matrix).

import { ZERO_SIZE } from '../ir/sym-size.ts';
import { CompileError } from '../ir/errors.ts';
import type { Node } from '../ir/graph.ts';
import { attentionDims, floatAttr, layerNormLayout, normalizedShape } from '../ir/ops/index.ts';
import type { TensorType } from '../ir/types.ts';
import type { LowerContext } from './lower.ts';
import { broadcastAccess, dimExtent, shapeExtents } from './loop-nest.ts';
import { productExtent, type BufferRef, type Kernel } from './kernels.ts';

function operandTypes(ctx: LowerContext, node: Node): TensorType[] {
  return node.inputs.map((name) => {
    const type = ctx.types.get(name);
    if (type === undefined) throw new CompileError(`internal: operand ${name} is not defined`, { node: node.name, op: node.op });
    return type;
  });
}

export function lowerLayerNorm(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const shape = node.type.shape;
  const tail = normalizedShape(shape, node.attrs);
  const size = tail.reduce((n, d) => n * d, 1);
  const { residual, paramStart } = layerNormLayout(node.attrs);
  const x = node.inputs[0];
  const r = residual ? node.inputs[1] : undefined;
  const [scale, bias] = node.inputs.slice(paramStart);
  return {
    kind: 'layer_norm', label: node.name, op: node.op, out,
    rows: productExtent(shapeExtents(shape.slice(0, shape.length - tail.length))), size,
    epsilon: floatAttr(node.attrs, 'epsilon'),
    x: ctx.buffer(x ?? ''),
    ...(r === undefined ? {} : { residual: ctx.buffer(r) }),
    ...(scale === undefined ? {} : { scale: ctx.buffer(scale) }),
    ...(bias === undefined ? {} : { bias: ctx.buffer(bias) }),
  };
}

export function lowerAttention(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const types = operandTypes(ctx, node);
  const { lead, sq, sk, d, dv } = attentionDims(types);
  const [q, k, v, mask] = node.inputs;
  const maskType = types[3];
  let maskAccess;
  if (mask !== undefined && maskType !== undefined) {
    const strides = broadcastAccess(maskType.shape, [...lead, sq, sk]);
    maskAccess = {
      buffer: ctx.buffer(mask), leadStrides: strides.slice(0, lead.length),
      rowStride: strides[lead.length] ?? ZERO_SIZE, colStride: strides[lead.length + 1] ?? ZERO_SIZE,
    };
  }
  return {
    kind: 'attention', label: node.name, op: node.op, out, lead: shapeExtents(lead), sq: dimExtent(sq), sk: dimExtent(sk), d, dv,
    scale: floatAttr(node.attrs, 'scale'), q: ctx.buffer(q ?? ''), k: ctx.buffer(k ?? ''), v: ctx.buffer(v ?? ''),
    ...(maskAccess === undefined ? {} : { mask: maskAccess }),
  };
}
