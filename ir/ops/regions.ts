// Layout ops that move rectangular regions: `concat`, `slice` (ONNX semantics: negative
// indices count from the end, out-of-range bounds clamp, negative steps walk backwards) and
// `pad` (constant, reflect, edge). No arithmetic: every output element is an input element
// or the pad value. A symbolic axis can be neither cut, padded nor joined along.

import { KEEPS_DTYPE } from './dtype-rules.ts';
import { CompileError } from '../errors.ts';
import { formatShape, isSymbolic, sizeOf, stridesOf, type Dim, type Shape, type StaticShape, type TensorType } from '../types.ts';
import { floatAttr, intsAttr, stringAttr } from './attrs.ts';
import { resolveAxis } from './reduce.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';

/** Every flat output index with its row-major coordinates. */
function forEachCoord(shape: StaticShape, visit: (flat: number, coord: readonly number[]) => void): void {
  const coord = new Array<number>(shape.length).fill(0);
  const total = sizeOf(shape);
  for (let flat = 0; flat < total; flat++) {
    visit(flat, coord);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      coord[axis] = (coord[axis] ?? 0) + 1;
      if ((coord[axis] ?? 0) < (shape[axis] ?? 1)) break;
      coord[axis] = 0;
    }
  }
}

function offsetOf(coord: readonly number[], strides: readonly number[]): number {
  let at = 0;
  for (let axis = 0; axis < coord.length; axis++) at += (coord[axis] ?? 0) * (strides[axis] ?? 0);
  return at;
}

// ---- concat ----------------------------------------------------------------------------

function inferConcat(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [first] = inputs;
  if (first === undefined) throw new CompileError('expects at least one operand');
  const axis = resolveAxis(floatAttr(attrs, 'axis'), first.shape.length);
  if (isSymbolic(first.shape[axis] ?? 1)) throw new CompileError(`cannot concatenate along the symbolic axis ${axis}`);
  let total = 0;
  for (const [index, t] of inputs.entries()) {
    const same = t.shape.length === first.shape.length && t.shape.every((d, i) => i === axis || d === first.shape[i]);
    if (!same) {
      throw new CompileError(`operand ${index} ${formatShape(t.shape)} must match ${formatShape(first.shape)} on every axis but ${axis}`);
    }
    total += t.shape[axis] as number;
  }
  return { dtype: 'f32', shape: first.shape.map((d, i) => (i === axis ? total : d)) };
}

function evaluateConcat(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const axis = resolveAxis(floatAttr(attrs, 'axis'), outShape.length);
  const out = new Float32Array(sizeOf(outShape));
  const outStrides = stridesOf(outShape);
  let start = 0;
  for (const t of inputs) {
    forEachCoord(t.shape, (flat, coord) => {
      const at = offsetOf(coord, outStrides) + start * (outStrides[axis] ?? 0);
      out[at] = t.data[flat] ?? NaN;
    });
    start += t.shape[axis] ?? 0;
  }
  return out;
}

// ---- slice -----------------------------------------------------------------------------

/** One axis of a slice: output element k reads input index start + k * step. */
export interface SliceAxis {
  readonly start: number;
  readonly step: number;
  readonly size: number;
}

/** Resolves ONNX Slice's starts/ends/axes/steps against a shape, one entry per axis. */
export function sliceAxes(shape: Shape, attrs: Attrs): SliceAxis[] {
  const starts = intsAttr(attrs, 'starts');
  const ends = intsAttr(attrs, 'ends');
  const givenAxes = intsAttr(attrs, 'axes');
  const steps = intsAttr(attrs, 'steps');
  const axes = givenAxes.length === 0 ? starts.map((_, i) => i) : givenAxes.map((a) => resolveAxis(a, shape.length));
  if (ends.length !== starts.length || axes.length !== starts.length || (steps.length !== 0 && steps.length !== starts.length)) {
    throw new CompileError(`starts, ends, axes and steps need the same length, got ${starts.length}, ${ends.length}, ${givenAxes.length}, ${steps.length}`);
  }
  if (new Set(axes).size !== axes.length) throw new CompileError(`axes ${formatShape(givenAxes)} repeat an axis`);
  const result: SliceAxis[] = shape.map((dim) => ({ start: 0, step: 1, size: typeof dim === 'number' ? dim : 0 }));
  axes.forEach((axis, i) => {
    const dim = shape[axis] ?? 1;
    if (isSymbolic(dim)) throw new CompileError(`cannot slice the symbolic axis ${axis}`);
    const step = steps[i] ?? 1;
    if (step === 0) throw new CompileError(`step on axis ${axis} must not be 0`);
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    const resolve = (v: number): number => (v < 0 ? v + dim : v);
    const start = step > 0 ? clamp(resolve(starts[i] ?? 0), 0, dim) : clamp(resolve(starts[i] ?? 0), 0, dim - 1);
    const end = step > 0 ? clamp(resolve(ends[i] ?? 0), 0, dim) : clamp(resolve(ends[i] ?? 0), -1, dim - 1);
    const size = Math.max(0, Math.ceil((end - start) / step));
    if (size < 1) throw new CompileError(`slice of axis ${axis} [${starts[i]}:${ends[i]}:${step}] is empty for dim ${dim}`);
    result[axis] = { start, step, size };
  });
  return result;
}

function inferSlice(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [x] = inputs;
  if (x === undefined) throw new CompileError('expects one operand');
  const axes = sliceAxes(x.shape, attrs);
  return { dtype: 'f32', shape: x.shape.map((d, i): Dim => (isSymbolic(d) ? d : axes[i]?.size ?? d)) };
}

function evaluateSlice(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const x = inputs[0];
  if (x === undefined) throw new CompileError('internal: slice without operand');
  const axes = sliceAxes(x.shape, attrs);
  const strides = stridesOf(x.shape);
  const out = new Float32Array(sizeOf(outShape));
  forEachCoord(outShape, (flat, coord) => {
    const at = coord.reduce((sum, k, axis) => sum + ((axes[axis]?.start ?? 0) + k * (axes[axis]?.step ?? 1)) * (strides[axis] ?? 0), 0);
    out[flat] = x.data[at] ?? NaN;
  });
  return out;
}

// ---- pad -------------------------------------------------------------------------------

export type PadMode = 'constant' | 'reflect' | 'edge';

/** The input index an output index reads along one axis, or -1 for the constant. */
export function padSource(mode: PadMode, index: number, padBegin: number, size: number): number {
  const i = index - padBegin;
  if (i >= 0 && i < size) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : size - 1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}

/** Begin and end pads per axis, checked against the mode. */
export function padsPerAxis(shape: Shape, attrs: Attrs): { begin: number[]; end: number[] } {
  const pads = intsAttr(attrs, 'pads');
  const rank = shape.length;
  if (pads.length !== 2 * rank) throw new CompileError(`pads needs ${2 * rank} values (begins then ends), got ${formatShape(pads)}`);
  if (pads.some((p) => p < 0)) throw new CompileError(`pads must be >= 0, got ${formatShape(pads)}`);
  const begin = pads.slice(0, rank);
  const end = pads.slice(rank);
  const mode = stringAttr(attrs, 'mode');
  shape.forEach((dim, axis) => {
    const padded = (begin[axis] ?? 0) + (end[axis] ?? 0) > 0;
    if (padded && isSymbolic(dim)) throw new CompileError(`cannot pad the symbolic axis ${axis}`);
    if (mode === 'reflect' && typeof dim === 'number' && ((begin[axis] ?? 0) >= dim || (end[axis] ?? 0) >= dim)) {
      throw new CompileError(`reflect pads on axis ${axis} must be below its size ${dim}, got ${begin[axis]} and ${end[axis]}`);
    }
  });
  return { begin, end };
}

function inferPad(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [x] = inputs;
  if (x === undefined) throw new CompileError('expects one operand');
  const { begin, end } = padsPerAxis(x.shape, attrs);
  return { dtype: 'f32', shape: x.shape.map((d, i): Dim => (isSymbolic(d) ? d : d + (begin[i] ?? 0) + (end[i] ?? 0))) };
}

function evaluatePad(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const x = inputs[0];
  if (x === undefined) throw new CompileError('internal: pad without operand');
  const { begin } = padsPerAxis(x.shape, attrs);
  const mode = stringAttr(attrs, 'mode') as PadMode;
  const value = floatAttr(attrs, 'value');
  const strides = stridesOf(x.shape);
  const out = new Float32Array(sizeOf(outShape));
  forEachCoord(outShape, (flat, coord) => {
    let at = 0;
    for (let axis = 0; axis < coord.length; axis++) {
      const i = padSource(mode, coord[axis] ?? 0, begin[axis] ?? 0, x.shape[axis] ?? 1);
      if (i < 0) { at = -1; break; }
      at += i * (strides[axis] ?? 0);
    }
    out[flat] = at < 0 ? value : x.data[at] ?? NaN;
  });
  return out;
}

export const regionOps = {
  concat: {
    dtypes: KEEPS_DTYPE,
    name: 'concat', kind: 'layout', pure: true, arity: { min: 1, max: Infinity },
    attrs: { axis: { type: 'int' } },
    doc: 'joins operands along a static axis; every other dim must agree',
    inferType: inferConcat,
    evaluate: evaluateConcat,
  },
  slice: {
    dtypes: KEEPS_DTYPE,
    name: 'slice', kind: 'layout', pure: true, arity: { min: 1, max: 1 },
    attrs: { starts: { type: 'ints' }, ends: { type: 'ints' }, axes: { type: 'ints', default: [] }, steps: { type: 'ints', default: [] } },
    doc: 'ONNX Slice with constant starts/ends/axes/steps: negative indices from the end, bounds clamped, negative steps',
    inferType: inferSlice,
    evaluate: evaluateSlice,
  },
  pad: {
    name: 'pad', kind: 'layout', pure: true, arity: { min: 1, max: 1 },
    attrs: {
      pads: { type: 'ints' },
      mode: { type: 'enum', values: ['constant', 'reflect', 'edge'], default: 'constant' },
      value: { type: 'float', default: 0 },
    },
    doc: 'pads every axis (pads = begins then ends) with a constant, the mirror image (reflect) or the edge value',
    inferType: inferPad,
    evaluate: evaluatePad,
  },
} satisfies Record<string, OpDef>;
