// ONNX Resize (opset 11: X, roi, scales[, sizes]; 13+: every input optional; 18+: axes and
// keep_aspect_ratio_policy) → `resize`, whose scale per axis is out/in. A scale whose
// floor(in·scale) output does not give back that ratio would sample at other positions than
// onnxruntime does, so it is refused rather than silently changed.

import { CompileError } from '../../../ir/errors.ts';
import { formatShape, formatType, isSymbolic } from '../../../ir/types.ts';
import type { ImportContext } from './context.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import { isMarker, markerSymbol, resolveIntAxis } from './int-tensor.ts';
import type { NodeView } from './node-view.ts';

const COORDINATE_MODES = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel'] as const;
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;

function oneOf<T extends string>(node: NodeView, name: string, allowed: readonly T[], fallback: T): T {
  const value = node.string(name, fallback);
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new CompileError(`${name} ${JSON.stringify(value)} is not supported (fusegraph supports ${allowed.join(', ')})`);
  return found;
}

/** scales or sizes, whichever the node gives (an empty constant counts as absent). */
function scalesOrSizes(node: NodeView, cx: ImportContext): { scales: readonly number[] | undefined; sizes: readonly number[] | undefined } {
  const scalesName = optionalOperand(node, 2);
  const sizesName = optionalOperand(node, 3);
  let scales: readonly number[] | undefined;
  if (scalesName !== undefined) {
    const known = cx.known(scalesName);
    if (known === undefined) throw new CompileError('scales must be a constant (an initializer or Constant)');
    scales = known.kind === 'float' ? Array.from(known.data) : known.values;
    if (scales.length === 0) scales = undefined;
  }
  let sizes = sizesName === undefined ? undefined : cx.knownInts(sizesName, 'sizes');
  if (sizes?.length === 0) sizes = undefined;
  if (scales !== undefined && sizes !== undefined) throw new CompileError('gives both scales and sizes; ONNX allows only one');
  if (scales === undefined && sizes === undefined) throw new CompileError('needs scales or sizes');
  return { scales, sizes };
}

/**
 * Output sizes of the listed axes under keep_aspect_ratio_policy (opset 18): one scale for
 * all of them (batch and channels included, as onnxruntime does), the smallest (not_larger)
 * or largest (not_smaller) size/in ratio, each size rounded half up.
 */
function keepAspect(policy: string, sizes: readonly number[], inputs: readonly number[]): number[] {
  if (policy === 'stretch') return [...sizes];
  const ratios = sizes.map((s, i) => s / (inputs[i] ?? 1));
  const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  return inputs.map((size) => Math.floor(size * scale + 0.5));
}

function checkScale(scale: number, inSize: number, axis: number): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new CompileError(`scale ${scale} on axis ${axis} must be a positive number`);
  const out = Math.floor(Math.fround(inSize * scale));
  if (out < 1) throw new CompileError(`scale ${scale} on axis ${axis} gives an output dim of ${out} (below 1) for input size ${inSize}`);
  if (Math.abs(out / inSize - scale) > 1e-6 * scale) {
    throw new CompileError(`scale ${scale} on axis ${axis} gives floor(${inSize}·${scale}) = ${out} pixels, whose ratio ${out}/${inSize} is not the scale; ` +
      'fusegraph resizes by out/in: give sizes instead, or a scale that maps the input to a whole number of pixels');
  }
  return out;
}

export const resize: Converter = (node, cx) => {
  const x = cx.value(operand(node, 0));
  const shape = x.type.shape;
  const rank = shape.length;
  if (rank !== 3 && rank !== 4) throw new CompileError(`fusegraph resizes [N,C,L] and [N,C,H,W] tensors, got ${formatType(x.type)}`);
  const modeName = node.string('mode', 'nearest');
  if (modeName === 'cubic') throw new CompileError('mode "cubic" is not supported (fusegraph resizes with nearest or linear)');
  const mode = oneOf(node, 'mode', ['nearest', 'linear'] as const, 'nearest');
  const coordinate = oneOf(node, 'coordinate_transformation_mode', COORDINATE_MODES, 'half_pixel');
  const nearest = oneOf(node, 'nearest_mode', NEAREST_MODES, 'round_prefer_floor');
  const { scales, sizes } = scalesOrSizes(node, cx);
  const listed = cx.opset >= 18 ? node.ints('axes') : undefined;
  const axes = listed === undefined ? shape.map((_, i) => i) : listed.map((a) => resolveIntAxis(a, rank));
  const given = scales ?? sizes ?? [];
  if (given.length !== axes.length) {
    throw new CompileError(`${scales ? 'scales' : 'sizes'} ${formatShape(given)} needs ${axes.length} values, one per ${listed ? 'listed axis' : `axis of ${formatType(x.type)}`}`);
  }
  const policy = cx.opset >= 18 ? oneOf(node, 'keep_aspect_ratio_policy', ['stretch', 'not_larger', 'not_smaller'] as const, 'stretch') : 'stretch';
  const out = shape.map((d) => d);
  axes.forEach((axis, i) => {
    const dim = shape[axis] ?? 1;
    const value = given[i] ?? 1;
    if (axis < 2) {
      const same = scales ? value === 1 : value === dim || (isMarker(value) && markerSymbol(value) === dim);
      if (!same) throw new CompileError(`resizes axis ${axis} of ${formatType(x.type)} (${scales ? 'scale' : 'size'} ${value}); fusegraph resizes only the spatial axes`);
      return;
    }
    if (isSymbolic(dim)) throw new CompileError(`cannot resize the symbolic axis ${axis}`);
    if (scales) out[axis] = checkScale(value, dim, axis);
  });
  if (sizes) {
    if (policy !== 'stretch' && axes.some((a) => isSymbolic(shape[a] ?? 1))) throw new CompileError(`keep_aspect_ratio_policy ${policy} would scale the symbolic batch`);
    const resolved = keepAspect(policy, sizes, axes.map((a) => shape[a] as number));
    axes.forEach((axis, i) => {
      const size = resolved[i] ?? 1;
      if (axis < 2 && size !== shape[axis] && policy !== 'stretch') {
        throw new CompileError(`keep_aspect_ratio_policy ${policy} scales axis ${axis} of ${formatType(x.type)} to ${size}; fusegraph resizes only the spatial axes`);
      }
      if (axis < 2) return;
      if (size < 1) throw new CompileError(`output size ${size} on axis ${axis} is below 1`);
      out[axis] = size;
    });
  }
  const outSpatial = out.slice(2) as number[];
  if (cx.opset >= 18 && node.int('antialias', 0) !== 0 && mode === 'linear' && outSpatial.some((s, i) => s < (shape[i + 2] as number))) {
    throw new CompileError('antialias = 1 when downsampling is not supported');
  }
  const attrs = { sizes: outSpatial, mode, coordinate_transformation_mode: coordinate, nearest_mode: nearest };
  cx.defineValue(node.output, cx.builder.op('resize', [x], attrs, node.output));
};

export const RESIZE_CONVERTERS: Readonly<Record<string, Converter>> = { Resize: resize };
