// A convolution's input copied into scratch with its padding made explicit, so that the
// kernels reading it need no bounds tests: every tap of every output lands in the copy (zero
// in the padding). Columns are also split by the stride ("phases"): logical column l lives in
// phase l mod s at position ⌊l / s⌋, so the taps of consecutive outputs are consecutive floats
// whatever the stride, and one f32x4 load reads a tap for four outputs. A row of the copy is
// its s phases one after another; planes follow each other.

import type { WindowAxis } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { advance, countedLoop, pushAddress, type Address, type KernelContext } from './kernel-context.ts';

/** Shuffle lanes: the even (odd) f32 lanes of two vectors. */
const EVEN_LANES = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD_LANES = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];

export interface PaddedGeometry {
  readonly rows: WindowAxis;
  readonly columns: WindowAxis;
  /** Logical rows and columns the outputs read: (out − 1)·stride + (taps − 1)·dilation + 1. */
  readonly logicalRows: number;
  readonly logicalColumns: number;
  /** Floats per phase of a row, per row (all phases), per plane. */
  readonly phaseFloats: number;
  readonly rowFloats: number;
  readonly planeFloats: number;
}

function logicalExtent(axis: WindowAxis): number {
  return (axis.out - 1) * axis.stride + (axis.taps - 1) * axis.dilation + 1;
}

/** Whether an axis can be read from a padded copy (a forward window: no 1/stride steps, no negative pads). */
export function paddable(axis: WindowAxis): boolean {
  return axis.divisor === 1 && axis.dilation >= 1 && axis.padBegin >= 0;
}

export function paddedGeometry(rows: WindowAxis, columns: WindowAxis): PaddedGeometry {
  const logicalRows = logicalExtent(rows);
  const logicalColumns = logicalExtent(columns);
  const phaseFloats = Math.ceil(logicalColumns / columns.stride);
  const rowFloats = phaseFloats * columns.stride;
  return { rows, columns, logicalRows, logicalColumns, phaseFloats, rowFloats, planeFloats: logicalRows * rowFloats };
}

/** Float offset in a padded plane of output (oh, ow)'s tap (ky, kx), with oh = ow = 0. */
export function tapOffset(g: PaddedGeometry, ky: number, kx: number): number {
  const column = kx * g.columns.dilation;
  const phase = column % g.columns.stride;
  return ky * g.rows.dilation * g.rowFloats + phase * g.phaseFloats + Math.floor(column / g.columns.stride);
}

/** Float offset of output row oh's first tap row in a padded plane. */
export function rowOffset(g: PaddedGeometry, oh: number): number {
  return oh * g.rows.stride * g.rowFloats;
}

/** Stores zeros over `floats` floats (a multiple of 4) from `address` on. */
export function emitZero(ctx: KernelContext, address: Address, floats: number): void {
  const { asm } = ctx;
  const p = asm.local('i32', 'zp');
  const n = asm.local('i32', 'zn');
  pushAddress(asm, address);
  asm.set(p).i32Const(Math.ceil(floats / 4)).set(n);
  countedLoop(ctx, n, 'zero', () => {
    asm.get(p).f32x4Const(0).v128Store(0);
    advance(asm, p, 16);
  });
}

/**
 * Copies `planes` input planes from `source` into the padded copy at `target` (whose padding
 * is already zero): each input row that an output reads goes to its logical row, each column
 * to its phase.
 */
export function emitPaddedCopy(ctx: KernelContext, g: PaddedGeometry, source: Local, target: Address, planes: number): void {
  const { asm } = ctx;
  const { rows, columns } = g;
  const firstRow = rows.padBegin;
  const inputRows = Math.max(0, Math.min(rows.size, g.logicalRows - rows.padBegin));
  const inputColumns = Math.max(0, Math.min(columns.size, g.logicalColumns - columns.padBegin));
  const s = columns.stride;
  const from = asm.local('i32', 'src');
  const to = asm.local('i32', 'dst');
  const src = asm.local('i32', 'sp');
  const dst = asm.local('i32', 'dp');
  const planeCount = asm.local('i32', 'planes');
  const rowCount = asm.local('i32', 'rows');
  const groups = asm.local('i32', 'groups');
  asm.get(source).set(from);
  pushAddress(asm, target, firstRow * g.rowFloats * 4);
  asm.set(to).i32Const(planes).set(planeCount);
  countedLoop(ctx, planeCount, 'planes', () => {
    asm.get(from).set(src).get(to).set(dst).i32Const(inputRows).set(rowCount);
    countedLoop(ctx, rowCount, 'rows', () => {
      const rowSrc = asm.local('i32', 'rs');
      const rowDst = asm.local('i32', 'rd');
      asm.get(src).set(rowSrc).get(dst).set(rowDst);
      if (s === 1) {
        // Columns land at padBegin + iw: four at a time, then one at a time.
        asm.i32Const(Math.floor(inputColumns / 4)).set(groups);
        countedLoop(ctx, groups, 'cols4', () => {
          asm.get(rowDst).get(rowSrc).v128Load(0).v128Store(columns.padBegin * 4);
          advance(asm, rowSrc, 16);
          advance(asm, rowDst, 16);
        });
        for (let i = 0; i < inputColumns % 4; i++) asm.get(rowDst).get(rowSrc).f32Load(i * 4).f32Store((columns.padBegin + i) * 4);
      } else {
        // Input column iw goes to logical column l = iw + pad: phase l mod s, position ⌊l / s⌋.
        const place = (iw: number): number => (((iw + columns.padBegin) % s) * g.phaseFloats + Math.floor((iw + columns.padBegin) / s)) * 4;
        // Stride 2: eight columns at a time, the even and the odd ones shuffled apart.
        const block = s === 2 ? 8 : s;
        asm.i32Const(Math.floor(inputColumns / block)).set(groups);
        countedLoop(ctx, groups, 'phases', () => {
          if (s === 2) {
            for (const [parity, lanes] of [[0, EVEN_LANES], [1, ODD_LANES]] as const) {
              asm.get(rowDst).get(rowSrc).v128Load(0).get(rowSrc).v128Load(16).i8x16Shuffle(lanes).v128Store(place(parity));
            }
          } else {
            for (let k = 0; k < s; k++) asm.get(rowDst).get(rowSrc).f32Load(k * 4).f32Store(place(k));
          }
          advance(asm, rowSrc, block * 4);
          advance(asm, rowDst, (block / s) * 4);
        });
        const done = Math.floor(inputColumns / block) * block;
        // The leftover columns, relative to the advanced pointers (a multiple of s columns on).
        for (let iw = done; iw < inputColumns; iw++) asm.get(rowDst).get(rowSrc).f32Load((iw - done) * 4).f32Store(place(iw - done));
      }
      advance(asm, src, columns.size * 4);
      advance(asm, dst, g.rowFloats * 4);
    });
    advance(asm, from, rows.size * columns.size * 4);
    advance(asm, to, g.planeFloats * 4);
  });
}
