// Index arithmetic shared by lowering: extents of IR shapes, broadcast strides, and merging
// of contiguous axes so that loop nests stay shallow (a same-shape elementwise op becomes one
// flat loop; a bias add stays two loops). Extents and strides are polynomials in the symbols.

import { dimSize, mulSizes, sameSize, ZERO_SIZE, type SymSize } from '../ir/sym-size.ts';
import type { Shape } from '../ir/types.ts';
import { staticExtent, type Extent } from './kernels.ts';

export function dimExtent(dim: number | string): Extent {
  return dimSize(dim);
}

export function shapeExtents(shape: Shape): Extent[] {
  return shape.map(dimExtent);
}

/** Row-major strides of a shape (a symbol on an inner axis makes the outer strides symbolic). */
export function denseStrides(shape: Shape): SymSize[] {
  const strides: SymSize[] = new Array<SymSize>(shape.length).fill(staticExtent(1));
  for (let axis = shape.length - 2; axis >= 0; axis--) {
    strides[axis] = mulSizes(strides[axis + 1] ?? staticExtent(1), dimSize(shape[axis + 1] ?? 1));
  }
  return strides;
}

/**
 * Strides to read an operand of `shape` at each position of `outShape` (NumPy broadcasting,
 * right-aligned): 0 on axes the operand lacks or has as 1. A symbolic dim is never 1.
 */
export function broadcastAccess(shape: Shape, outShape: Shape): SymSize[] {
  const own = denseStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, axis) => {
    const ownAxis = axis - offset;
    if (ownAxis < 0) return ZERO_SIZE;
    return shape[ownAxis] === 1 ? ZERO_SIZE : (own[ownAxis] ?? ZERO_SIZE);
  });
}

export interface LoopNest {
  readonly extents: Extent[];
  /** One stride list per operand, aligned with `extents`. */
  readonly strides: SymSize[][];
}

function isUnit(extent: Extent): boolean {
  return sameSize(extent, staticExtent(1));
}

/**
 * Drops unit axes and merges axis a into a+1 wherever every operand (and the dense output)
 * steps through them as one: strides[a] == strides[a+1] * extent[a+1] (as polynomials). A
 * rank-0 nest becomes one axis of extent 1.
 */
export function mergeAxes(extents: readonly Extent[], operandStrides: readonly (readonly SymSize[])[]): LoopNest {
  const keep = extents.map((extent, axis) => ({ extent, axis })).filter(({ extent }) => !isUnit(extent));
  let dims = keep.map(({ extent }) => extent);
  let strides = operandStrides.map((list) => keep.map(({ axis }) => list[axis] ?? ZERO_SIZE));
  if (dims.length === 0) return { extents: [staticExtent(1)], strides: operandStrides.map(() => [ZERO_SIZE]) };
  const outStrides = (): SymSize[] => {
    const result: SymSize[] = new Array<SymSize>(dims.length).fill(staticExtent(1));
    for (let a = dims.length - 2; a >= 0; a--) result[a] = mulSizes(result[a + 1] ?? staticExtent(1), dims[a + 1] ?? staticExtent(1));
    return result;
  };
  for (let a = dims.length - 2; a >= 0; a--) {
    const inner = dims[a + 1];
    const outer = dims[a];
    if (inner === undefined || outer === undefined) continue;
    const all = [...strides, outStrides()];
    if (!all.every((list) => sameSize(list[a] ?? ZERO_SIZE, mulSizes(list[a + 1] ?? ZERO_SIZE, inner)))) continue;
    dims = [...dims.slice(0, a), mulSizes(outer, inner), ...dims.slice(a + 2)];
    strides = strides.map((list) => [...list.slice(0, a), list[a + 1] ?? ZERO_SIZE, ...list.slice(a + 2)]);
  }
  return { extents: dims, strides };
}
