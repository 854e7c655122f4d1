// The f16 variant of the tiled inner products (linear, conv as implicit GEMM): the staged
// tiles hold f16, and each invocation takes four k at a time as vec4<f16>, forms their dot
// product in f16 and adds it to its f32 accumulator. Error budget, per output (u = 2^-11, the
// f16 unit roundoff): operand rounding 2u, product u, the four-term sum 3u, so the result is
// within 6u·Σ|x_k·w_k| ≤ 2^-8·Σ|x_k·w_k| of the f32 inner product, plus 2^-24·Σ(|x_k| + |w_k|)
// where operands are below f16's normal range (2^-14); operands, products and four-term
// sums must stay within ±65504 (beyond it f16 overflows). f32 accumulation keeps the error
// independent of k's length. Needs `enable f16;` and the device's shader-f16 feature.

import { CodeWriter } from '../writer.ts';
import { u32 } from './shader-common.ts';

/** Steps of k per dot product: BK (16) is a multiple. */
export const F16_LANES = 4;

/** How one invocation reads its operands from the two staged tiles. */
export interface TileProducts {
  /** The tiles' depth (BK) and their row lengths (elements per kk). */
  readonly depth: number;
  readonly aTile: string;
  readonly aStride: number;
  readonly bTile: string;
  readonly bStride: number;
  /** The invocation's operands: their offsets within a kk row, one per register. */
  readonly aOffsets: readonly string[];
  readonly bOffsets: readonly string[];
  /** The accumulator named by (a index, b index). */
  readonly acc: (a: number, b: number) => string;
}

function lanes(tile: string, stride: number, offset: string): string {
  const reads = Array.from({ length: F16_LANES }, (_, lane) => `${tile}[(kk + ${u32(lane)}) * ${u32(stride)} + ${offset}]`);
  return `vec4<f16>(${reads.join(', ')})`;
}

/** The inner loop over the staged depth, four k per f16 dot product, accumulated in f32. */
export function f16TileLoop(w: CodeWriter, p: TileProducts): void {
  w.block(`for (var kk = 0u; kk < ${u32(p.depth)}; kk = kk + ${u32(F16_LANES)}) {`, () => {
    p.aOffsets.forEach((offset, i) => w.line(`let a${i} = ${lanes(p.aTile, p.aStride, offset)};`));
    p.bOffsets.forEach((offset, j) => w.line(`let b${j} = ${lanes(p.bTile, p.bStride, offset)};`));
    p.aOffsets.forEach((_, i) => p.bOffsets.forEach((__, j) => {
      w.line(`${p.acc(i, j)} = ${p.acc(i, j)} + f32(dot(a${i}, b${j}));`);
    }));
  });
}

/** The element type of the staged tiles. */
export function tileType(f16: boolean): string {
  return f16 ? 'f16' : 'f32';
}

/** A staged value converted to the tile's type. */
export function toTile(value: string, f16: boolean): string {
  return f16 ? `f16(${value})` : value;
}
