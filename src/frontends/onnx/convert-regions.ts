// Converters for the ops that move regions: Concat, Slice, Split (several `slice`s) and Pad
// (opset 11+: pads, constant_value and, from 18, axes as constant inputs). On integer
// constants (shape arithmetic) they are evaluated at import; on f32 data they become IR ops.

import { CompileError } from '../../../ir/errors.ts';
import { formatShape, isSymbolic, type Dim } from '../../../ir/types.ts';
import type { Value } from '../../builder.ts';
import type { ImportContext } from './context.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import { isMarker, markerSymbol, intConcat, intSlice, resolveIntAxis, type IntTensor } from './int-tensor.ts';
import type { NodeView } from './node-view.ts';

/** Beyond any real dim: Slice bounds past it mean "to the end" (INT64_MAX as exported). */
const HUGE = 2 ** 52 + 1;

const concat: Converter = (node, cx) => {
  if (!node.has('axis')) throw new CompileError('expects an axis attribute');
  const axis = node.int('axis', 0);
  // Empty constants (a 0-length shape piece) contribute nothing.
  const parts = node.inputs.filter((name) => name !== '' && !(cx.known(name)?.shape.includes(0) ?? false));
  const ints = parts.map((name) => cx.known(name)).filter((k): k is IntTensor => k?.kind === 'int');
  if (ints.length === parts.length && ints.length > 0) {
    cx.defineConst(node.output, intConcat(ints, axis));
    return;
  }
  if (ints.length > 0) throw new CompileError('mixes integer shapes with float tensors');
  const values = parts.map((name) => cx.value(name));
  cx.defineValue(node.output, cx.builder.op('concat', values, { axis }, node.output));
};

interface SliceSpec {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes: readonly number[];
  readonly steps: readonly number[];
}

function sliceInputs(node: NodeView, cx: ImportContext): SliceSpec {
  const starts = cx.knownInts(operand(node, 1), 'starts');
  const ends = cx.knownInts(operand(node, 2), 'ends');
  const axesName = optionalOperand(node, 3);
  const stepsName = optionalOperand(node, 4);
  const axes = axesName === undefined ? starts.map((_, i) => i) : cx.knownInts(axesName, 'axes');
  const steps = stepsName === undefined ? starts.map(() => 1) : cx.knownInts(stepsName, 'steps');
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new CompileError(`starts, ends, axes and steps need the same length, got ${starts.length}, ${ends.length}, ${axes.length}, ${steps.length}`);
  }
  return { starts, ends, axes, steps };
}

/**
 * The IR slice of `x`: bounds clamped to [-dim-1, dim] (which keeps ONNX's meaning, INT64
 * extremes included); a whole-axis slice of the symbolic batch is dropped, any other refused.
 */
export function sliceValue(cx: ImportContext, x: Value, spec: SliceSpec, name: string): Value {
  const shape = x.type.shape;
  const kept: { start: number; end: number; axis: number; step: number }[] = [];
  spec.starts.forEach((start, i) => {
    const axis = resolveIntAxis(spec.axes[i] ?? i, shape.length);
    const end = spec.ends[i] ?? 0;
    const step = spec.steps[i] ?? 1;
    const dim: Dim = shape[axis] ?? 1;
    if (step === 0) throw new CompileError(`step on axis ${axis} must not be 0`);
    if (isSymbolic(dim)) {
      // The whole axis: 0 (or INT64_MIN) up to INT64_MAX or to the symbol's size itself.
      if ((start === 0 || start <= -HUGE) && (end >= HUGE || (isMarker(end) && markerSymbol(end) === dim)) && step === 1) return;
      throw new CompileError(`cannot slice the symbolic axis ${axis} of ${formatShape(shape)}`);
    }
    const clamp = (v: number): number => Math.min(Math.max(v, -dim - 1), dim);
    kept.push({ start: clamp(start), end: clamp(end), axis, step });
  });
  if (kept.length === 0) return cx.builder.identity(x, name);
  const attrs = { starts: kept.map((k) => k.start), ends: kept.map((k) => k.end), axes: kept.map((k) => k.axis), steps: kept.map((k) => k.step) };
  return cx.builder.op('slice', [x], attrs, name);
}

const slice: Converter = (node, cx) => {
  const spec = sliceInputs(node, cx);
  const name = operand(node, 0);
  const known = cx.known(name);
  if (known?.kind === 'int') {
    cx.defineConst(node.output, intSlice(known, spec.starts, spec.ends, spec.axes, spec.steps));
    return;
  }
  cx.defineValue(node.output, sliceValue(cx, cx.value(name), spec, node.output));
};

/** Split's part sizes: `split` (attribute before 13, input from 13), else num_outputs (18+) or equal parts. */
function splitSizes(node: NodeView, cx: ImportContext, dim: number, count: number): number[] {
  const given = cx.opset < 13 ? node.ints('split') : optionalOperand(node, 1) === undefined ? undefined : [...cx.knownInts(operand(node, 1), 'split')];
  if (given !== undefined) {
    if (given.length !== count) throw new CompileError(`split ${formatShape(given)} needs one size per output (${count})`);
    if (given.some((s) => s < 1) || given.reduce((n, s) => n + s, 0) !== dim) {
      throw new CompileError(`split ${formatShape(given)} must be sizes >= 1 adding up to the axis size ${dim}`);
    }
    return given;
  }
  if (cx.opset >= 18 && node.has('num_outputs')) {
    const n = node.int('num_outputs', count);
    if (n !== count) throw new CompileError(`num_outputs ${n} differs from the ${count} outputs`);
    const chunk = Math.ceil(dim / n);
    const sizes = Array.from({ length: n }, (_, i) => Math.min(chunk, dim - i * chunk));
    if (sizes.some((s) => s < 1)) throw new CompileError(`cannot split an axis of ${dim} into ${n} non-empty parts of ${chunk}`);
    return sizes;
  }
  if (dim % count !== 0) throw new CompileError(`cannot split an axis of ${dim} into ${count} equal parts`);
  return new Array<number>(count).fill(dim / count);
}

const split: Converter = (node, cx) => {
  const name = operand(node, 0);
  const known = cx.known(name);
  const shape: readonly Dim[] = known?.shape ?? cx.value(name).type.shape;
  const axis = resolveIntAxis(node.int('axis', 0), shape.length);
  const dim = shape[axis] ?? 1;
  if (isSymbolic(dim)) throw new CompileError(`cannot split the symbolic batch axis ${axis}`);
  const sizes = splitSizes(node, cx, dim, node.outputs.length);
  let start = 0;
  node.outputs.forEach((out, i) => {
    const size = sizes[i] ?? 0;
    const spec = { starts: [start], ends: [start + size], axes: [axis], steps: [1] };
    start += size;
    if (out === '') return;
    if (known?.kind === 'int') cx.defineConst(out, intSlice(known, spec.starts, spec.ends, spec.axes, spec.steps));
    else cx.defineValue(out, sliceValue(cx, cx.value(name), spec, out));
  });
};

function padValue(node: NodeView, cx: ImportContext): number {
  const name = optionalOperand(node, 2);
  if (name === undefined) return 0;
  const known = cx.known(name);
  if (known === undefined) throw new CompileError('constant_value must be a constant');
  const values = known.kind === 'float' ? Array.from(known.data) : known.values;
  if (values.length > 1) throw new CompileError(`constant_value must be one value, got ${values.length}`);
  return values[0] ?? 0;
}

/** ONNX Pad. Negative pads crop (as onnxruntime does, before padding): a slice first. */
const pad: Converter = (node, cx) => {
  const mode = node.string('mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new CompileError(`mode ${JSON.stringify(mode)} is not supported (constant, reflect or edge)`);
  let x = cx.value(operand(node, 0));
  const rank = x.type.shape.length;
  const pads = cx.knownInts(operand(node, 1), 'pads');
  const axesName = cx.opset >= 18 ? optionalOperand(node, 3) : undefined;
  const axes = axesName === undefined ? x.type.shape.map((_, i) => i) : cx.knownInts(axesName, 'axes').map((a) => resolveIntAxis(a, rank));
  if (pads.length !== 2 * axes.length) throw new CompileError(`pads needs ${2 * axes.length} values (begins then ends), got ${formatShape(pads)}`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((axis, i) => {
    begin[axis] = pads[i] ?? 0;
    end[axis] = pads[i + axes.length] ?? 0;
  });
  const cropped = x.type.shape.flatMap((dim, axis) => ((begin[axis] ?? 0) < 0 || (end[axis] ?? 0) < 0 ? [{ axis, dim }] : []));
  const positive = [...begin, ...end].some((p) => p > 0);
  if (cropped.length > 0) {
    const spec = {
      starts: cropped.map(({ axis }) => Math.max(0, -(begin[axis] ?? 0))),
      ends: cropped.map(({ axis, dim }) => (typeof dim === 'number' ? dim + Math.min(0, end[axis] ?? 0) : -1)),
      axes: cropped.map(({ axis }) => axis),
      steps: cropped.map(() => 1),
    };
    x = sliceValue(cx, x, spec, positive ? cx.fresh(`${node.output}/crop`) : node.output);
  }
  if (!positive) {
    cx.defineValue(node.output, cropped.length > 0 ? x : cx.builder.identity(x, node.output));
    return;
  }
  const attrs = { pads: [...begin, ...end].map((p) => Math.max(0, p)), mode, value: padValue(node, cx) };
  cx.defineValue(node.output, cx.builder.op('pad', [x], attrs, node.output));
};

export const REGION_CONVERTERS: Readonly<Record<string, Converter>> = { Concat: concat, Slice: slice, Split: split, Pad: pad };
