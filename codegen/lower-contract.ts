// Lowering of the contraction and reduction ops that need index planning of their own:
// `matmul` (broadcast batch dims, rank-1 promotion) and `softmax` (outer × axis × inner).

import { CompileError } from '../ir/errors.ts';
import type { Node } from '../ir/graph.ts';
import { floatAttr, resolveAxis } from '../ir/ops/index.ts';
import { mulSizes } from '../ir/sym-size.ts';
import type { Shape } from '../ir/types.ts';
import type { LowerContext } from './lower.ts';
import { broadcastAccess, dimExtent, shapeExtents } from './loop-nest.ts';
import { productExtent, type BufferRef, type Kernel } from './kernels.ts';

function operandType(ctx: LowerContext, node: Node, index: number): Shape {
  const name = node.inputs[index];
  const type = name === undefined ? undefined : ctx.types.get(name);
  if (type === undefined) throw new CompileError(`internal: operand ${index} is not defined`, { node: node.name, op: node.op });
  return type.shape;
}


export function lowerMatmul(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const aShape = operandType(ctx, node, 0);
  const bShape = operandType(ctx, node, 1);
  const a2 = aShape.length === 1 ? [1, ...aShape] : aShape;
  const b2 = bShape.length === 1 ? [...bShape, 1] : bShape;
  const m = dimExtent(a2[a2.length - 2] ?? 1);
  const k = dimExtent(a2[a2.length - 1] ?? 1);
  const n = dimExtent(b2[b2.length - 1] ?? 1);
  const batchRank = node.type.shape.length - (aShape.length > 1 ? 1 : 0) - (bShape.length > 1 ? 1 : 0);
  const batchShape = node.type.shape.slice(0, batchRank);
  // Batch strides: a's leading dims hold [m, k] blocks, b's hold [k, n] blocks.
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const aBatchStrides = broadcastAccess(aBatch, batchShape).map((s) => mulSizes(s, m, k));
  const bBatchStrides = broadcastAccess(bBatch, batchShape).map((s) => mulSizes(s, k, n));
  return {
    kind: 'matmul', label: node.name, op: node.op, out, batch: shapeExtents(batchShape), aBatchStrides, bBatchStrides,
    m, k, n, a: ctx.buffer(node.inputs[0] ?? ''), b: ctx.buffer(node.inputs[1] ?? ''),
  };
}

export function lowerSoftmax(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const shape = node.type.shape;
  const axis = resolveAxis(floatAttr(node.attrs, 'axis'), shape.length);
  const extents = shapeExtents(shape);
  const inner = productExtent(extents.slice(axis + 1));
  return {
    kind: 'softmax', label: node.name, op: node.op, out,
    outer: productExtent(extents.slice(0, axis)), size: extents[axis] ?? dimExtent(1), inner,
    x: ctx.buffer(node.inputs[0] ?? ''),
  };
}
