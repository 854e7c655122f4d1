// Converters for ONNX's sliding-window ops: Conv, ConvTranspose, MaxPool and AveragePool
// (1-D and 2-D, auto_pad resolved to explicit pads), and the global pools and Reduce* ops
// as `reduce_*` nodes. The IR re-checks shapes; here go the checks only ONNX's attributes
// allow (kernel_shape against the weight, auto_pad against pads, Indices outputs).

import { CompileError } from '../../../ir/errors.ts';
import { formatShape, formatType } from '../../../ir/types.ts';
import type { Value } from '../../builder.ts';
import type { ImportContext } from './context.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import type { NodeView } from './node-view.ts';
import { checkKernelShape, positivePerAxis, transposePads, windowPads } from './window-attrs.ts';

/** The static spatial sizes of a 1-D or 2-D [N, C, *S] operand. */
function spatialOf(x: Value, what: string): number[] {
  const shape = x.type.shape;
  if (shape.length !== 3 && shape.length !== 4) {
    throw new CompileError(`fusegraph supports 1-D and 2-D ${what} ([N,C,L] or [N,C,H,W]); X is ${formatType(x.type)}`);
  }
  return shape.slice(2) as number[];
}

function weightOf(cx: ImportContext, node: NodeView, x: Value, layout: string): { w: Value; kernel: number[] } {
  const w = cx.value(operand(node, 1));
  if (w.type.shape.length !== x.type.shape.length) {
    throw new CompileError(`weight ${formatType(w.type)} must be ${layout} for X ${formatType(x.type)}`);
  }
  const kernel = w.type.shape.slice(2) as number[];
  checkKernelShape(node, kernel, formatType(w.type));
  return { w, kernel };
}

function groupOf(node: NodeView): number {
  const group = node.int('group', 1);
  if (group < 1) throw new CompileError(`group must be >= 1, got ${group}`);
  return group;
}

const conv: Converter = (node, cx) => {
  const x = cx.value(operand(node, 0));
  const inSize = spatialOf(x, 'convolutions');
  const { w, kernel } = weightOf(cx, node, x, `[M, C/group, ${inSize.map(() => 'k').join(', ')}]`);
  const rank = inSize.length;
  const strides = positivePerAxis(node, 'strides', rank);
  const dilations = positivePerAxis(node, 'dilations', rank);
  const spans = kernel.map((k, axis) => (dilations[axis] ?? 1) * (k - 1) + 1);
  const pads = windowPads(node, inSize, spans, strides);
  const bias = optionalOperand(node, 2);
  const operands = bias === undefined ? [x, w] : [x, w, cx.value(bias)];
  cx.defineValue(node.output, cx.builder.op('conv', operands, { strides, pads, dilations, group: groupOf(node) }, node.output));
};

const convTranspose: Converter = (node, cx) => {
  const x = cx.value(operand(node, 0));
  const inSize = spatialOf(x, 'transposed convolutions');
  const { w, kernel } = weightOf(cx, node, x, `[C, M/group, ${inSize.map(() => 'k').join(', ')}]`);
  const rank = inSize.length;
  const strides = positivePerAxis(node, 'strides', rank);
  const dilations = positivePerAxis(node, 'dilations', rank);
  const outputPadding = node.ints('output_padding') ?? new Array<number>(rank).fill(0);
  if (outputPadding.length !== rank || outputPadding.some((p) => p < 0)) {
    throw new CompileError(`output_padding needs ${rank} values >= 0, got ${formatShape(outputPadding)}`);
  }
  // The output size before pads: (in − 1)·stride + dilation·(k − 1) + 1 + output_padding.
  const full = inSize.map((size, axis) => (size - 1) * (strides[axis] ?? 1) + (dilations[axis] ?? 1) * ((kernel[axis] ?? 1) - 1) + 1 + (outputPadding[axis] ?? 0));
  const pads = transposePads(node, inSize, full, strides);
  const bias = optionalOperand(node, 2);
  const operands = bias === undefined ? [x, w] : [x, w, cx.value(bias)];
  const attrs = { strides, pads, dilations, group: groupOf(node), output_padding: outputPadding };
  cx.defineValue(node.output, cx.builder.op('conv_transpose', operands, attrs, node.output));
};

function pool(op: 'max_pool' | 'avg_pool'): Converter {
  return (node, cx) => {
    const indices = node.outputs[1];
    if (indices !== undefined && indices !== '') {
      throw new CompileError('its second output (Indices) is not supported: fusegraph computes only the pooled values');
    }
    const x = cx.value(operand(node, 0));
    const inSize = spatialOf(x, 'pooling');
    const rank = inSize.length;
    const kernel = node.ints('kernel_shape');
    if (kernel === undefined) throw new CompileError('expects a kernel_shape attribute');
    if (kernel.length !== rank || kernel.some((k) => k < 1)) {
      throw new CompileError(`kernel_shape needs ${rank} values >= 1 (one per spatial axis of ${formatType(x.type)}), got ${formatShape(kernel)}`);
    }
    const strides = positivePerAxis(node, 'strides', rank);
    const dilations = positivePerAxis(node, 'dilations', rank);
    if (op === 'avg_pool' && dilations.some((d) => d !== 1)) throw new CompileError(`dilations ${formatShape(dilations)} are not supported for AveragePool`);
    const spans = kernel.map((k, axis) => (dilations[axis] ?? 1) * (k - 1) + 1);
    const pads = windowPads(node, inSize, spans, strides);
    const ceil = node.int('ceil_mode', 0);
    const attrs = op === 'max_pool'
      ? { kernel_shape: kernel, strides, pads, dilations, ceil_mode: ceil }
      : { kernel_shape: kernel, strides, pads, ceil_mode: ceil, count_include_pad: node.int('count_include_pad', 0) };
    cx.defineValue(node.output, cx.builder.op(op, [x], attrs, node.output));
  };
}

type ReduceOp = 'reduce_mean' | 'reduce_max' | 'reduce_sum' | 'reduce_min';

/** GlobalAveragePool / GlobalMaxPool: a reduction over every spatial axis, kept as 1s. */
function globalPool(op: ReduceOp): Converter {
  return (node, cx) => {
    const x = cx.value(operand(node, 0));
    const rank = x.type.shape.length;
    if (rank < 3) throw new CompileError(`X must be [N, C, spatial...], got ${formatType(x.type)}`);
    const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
    cx.defineValue(node.output, cx.builder.op(op, [x], { axes, keepdims: 1 }, node.output));
  };
}

/**
 * Reduce*: axes from the attribute before opset 18 (ReduceSum: before 13), from the optional
 * second input after. No axes means every axis, or nothing with noop_with_empty_axes.
 */
function reduce(op: ReduceOp, axesInputFrom: number): Converter {
  return (node, cx) => {
    const x = cx.value(operand(node, 0));
    let axes: readonly number[] | undefined;
    if (cx.opset >= axesInputFrom) {
      if (node.has('axes')) throw new CompileError(`from opset ${axesInputFrom} axes is an input, not an attribute`);
      const name = optionalOperand(node, 1);
      axes = name === undefined ? undefined : cx.knownInts(name, 'axes');
    } else {
      axes = node.ints('axes');
    }
    const keepdims = node.int('keepdims', 1);
    if ((axes === undefined || axes.length === 0) && node.int('noop_with_empty_axes', 0) !== 0) {
      cx.alias(node.output, operand(node, 0));
      return;
    }
    cx.defineValue(node.output, cx.builder.op(op, [x], { axes: [...(axes ?? [])], keepdims }, node.output));
  };
}

export const WINDOW_CONVERTERS: Readonly<Record<string, Converter>> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool('max_pool'),
  AveragePool: pool('avg_pool'),
  GlobalAveragePool: globalPool('reduce_mean'),
  GlobalMaxPool: globalPool('reduce_max'),
  ReduceMean: reduce('reduce_mean', 18),
  ReduceMax: reduce('reduce_max', 18),
  ReduceMin: reduce('reduce_min', 18),
  ReduceSum: reduce('reduce_sum', 13),
};
