// Lowering of the region ops to the gather kernel (concat, slice, pad, nearest resize) and of
// linear resizing to the resize kernel. Index maps are fixed at compile time: affine where
// the op is affine, tables where it is not (reflect and edge padding, nearest taps).

import { CompileError } from '../ir/errors.ts';
import type { Node } from '../ir/graph.ts';
import {
  floatAttr, padSource, padsPerAxis, resizeAxes, resolveAxis, sliceAxes, spatialSizes, stringAttr, type PadMode,
} from '../ir/ops/index.ts';
import type { TensorType } from '../ir/types.ts';
import type { LowerContext } from './lower.ts';
import { denseStrides, dimExtent, shapeExtents } from './loop-nest.ts';
import { productExtent, type AxisMap, type BufferRef, type GatherSource, type Kernel } from './kernels.ts';

function typeOf(ctx: LowerContext, node: Node, index: number): TensorType {
  const type = ctx.types.get(node.inputs[index] ?? '');
  if (type === undefined) throw new CompileError(`internal: operand ${index} is not defined`, { node: node.name, op: node.op });
  return type;
}

const IDENTITY: AxisMap = { kind: 'identity' };

function gather(node: Node, out: BufferRef, sources: GatherSource[], regionAxis = 0, fill = 0): Kernel {
  return { kind: 'gather', label: node.name, op: node.op, out, extents: shapeExtents(node.type.shape), regionAxis, sources, fill };
}

export function lowerConcat(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const axis = resolveAxis(floatAttr(node.attrs, 'axis'), node.type.shape.length);
  let begin = 0;
  const sources = node.inputs.map((name, index): GatherSource => {
    const type = typeOf(ctx, node, index);
    const size = type.shape[axis] as number;
    const maps = type.shape.map((_, a): AxisMap => (a === axis ? { kind: 'affine', scale: 1, offset: -begin, size } : IDENTITY));
    const source: GatherSource = { buffer: ctx.buffer(name), strides: denseStrides(type.shape), maps, region: { begin, end: begin + size } };
    begin += size;
    return source;
  });
  return gather(node, out, sources, axis);
}

export function lowerSlice(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const x = typeOf(ctx, node, 0);
  const axes = sliceAxes(x.shape, node.attrs);
  const maps = x.shape.map((dim, a): AxisMap => {
    const s = axes[a];
    if (typeof dim !== 'number' || s === undefined || (s.start === 0 && s.step === 1 && s.size === dim)) return IDENTITY;
    return { kind: 'affine', scale: s.step, offset: s.start, size: dim };
  });
  return gather(node, out, [{ buffer: ctx.buffer(node.inputs[0] ?? ''), strides: denseStrides(x.shape), maps }]);
}

export function lowerPad(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const x = typeOf(ctx, node, 0);
  const { begin, end } = padsPerAxis(x.shape, node.attrs);
  const mode = stringAttr(node.attrs, 'mode') as PadMode;
  const maps = x.shape.map((dim, a): AxisMap => {
    const before = begin[a] ?? 0;
    if (typeof dim !== 'number' || before + (end[a] ?? 0) === 0) return IDENTITY;
    if (mode === 'constant') return { kind: 'affine', scale: 1, offset: -before, size: dim };
    const length = dim + before + (end[a] ?? 0);
    return { kind: 'table', indices: Array.from({ length }, (_, i) => padSource(mode, i, before, dim)) };
  });
  const source: GatherSource = { buffer: ctx.buffer(node.inputs[0] ?? ''), strides: denseStrides(x.shape), maps };
  return gather(node, out, [source], 0, floatAttr(node.attrs, 'value'));
}

/** Nearest resizing gathers through per-axis tables; linear resizing has a kernel of its own. */
export function lowerResize(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const x = typeOf(ctx, node, 0);
  const inSize = spatialSizes(x.shape);
  const taps = resizeAxes(inSize, node.attrs);
  const buffer = ctx.buffer(node.inputs[0] ?? '');
  if (stringAttr(node.attrs, 'mode') === 'nearest') {
    const maps: AxisMap[] = [IDENTITY, IDENTITY, ...taps.map((t): AxisMap => ({ kind: 'table', indices: t.i0 }))];
    return gather(node, out, [{ buffer, strides: denseStrides(x.shape), maps }]);
  }
  return {
    kind: 'resize', label: node.name, op: node.op, out, planes: productExtent([dimExtent(x.shape[0] ?? 1), dimExtent(x.shape[1] ?? 1)]),
    inSize, taps, x: buffer,
  };
}
