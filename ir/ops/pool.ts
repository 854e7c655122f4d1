// Pooling over [N, C, L] and [N, C, H, W] windows (PyTorch and ONNX semantics): `max_pool`
// (padding never wins; NaN propagates like Math.max) and `avg_pool` (sum in f64 in window
// order, divided once and rounded once; the divisor counts the valid taps, or with
// count_include_pad the window clipped to the padded input, as PyTorch's avg_pool does).

import { CompileError } from '../errors.ts';
import { sizeOf, stridesOf, type StaticShape, type TensorType } from '../types.ts';
import { floatAttr, intsAttr } from './attrs.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';
import { forEachIndex, spatialSizes, windowGeometry, windowOutShape, type WindowGeometry } from './window.ts';

export type PoolCombine = 'max' | 'avg';

export function poolGeometry(input: TensorType | StaticShape, attrs: Attrs): WindowGeometry {
  const shape = Array.isArray(input) ? (input as StaticShape) : (input as TensorType).shape;
  const inSize = spatialSizes(shape);
  const geometry = windowGeometry(inSize, intsAttr(attrs, 'kernel_shape'), attrs, floatAttr(attrs, 'ceil_mode') !== 0);
  geometry.padBegin.forEach((pad, axis) => {
    const span = (geometry.dilations[axis] ?? 1) * ((geometry.kernel[axis] ?? 1) - 1) + 1;
    if (pad >= span || (geometry.padEnd[axis] ?? 0) >= span) {
      throw new CompileError(`pads must be smaller than the window (${span} on spatial axis ${axis}): a window would hold only padding`);
    }
    // With dilation a window's taps can step over the whole input (taps -1 and 1 of a length-1
    // axis): such a window has no value (PyTorch's max gives -inf, onnxruntime's the lowest
    // float), so it is refused rather than defined by accident.
    for (let o = 0; o < (geometry.outSize[axis] ?? 0); o++) {
      if (!windowHasInput(geometry, axis, o)) {
        throw new CompileError(`window ${o} on spatial axis ${axis} holds only padding (kernel ${geometry.kernel[axis]}, dilation ${geometry.dilations[axis]}, stride ${geometry.strides[axis]}, pads ${pad} and ${geometry.padEnd[axis]}, input size ${geometry.inSize[axis]})`);
      }
    }
  });
  return geometry;
}

/** Whether output `o` of one axis has a tap inside the input. */
function windowHasInput(g: WindowGeometry, axis: number, o: number): boolean {
  for (let t = 0; t < (g.kernel[axis] ?? 1); t++) {
    const i = o * (g.strides[axis] ?? 1) + t * (g.dilations[axis] ?? 1) - (g.padBegin[axis] ?? 0);
    if (i >= 0 && i < (g.inSize[axis] ?? 0)) return true;
  }
  return false;
}

/** The divisor of avg_pool at one output position (product over spatial axes). */
export function avgPoolDivisor(g: WindowGeometry, o: readonly number[], countIncludePad: boolean): number {
  let divisor = 1;
  for (let axis = 0; axis < g.inSize.length; axis++) {
    const size = g.inSize[axis] ?? 1;
    const start = (o[axis] ?? 0) * (g.strides[axis] ?? 1) - (g.padBegin[axis] ?? 0);
    const end = Math.min(start + (g.kernel[axis] ?? 1), size + (g.padEnd[axis] ?? 0));
    divisor *= countIncludePad ? end - start : Math.min(end, size) - Math.max(start, 0);
  }
  return divisor;
}

function evaluatePool(combine: PoolCombine) {
  return (inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array => {
    const x = inputs[0];
    if (x === undefined) throw new CompileError('internal: pool without operand');
    const g = poolGeometry(x.shape, attrs);
    const [batch = 1, channels = 1] = x.shape;
    const strides = stridesOf(x.shape);
    const includePad = combine === 'avg' && floatAttr(attrs, 'count_include_pad') !== 0;
    const out = new Float32Array(sizeOf(outShape));
    let flat = 0;
    for (let plane = 0; plane < batch * channels; plane++) {
      const base = plane * (strides[1] ?? 0);
      forEachIndex(g.outSize, (o) => {
        let acc = combine === 'max' ? -Infinity : 0;
        forEachIndex(g.kernel, (t) => {
          let at = base;
          for (let axis = 0; axis < t.length; axis++) {
            const i = (o[axis] ?? 0) * (g.strides[axis] ?? 1) + (t[axis] ?? 0) * (g.dilations[axis] ?? 1) - (g.padBegin[axis] ?? 0);
            if (i < 0 || i >= (g.inSize[axis] ?? 0)) return;
            at += i * (strides[axis + 2] ?? 0);
          }
          const value = x.data[at] ?? NaN;
          acc = combine === 'max' ? Math.max(acc, value) : acc + value;
        });
        out[flat++] = combine === 'max' ? acc : acc / avgPoolDivisor(g, o, includePad);
      });
    }
    return out;
  };
}

function inferPool(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [x] = inputs;
  if (x === undefined) throw new CompileError('expects one operand');
  const geometry = poolGeometry(x, attrs);
  return { dtype: 'f32', shape: windowOutShape(x.shape, x.shape[1] ?? 1, geometry) };
}

const poolAttrs = {
  kernel_shape: { type: 'ints' },
  strides: { type: 'ints', default: [] },
  pads: { type: 'ints', default: [] },
  ceil_mode: { type: 'int', default: 0 },
} as const;

export const poolOps = {
  max_pool: {
    name: 'max_pool', kind: 'reduce', pure: true, arity: { min: 1, max: 1 },
    attrs: { ...poolAttrs, dilations: { type: 'ints', default: [] } },
    doc: 'max over each window of [N,C,*S] (1-D or 2-D; pads = begins then ends, never the max); NaN propagates',
    inferType: inferPool,
    evaluate: evaluatePool('max'),
  },
  avg_pool: {
    name: 'avg_pool', kind: 'reduce', pure: true, arity: { min: 1, max: 1 },
    attrs: { ...poolAttrs, count_include_pad: { type: 'int', default: 0 } },
    doc: 'mean over each window of [N,C,*S]; the divisor counts valid taps, or the padded window with count_include_pad',
    inferType: inferPool,
    evaluate: evaluatePool('avg'),
  },
} satisfies Record<string, OpDef>;
