// NumPy broadcasting over shapes that may carry symbols (equal symbols broadcast, and a symbol
// against 1), and the index mapping the interpreter uses to read a broadcast operand.

import { CompileError } from '../errors.ts';
import { formatShape, type Dim, type Shape, type StaticShape, stridesOf } from '../types.ts';

function broadcastDim(a: Dim, b: Dim): Dim | undefined {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  return undefined;
}

/** The NumPy broadcast of several shapes, or a CompileError naming the clash. */
export function broadcastShapes(shapes: readonly Shape[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let axis = 0; axis < rank; axis++) {
    let dim: Dim = 1;
    for (const shape of shapes) {
      const own = shape[shape.length - rank + axis] ?? 1;
      const merged = broadcastDim(dim, own);
      if (merged === undefined) {
        throw new CompileError(`cannot broadcast shapes ${shapes.map(formatShape).join(' and ')}: dim ${dim} vs ${own}`);
      }
      dim = merged;
    }
    out.push(dim);
  }
  return out;
}

/**
 * For an operand of `shape` broadcast to `outShape`, the strides to walk it by output
 * multi-index (0 on broadcast axes). Both shapes are concrete.
 */
export function broadcastStrides(shape: StaticShape, outShape: StaticShape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, axis) => {
    const ownAxis = axis - offset;
    if (ownAxis < 0) return 0;
    return (shape[ownAxis] ?? 1) === 1 ? 0 : (own[ownAxis] ?? 0);
  });
}
