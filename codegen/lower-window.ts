// Lowering of the windowed ops: `conv` and `conv_transpose` to the conv kernel (a transposed
// convolution is a convolution whose taps step backwards over an input read at 1/stride, with
// its weight regrouped at compile time), and pooling and reductions to the reduce kernel.

import { CompileError } from '../ir/errors.ts';
import type { Node } from '../ir/graph.ts';
import {
  activationAttr, activationDef, alignedOperandShapes, convGeometry, convLayout, convTransposeGeometry, floatAttr,
  poolGeometry, reducedAxes, type WindowGeometry,
} from '../ir/ops/index.ts';
import { E, substituteOperands, type ScalarExpr } from '../ir/scalar.ts';
import type { Shape, TensorType } from '../ir/types.ts';
import type { LowerContext } from './lower.ts';
import { mulSizes, ZERO_SIZE, type SymSize } from '../ir/sym-size.ts';
import { broadcastAccess, denseStrides, dimExtent } from './loop-nest.ts';
import { scaleExtent, staticExtent, type Access, type BufferRef, type Kernel, type ReduceAxis, type WindowAxis } from './kernels.ts';

function typeOf(ctx: LowerContext, node: Node, index: number): TensorType {
  const type = ctx.types.get(node.inputs[index] ?? '');
  if (type === undefined) throw new CompileError(`internal: operand ${index} is not defined`, { node: node.name, op: node.op });
  return type;
}

function forwardAxes(g: WindowGeometry): WindowAxis[] {
  return g.inSize.map((size, a) => ({
    out: g.outSize[a] ?? 1, taps: g.kernel[a] ?? 1, stride: g.strides[a] ?? 1, dilation: g.dilations[a] ?? 1,
    padBegin: g.padBegin[a] ?? 0, divisor: 1, size,
  }));
}

/** ((($0 + bias) + residual) then the activation, with operands strided over the output. */
function convEpilogue(node: Node, ctx: LowerContext, outShape: Shape): { body: ScalarExpr; operands: Access[] } {
  const { hasBias, residual, paramStart } = convLayout(node.inputs.length, node.attrs);
  const operands: Access[] = [];
  let body: ScalarExpr = E.operand(0);
  const channels = outShape[1] ?? 1;
  if (hasBias) {
    const biasShape = [channels, ...outShape.slice(2).map(() => 1)];
    operands.push({ buffer: ctx.buffer(node.inputs[2] ?? ''), strides: broadcastAccess(biasShape, outShape) });
    body = E.add(body, E.operand(operands.length));
  }
  if (residual !== undefined) {
    operands.push({ buffer: ctx.buffer(node.inputs[residual] ?? ''), strides: broadcastAccess(outShape, outShape) });
    body = E.add(body, E.operand(operands.length));
  }
  const activation = activationAttr(node.attrs);
  const spec = activation === undefined ? undefined : activationDef(activation.op)?.elementwise;
  if (activation !== undefined && spec !== undefined) {
    const params = node.inputs.slice(paramStart);
    const shapes = alignedOperandShapes(spec, [outShape, ...params.map((_, i) => typeOf(ctx, node, paramStart + i).shape)], outShape.length);
    const first = operands.length + 1;
    params.forEach((name, i) => operands.push({ buffer: ctx.buffer(name), strides: broadcastAccess(shapes[i + 1] ?? [], outShape) }));
    const pre = body;
    body = substituteOperands(spec.body(activation.attrs), (index) => (index === 0 ? pre : E.operand(first + index - 1)));
  }
  return { body, operands };
}

export function lowerConv(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const x = typeOf(ctx, node, 0);
  const w = typeOf(ctx, node, 1);
  const geometry = convGeometry(x, w, node.attrs);
  const [outChannels = 1, groupIn = 1] = w.shape as number[];
  return {
    kind: 'conv', label: node.name, op: node.op, out, batch: dimExtent(x.shape[0] ?? 1),
    groups: floatAttr(node.attrs, 'group'), groupIn, inChannels: x.shape[1] as number, outChannels,
    spatial: forwardAxes(geometry), x: ctx.buffer(node.inputs[0] ?? ''), weight: ctx.buffer(node.inputs[1] ?? ''),
    epilogue: convEpilogue(node, ctx, node.type.shape),
  };
}

/** W[C, M/g, ...k] regrouped as a forward weight W'[M, C/g, ...k]: W'[m, c, t] = W[g·C/g + c, m mod M/g, t]. */
function regroupTransposedWeight(data: Float32Array, shape: readonly number[], group: number): { shape: number[]; data: Float32Array } {
  const [inChannels = 1, perGroup = 1, ...kernel] = shape;
  const taps = kernel.reduce((n, k) => n * k, 1);
  const groupIn = inChannels / group;
  const outChannels = perGroup * group;
  const result = new Float32Array(data.length);
  for (let m = 0; m < outChannels; m++) {
    const g = Math.floor(m / perGroup);
    for (let c = 0; c < groupIn; c++) {
      const from = ((g * groupIn + c) * perGroup + (m % perGroup)) * taps;
      result.set(data.subarray(from, from + taps), (m * groupIn + c) * taps);
    }
  }
  return { shape: [outChannels, groupIn, ...kernel], data: result };
}

export function lowerConvTranspose(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const x = typeOf(ctx, node, 0);
  const w = typeOf(ctx, node, 1);
  const weight = ctx.constantData(node.inputs[1] ?? '');
  if (weight === undefined) {
    throw new CompileError('the code generator needs a constant weight for conv_transpose (it is regrouped at compile time)', { node: node.name, op: node.op });
  }
  const g = convTransposeGeometry(x, w, node.attrs);
  const group = floatAttr(node.attrs, 'group');
  const regrouped = regroupTransposedWeight(weight.data, weight.shape, group);
  const spatial: WindowAxis[] = g.inSize.map((size, a) => ({
    out: g.outSize[a] ?? 1, taps: g.kernel[a] ?? 1, stride: 1, dilation: -(g.dilations[a] ?? 1),
    padBegin: -(g.padBegin[a] ?? 0), divisor: g.strides[a] ?? 1, size,
  }));
  const outShape = node.type.shape;
  const operands: Access[] = [];
  let body: ScalarExpr = E.operand(0);
  if (node.inputs[2] !== undefined) {
    operands.push({ buffer: ctx.buffer(node.inputs[2]), strides: broadcastAccess([outShape[1] ?? 1, ...outShape.slice(2).map(() => 1)], outShape) });
    body = E.add(body, E.operand(1));
  }
  return {
    kind: 'conv', label: node.name, op: node.op, out, batch: dimExtent(x.shape[0] ?? 1), groups: group,
    groupIn: regrouped.shape[1] ?? 1, inChannels: x.shape[1] as number, outChannels: regrouped.shape[0] ?? 1, spatial,
    x: ctx.buffer(node.inputs[0] ?? ''), weight: ctx.addConstant(`${node.name}/weight`, regrouped.shape, regrouped.data),
    epilogue: { body, operands },
  };
}

/** The axis of a plane: read straight, never checked. */
function planeAxis(out: ReduceAxis['out'], inStride: SymSize): ReduceAxis {
  return { out, taps: staticExtent(1), stride: 1, dilation: 1, padBegin: 0, padEnd: 0, size: ZERO_SIZE, inStride };
}

export function lowerPool(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const x = typeOf(ctx, node, 0);
  const g = poolGeometry(x, node.attrs);
  const planeSize = g.inSize.reduce((n, s) => n * s, 1);
  const spatialStrides = g.inSize.map((_, a) => g.inSize.slice(a + 1).reduce((n, s) => n * s, 1));
  const planes = mulSizes(dimExtent(x.shape[0] ?? 1), dimExtent(x.shape[1] ?? 1));
  const axes: ReduceAxis[] = [
    planeAxis(planes, staticExtent(planeSize)),
    ...g.inSize.map((size, a): ReduceAxis => ({
      out: staticExtent(g.outSize[a] ?? 1), taps: staticExtent(g.kernel[a] ?? 1), stride: g.strides[a] ?? 1, dilation: g.dilations[a] ?? 1,
      padBegin: g.padBegin[a] ?? 0, padEnd: g.padEnd[a] ?? 0, size: staticExtent(size), inStride: staticExtent(spatialStrides[a] ?? 1),
    })),
  ];
  const isMax = node.op === 'max_pool';
  const finish = isMax ? 'none' : floatAttr(node.attrs, 'count_include_pad') !== 0 ? 'mean-padded' : 'mean';
  return { kind: 'reduce', label: node.name, op: node.op, out, combine: isMax ? 'max' : 'sum', finish, axes, x: ctx.buffer(node.inputs[0] ?? '') };
}

const REDUCE_COMBINE = {
  reduce_sum: { combine: 'sum', finish: 'none' },
  reduce_mean: { combine: 'sum', finish: 'mean' },
  reduce_max: { combine: 'max', finish: 'none' },
  reduce_min: { combine: 'min', finish: 'none' },
} as const;

/**
 * reduce_*: every input axis becomes a reduce axis (reduced: one output, every tap; kept: taps
 * 1); neighbouring axes of the same sort merge, so global pooling over [H, W] is one axis.
 */
export function lowerReduce(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const x = typeOf(ctx, node, 0);
  const reduced = new Set(reducedAxes(x.shape, node.attrs));
  const dims = x.shape.map(dimExtent);
  const strides = denseStrides(x.shape);
  const axes: ReduceAxis[] = [];
  let previous: boolean | undefined;
  x.shape.forEach((_, a) => {
    const isReduced = reduced.has(a);
    const extent = dims[a] ?? staticExtent(1);
    const last = axes[axes.length - 1];
    const inStride = strides[a] ?? staticExtent(1);
    if (last !== undefined && previous === isReduced) {
      // Merge with the previous axis (dense input: its stride is this one's times its size).
      axes[axes.length - 1] = isReduced
        ? { ...last, taps: mulSizes(last.taps, extent), size: mulSizes(last.size, extent), inStride }
        : { ...last, out: mulSizes(last.out, extent), inStride };
    } else {
      axes.push(isReduced
        ? { out: staticExtent(1), taps: extent, stride: 0, dilation: 1, padBegin: 0, padEnd: 0, size: extent, inStride }
        : planeAxis(extent, inStride));
    }
    previous = isReduced;
  });
  const { combine, finish } = REDUCE_COMBINE[node.op as keyof typeof REDUCE_COMBINE];
  return { kind: 'reduce', label: node.name, op: node.op, out, combine, finish, axes, x: ctx.buffer(node.inputs[0] ?? '') };
}
