// Lowering of `gather` (run-time ids) to the lookup kernel: data viewed as [outer, size,
// inner] around the gathered axis, the ids flattened to `count`.

import { CompileError } from '../ir/errors.ts';
import type { Node } from '../ir/graph.ts';
import { gatherLayout } from '../ir/ops/index.ts';
import { productExtent, type BufferRef, type Kernel } from './kernels.ts';
import { denseStrides, dimExtent } from './loop-nest.ts';
import type { LowerContext } from './lower.ts';

export function lowerLookup(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const [dataName, idsName] = node.inputs;
  const data = ctx.types.get(dataName ?? '');
  const ids = ctx.types.get(idsName ?? '');
  if (dataName === undefined || idsName === undefined || data === undefined || ids === undefined) {
    throw new CompileError('internal: gather without data and ids', { node: node.name, op: node.op });
  }
  const { axis, size, inner } = gatherLayout(data.shape, node.attrs);
  return {
    kind: 'lookup', label: node.name, op: node.op, out,
    outer: productExtent(data.shape.slice(0, axis).map(dimExtent)),
    count: productExtent(ids.shape.map(dimExtent)),
    size, inner, data: ctx.buffer(dataName), ids: ctx.buffer(idsName), idsName, idsStrides: denseStrides(ids.shape),
  };
}
