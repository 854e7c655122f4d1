// Shape arithmetic as PyTorch exports it: `x.view(x.size(0), -1)` (Shape → Gather →
// Unsqueeze → Concat → Reshape), channel shuffle's `x.view(n, g, c // g, h, w)`, F.pad's
// pads built by ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast. fusegraph shapes are
// static but for the batch, so these ops are evaluated at import time on integer constants
// (src/frontends/onnx/int-tensor.ts), the batch carried as a marker that Reshape reads as
// "keep the batch". Gather on float data is refused.

import { CompileError } from '../../../ir/errors.ts';
import { E } from '../../../ir/scalar.ts';
import { formatShape, isSymbolic, shapeProblem } from '../../../ir/types.ts';
import { operand, type Converter } from './convert-math.ts';
import { castValue, gatherData } from './convert-masks.ts';
import { BATCH_MARKER, intGather, isMarker, symbolMarker } from './int-tensor.ts';
import type { KnownTensor } from './tensor.ts';

export { BATCH_MARKER };

const shape: Converter = (node, cx) => {
  const name = operand(node, 0);
  const known = cx.known(name);
  const dims = known !== undefined ? known.shape : cx.value(name).type.shape.map((d) => (isSymbolic(d) ? symbolMarker(d) : d));
  const rank = dims.length;
  const clamp = (i: number): number => Math.min(rank, Math.max(0, i < 0 ? i + rank : i));
  const start = clamp(node.int('start', 0));
  const end = clamp(node.has('end') ? node.int('end', rank) : rank);
  const values = dims.slice(start, Math.max(start, end));
  cx.defineConst(node.output, { kind: 'int', shape: [values.length], values });
  if (known === undefined && start === 0 && end === rank) cx.shapeSources.set(node.output, cx.value(name));
};

/** Size: the element count, a rank-0 int64 constant (statically known but for the batch). */
const size: Converter = (node, cx) => {
  const name = operand(node, 0);
  const known = cx.known(name);
  const dims = known !== undefined ? known.shape : cx.value(name).type.shape;
  if (dims.some(isSymbolic)) throw new CompileError(`the size of a value with a symbolic batch (${formatShape(dims)}) is not a constant; give the input a static shape (--input-shape)`);
  cx.defineConst(node.output, { kind: 'int', shape: [], values: [dims.reduce<number>((n, d) => n * (d as number), 1)] });
};

/** Gather on a shape (constants: evaluated now), else on data (the `gather` op, convert-masks.ts). */
const gather: Converter = (node, cx) => {
  const data = cx.known(operand(node, 0));
  const indices = cx.known(operand(node, 1));
  if (data?.kind !== 'int' || indices?.kind !== 'int') return gatherData(node, cx);
  cx.defineConst(node.output, intGather(data, indices, node.int('axis', 0)));
};

/** Cast between integer types changes nothing fusegraph tracks; int ↔ float converts constants. */
const cast: Converter = (node, cx) => {
  const name = operand(node, 0);
  const to = node.int('to', 0);
  const known = cx.known(name);
  const toInt = to === 7 || to === 6;
  const toFloat = to === 1;
  if (known === undefined) return castValue(node, cx);
  if (toInt) {
    cx.defineConst(node.output, { kind: 'int', shape: known.shape, values: known.kind === 'int' ? known.values : Array.from(known.data, Math.trunc) });
  } else if (toFloat) {
    if (known.kind === 'int' && known.values.some(isMarker)) throw new CompileError('cannot cast a symbolic dim\'s size to a float');
    cx.defineConst(node.output, known.kind === 'float' ? known : { kind: 'float', shape: known.shape, data: Float32Array.from(known.values) });
  } else if (to === 9) {
    cx.defineConst(node.output, { kind: 'int', shape: known.shape, values: Array.from(known.kind === 'int' ? known.values : known.data, (v) => (v !== 0 ? 1 : 0)), bool: true });
  } else {
    throw new CompileError(`fusegraph casts constants only to FLOAT, INT32, INT64 or BOOL, not to type ${to}`);
  }
};

/** A tensor of the given (constant) shape filled with `value` (default float 0). */
const constantOfShape: Converter = (node, cx) => {
  const dims = cx.knownInts(operand(node, 0), 'the shape');
  const value = node.tensor('value') ?? { kind: 'float', shape: [1], data: Float32Array.of(0) };
  if (dims.some(isMarker)) {
    // The shape of a computed value X (Shape(X), as PyTorch's export of zeros_like): a
    // constant body over X has X's shape, whatever the symbols are.
    const source = cx.shapeSources.get(operand(node, 0));
    if (source === undefined || value.kind !== 'float') throw new CompileError('a tensor of a symbolic dim\'s size cannot be a constant');
    cx.defineValue(node.output, cx.builder.op('fused_elementwise', [source], { body: E.const(value.data[0] ?? 0) }, node.output));
    return;
  }
  const count = dims.reduce((n, d) => n * d, 1);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new CompileError(`shape ${formatShape(dims)} has a negative dim`);
  let tensor: KnownTensor;
  if (value.kind === 'int') {
    if (count > 1 << 16) throw new CompileError(`an integer tensor of ${count} values is not a shape; fusegraph reads integer tensors only as shapes and axes`);
    tensor = { kind: 'int', shape: dims, values: new Array<number>(count).fill(value.values[0] ?? 0) };
  } else {
    const problem = count === 0 ? undefined : shapeProblem(dims);
    if (problem !== undefined) throw new CompileError(problem);
    tensor = { kind: 'float', shape: dims, data: new Float32Array(count).fill(value.data[0] ?? 0) };
  }
  cx.defineConst(node.output, tensor);
};

export const SHAPE_CONVERTERS: Readonly<Record<string, Converter>> = {
  Shape: shape, Size: size, Gather: gather, Cast: cast, ConstantOfShape: constantOfShape,
};
