// Sliding-window geometry shared by convolution and pooling: kernel, strides, dilations and
// pads per spatial axis, resolved and checked once, and the output size each implies. An
// input position is `out * stride + tap * dilation - padBegin`; positions outside the input
// are padding (zero for conv, skipped for pooling).

import { CompileError } from '../errors.ts';
import { formatShape, isSymbolic, type Dim, type Shape } from '../types.ts';
import { intsAttr } from './attrs.ts';
import type { Attrs } from './types.ts';

export interface WindowGeometry {
  /** Spatial sizes of the input (axes 2.. of an [N, C, ...] tensor). */
  readonly inSize: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padBegin: readonly number[];
  readonly padEnd: readonly number[];
  readonly outSize: readonly number[];
}

/** An `ints` attribute with one value per spatial axis; empty means `fill` on every axis. */
function perAxis(attrs: Attrs, name: string, rank: number, fill: number): number[] {
  const given = attrs[name] === undefined ? [] : intsAttr(attrs, name);
  if (given.length === 0) return new Array<number>(rank).fill(fill);
  if (given.length !== rank) {
    throw new CompileError(`${name} needs ${rank} values (one per spatial axis), got ${formatShape(given)}`);
  }
  return [...given];
}

/** `pads` holds every axis' begin, then every axis' end (ONNX order); empty means no padding. */
function padsOf(attrs: Attrs, rank: number): { begin: number[]; end: number[] } {
  const pads = attrs['pads'] === undefined ? [] : intsAttr(attrs, 'pads');
  if (pads.length === 0) return { begin: new Array<number>(rank).fill(0), end: new Array<number>(rank).fill(0) };
  if (pads.length !== 2 * rank) {
    throw new CompileError(`pads needs ${2 * rank} values (begins then ends), got ${formatShape(pads)}`);
  }
  const bad = pads.find((p) => p < 0);
  if (bad !== undefined) throw new CompileError(`pads must be >= 0, got ${formatShape(pads)}`);
  return { begin: pads.slice(0, rank), end: pads.slice(rank) };
}

/** The static spatial sizes of an [N, C, ...spatial] operand with 1 or 2 spatial axes. */
export function spatialSizes(shape: Shape, what = 'input'): number[] {
  if (shape.length < 3 || shape.length > 4) {
    throw new CompileError(`${what} must be [N, C, L] or [N, C, H, W], got ${formatShape(shape)}`);
  }
  const spatial = shape.slice(2);
  if (spatial.some(isSymbolic)) throw new CompileError(`${what} spatial dims must be static, got ${formatShape(shape)}`);
  return spatial as number[];
}

/**
 * Resolves and checks a window. `ceil` rounds the output size up (pooling's ceil_mode) but,
 * as PyTorch and ONNX do, drops a last window that would start in the end padding.
 */
export function windowGeometry(inSize: readonly number[], kernel: readonly number[], attrs: Attrs, ceil = false): WindowGeometry {
  const rank = inSize.length;
  if (kernel.length !== rank) throw new CompileError(`kernel ${formatShape(kernel)} needs ${rank} spatial dims`);
  if (kernel.some((k) => !Number.isInteger(k) || k < 1)) throw new CompileError(`kernel dims must be >= 1, got ${formatShape(kernel)}`);
  const strides = perAxis(attrs, 'strides', rank, 1);
  if (strides.some((s) => s < 1)) throw new CompileError(`strides must be >= 1, got ${formatShape(strides)}`);
  const dilations = perAxis(attrs, 'dilations', rank, 1);
  if (dilations.some((d) => d < 1)) throw new CompileError(`dilations must be >= 1, got ${formatShape(dilations)}`);
  const { begin, end } = padsOf(attrs, rank);
  const outSize = inSize.map((size, axis) => {
    const span = (dilations[axis] ?? 1) * ((kernel[axis] ?? 1) - 1) + 1;
    const padded = size + (begin[axis] ?? 0) + (end[axis] ?? 0);
    if (span > padded) {
      throw new CompileError(`kernel ${formatShape(kernel)} (extent ${span} on spatial axis ${axis}) is larger than the padded input (${padded})`);
    }
    const stride = strides[axis] ?? 1;
    let out = Math.floor((padded - span) / stride) + 1;
    if (ceil) {
      out = Math.ceil((padded - span) / stride) + 1;
      if ((out - 1) * stride >= size + (begin[axis] ?? 0)) out -= 1;
    }
    return out;
  });
  return { inSize, kernel, strides, dilations, padBegin: begin, padEnd: end, outSize };
}

/** [N, C, ...outSize]: the batch dim (possibly symbolic) kept, C replaced. */
export function windowOutShape(input: Shape, channels: Dim, geometry: WindowGeometry): Dim[] {
  return [input[0] ?? 1, channels, ...geometry.outSize];
}

/** Calls `visit` with every row-major multi-index below `sizes`. */
export function forEachIndex(sizes: readonly number[], visit: (index: readonly number[]) => void): void {
  const total = sizes.reduce((n, d) => n * d, 1);
  const index = new Array<number>(sizes.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    visit(index);
    for (let axis = sizes.length - 1; axis >= 0; axis--) {
      index[axis] = (index[axis] ?? 0) + 1;
      if ((index[axis] ?? 0) < (sizes[axis] ?? 1)) break;
      index[axis] = 0;
    }
  }
}
