// `resize` of the spatial axes of [N, C, L] or [N, C, H, W] (ONNX Resize, PyTorch's
// interpolate/Upsample): nearest or (bi)linear, with ONNX's coordinate transformation and
// nearest-rounding modes. The scale of an axis is out/in. Each output index maps to two taps
// (i0, i1) and a weight λ, fixed at compile time: out = (1-λ)·x[i0] + λ·x[i1] per axis,
// computed in f64 and rounded to f32 once (nearest: λ = 0).

import { CompileError } from '../errors.ts';
import { formatShape, sizeOf, stridesOf, type Dim, type StaticShape, type TensorType } from '../types.ts';
import { intsAttr, stringAttr } from './attrs.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';
import { forEachIndex, spatialSizes } from './window.ts';

export type ResizeMode = 'nearest' | 'linear';
export type CoordinateMode = 'half_pixel' | 'asymmetric' | 'align_corners' | 'pytorch_half_pixel';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

/** The taps of one spatial axis: output k reads i0[k] and i1[k] with weight lambda[k] on i1. */
export interface ResizeTaps {
  readonly i0: readonly number[];
  readonly i1: readonly number[];
  readonly lambda: readonly number[];
}

function sourceCoordinate(mode: CoordinateMode, k: number, inSize: number, outSize: number): number {
  const scale = outSize / inSize;
  switch (mode) {
    case 'half_pixel': return (k + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outSize > 1 ? (k + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outSize > 1 ? (k * (inSize - 1)) / (outSize - 1) : 0;
    case 'asymmetric': return k / scale;
  }
}

function roundNearest(mode: NearestMode, x: number): number {
  switch (mode) {
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'round_prefer_floor': return x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil': return x - Math.floor(x) === 0.5 ? Math.ceil(x) : Math.round(x);
  }
}

/** Taps of one axis; indices are clamped to the input as ONNX's edge handling does. */
export function resizeTaps(mode: ResizeMode, coordinate: CoordinateMode, nearest: NearestMode, inSize: number, outSize: number): ResizeTaps {
  const clamp = (i: number): number => Math.min(Math.max(i, 0), inSize - 1);
  const i0: number[] = [];
  const i1: number[] = [];
  const lambda: number[] = [];
  for (let k = 0; k < outSize; k++) {
    const x = sourceCoordinate(coordinate, k, inSize, outSize);
    if (mode === 'nearest') {
      const i = clamp(roundNearest(nearest, x));
      i0.push(i);
      i1.push(i);
      lambda.push(0);
    } else {
      const floor = Math.floor(x);
      const weight = x - floor;
      i0.push(clamp(floor));
      i1.push(clamp(floor + 1));
      lambda.push(clamp(floor) === clamp(floor + 1) ? 0 : weight);
    }
  }
  return { i0, i1, lambda };
}

/** The taps of every spatial axis of a resize node. */
export function resizeAxes(inSize: readonly number[], attrs: Attrs): ResizeTaps[] {
  const sizes = intsAttr(attrs, 'sizes');
  const mode = stringAttr(attrs, 'mode') as ResizeMode;
  const coordinate = stringAttr(attrs, 'coordinate_transformation_mode') as CoordinateMode;
  const nearest = stringAttr(attrs, 'nearest_mode') as NearestMode;
  return inSize.map((size, axis) => resizeTaps(mode, coordinate, nearest, size, sizes[axis] ?? size));
}

function inferResize(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [x] = inputs;
  if (x === undefined) throw new CompileError('expects one operand');
  const inSize = spatialSizes(x.shape);
  const sizes = intsAttr(attrs, 'sizes');
  if (sizes.length !== inSize.length || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new CompileError(`sizes needs ${inSize.length} output sizes >= 1 (one per spatial axis), got ${formatShape(sizes)}`);
  }
  return { dtype: 'f32', shape: [x.shape[0] ?? 1, x.shape[1] ?? 1, ...sizes] as Dim[] };
}

function evaluateResize(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const x = inputs[0];
  if (x === undefined) throw new CompileError('internal: resize without operand');
  const axes = resizeAxes(x.shape.slice(2), attrs);
  const strides = stridesOf(x.shape);
  const [batch = 1, channels = 1] = x.shape;
  const outSpatial = outShape.slice(2);
  const out = new Float32Array(sizeOf(outShape));
  let flat = 0;
  for (let plane = 0; plane < batch * channels; plane++) {
    const base = plane * (strides[1] ?? 0);
    forEachIndex(outSpatial, (o) => {
      if (stringAttr(attrs, 'mode') === 'nearest') {
        out[flat++] = x.data[o.reduce((at, k, axis) => at + (axes[axis]?.i0[k] ?? 0) * (strides[axis + 2] ?? 0), base)] ?? NaN;
        return;
      }
      // Sum over the 2^rank corners, each weighted by the product of its per-axis weights.
      let acc = 0;
      forEachIndex(o.map(() => 2), (corner) => {
        let at = base;
        let weight = 1;
        corner.forEach((c, axis) => {
          const taps = axes[axis];
          const k = o[axis] ?? 0;
          const lambda = taps?.lambda[k] ?? 0;
          at += ((c === 0 ? taps?.i0[k] : taps?.i1[k]) ?? 0) * (strides[axis + 2] ?? 0);
          weight *= c === 0 ? 1 - lambda : lambda;
        });
        if (weight !== 0) acc += weight * (x.data[at] ?? NaN);
      });
      out[flat++] = acc;
    });
  }
  return out;
}

export const resizeOps = {
  resize: {
    name: 'resize', kind: 'layout', pure: true, arity: { min: 1, max: 1 },
    attrs: {
      sizes: { type: 'ints' },
      mode: { type: 'enum', values: ['nearest', 'linear'], default: 'nearest' },
      coordinate_transformation_mode: {
        type: 'enum', values: ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel'], default: 'half_pixel',
      },
      nearest_mode: { type: 'enum', values: ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'], default: 'round_prefer_floor' },
    },
    doc: 'resizes the spatial axes of [N,C,*S] to `sizes` (scale = out/in): nearest or (bi)linear, ONNX coordinate modes',
    inferType: inferResize,
    evaluate: evaluateResize,
  },
} satisfies Record<string, OpDef>;
