// Index arithmetic shared by lowering: extents of IR shapes, broadcast strides that tolerate
// the symbolic batch, and merging of contiguous axes so that loop nests stay shallow (a
// same-shape elementwise op becomes one flat loop; a bias add stays two loops).

import { isSymbolic, type Shape } from '../ir/types.ts';
import { staticExtent, type Extent } from './kernels.ts';

export function dimExtent(dim: number | string): Extent {
  return isSymbolic(dim) ? { perSample: 1, fixed: 0 } : staticExtent(dim);
}

export function shapeExtents(shape: Shape): Extent[] {
  return shape.map(dimExtent);
}

/** Row-major strides of a shape whose axis 0 may be symbolic (it never affects a stride). */
export function denseStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let axis = shape.length - 2; axis >= 0; axis--) {
    const next = shape[axis + 1];
    strides[axis] = (strides[axis + 1] ?? 1) * (typeof next === 'number' ? next : 1);
  }
  return strides;
}

/**
 * Strides to read an operand of `shape` at each position of `outShape` (NumPy broadcasting,
 * right-aligned): 0 on axes the operand lacks or has as 1. A symbolic dim is never 1.
 */
export function broadcastAccess(shape: Shape, outShape: Shape): number[] {
  const own = denseStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, axis) => {
    const ownAxis = axis - offset;
    if (ownAxis < 0) return 0;
    return shape[ownAxis] === 1 ? 0 : (own[ownAxis] ?? 0);
  });
}

export interface LoopNest {
  readonly extents: Extent[];
  /** One stride list per operand, aligned with `extents`. */
  readonly strides: number[][];
}

function isUnit(extent: Extent): boolean {
  return extent.perSample === 0 && extent.fixed === 1;
}

/**
 * Drops unit axes and merges axis a into a+1 wherever every operand (and the dense output)
 * steps through them as one: strides[a] == strides[a+1] * extent[a+1]. Only axis 0 may be
 * batched, so the inner extent of a merge is always static. A rank-0 nest becomes one axis
 * of extent 1.
 */
export function mergeAxes(extents: readonly Extent[], operandStrides: readonly (readonly number[])[]): LoopNest {
  const keep = extents.map((extent, axis) => ({ extent, axis })).filter(({ extent }) => !isUnit(extent));
  let dims = keep.map(({ extent }) => extent);
  let strides = operandStrides.map((list) => keep.map(({ axis }) => list[axis] ?? 0));
  if (dims.length === 0) return { extents: [staticExtent(1)], strides: operandStrides.map(() => [0]) };
  const outStrides = (): number[] => {
    const result = new Array<number>(dims.length).fill(1);
    for (let a = dims.length - 2; a >= 0; a--) result[a] = (result[a + 1] ?? 1) * (dims[a + 1]?.fixed ?? 1);
    return result;
  };
  for (let a = dims.length - 2; a >= 0; a--) {
    const inner = dims[a + 1];
    const outer = dims[a];
    if (inner === undefined || outer === undefined || inner.perSample !== 0) continue;
    const all = [...strides, outStrides()];
    if (!all.every((list) => list[a] === (list[a + 1] ?? 0) * inner.fixed)) continue;
    const merged: Extent = { perSample: outer.perSample * inner.fixed, fixed: outer.fixed * inner.fixed };
    dims = [...dims.slice(0, a), merged, ...dims.slice(a + 2)];
    strides = strides.map((list) => [...list.slice(0, a), list[a + 1] ?? 0, ...list.slice(a + 2)]);
  }
  return { extents: dims, strides };
}
