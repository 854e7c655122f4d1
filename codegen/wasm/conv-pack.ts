// The packed path of the conv kernel, for geometries a padded copy cannot serve (transposed
// convolution's 1/stride steps): each panel of output positions is packed into scratch as
// [K][width] through per-axis tables fixed at compile time that give each (output index, tap)
// its input offset, or -1 in the padding.

import type { WindowAxis } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { advance, countedLoop, pushAddress, type Address, type KernelContext } from './kernel-context.ts';
import { TableWriter, type StaticTable } from './static-data.ts';

/** The input index tap t of output o reads on an axis, or -1 where it falls in the padding. */
export function tapIndex(axis: WindowAxis, o: number, t: number): number {
  const shifted = o * axis.stride + t * axis.dilation - axis.padBegin;
  if (shifted < 0 || shifted % axis.divisor !== 0) return -1;
  const index = shifted / axis.divisor;
  return index < axis.size ? index : -1;
}

/** Per (output index, tap) of an axis: the input offset in elements (index × `scale`), or -1. */
export function tapTable(axis: WindowAxis, scale: number): TableWriter {
  const table = new TableWriter();
  for (let o = 0; o < axis.out; o++) {
    for (let t = 0; t < axis.taps; t++) {
      const index = tapIndex(axis, o, t);
      table.i32(index < 0 ? -1 : index * scale);
    }
  }
  return table;
}

export interface PackPlan {
  readonly rows: WindowAxis;
  readonly columns: WindowAxis;
  readonly groupIn: number;
  readonly tables: { readonly rows: StaticTable; readonly columns: StaticTable };
  readonly scratch: Address;
}

/**
 * Packs the panel of `count` output positions starting at byte column `column` (4 × the flat
 * position) into scratch as [K][panelWidth]: element (k = (c, ky, kx), j) is the input value
 * the tap reads for position j, or 0 in the padding.
 */
export function emitPack(ctx: KernelContext, plan: PackPlan, column: Local, xg: Local, count: number, panelWidth: number): void {
  const { asm } = ctx;
  const { rows, columns, tables } = plan;
  const taps = rows.taps * columns.taps;
  const inPlaneBytes = rows.size * columns.size * 4;
  const oh = asm.local('i32', 'oh');
  const ow = asm.local('i32', 'ow');
  const rowEntry = asm.local('i32', 'rt');
  const columnEntry = asm.local('i32', 'ct');
  const slot = asm.local('i32', 'slot');
  const plane = asm.local('i32', 'plane');
  const target = asm.local('i32', 'dst');
  const offset = asm.local('i32', 'off');
  const j = asm.local('i32', 'j');
  const channels = asm.local('i32', 'chans');
  asm.get(column).i32Const(2).i32('i32.shr_u').i32Const(columns.out).i32('i32.div_u').set(oh);
  asm.get(column).i32Const(2).i32('i32.shr_u').i32Const(columns.out).i32('i32.rem_u').set(ow);
  pushAddress(asm, plan.scratch);
  asm.set(slot).i32Const(count).set(j);
  countedLoop(ctx, j, 'positions', () => {
    asm.get(oh).i32Const(rows.taps * 4).i32('i32.mul').i32Const(tables.rows.address).i32('i32.add').set(rowEntry);
    asm.get(ow).i32Const(columns.taps * 4).i32('i32.mul').i32Const(tables.columns.address).i32('i32.add').set(columnEntry);
    asm.get(xg).set(plane).get(slot).set(target).i32Const(plan.groupIn).set(channels);
    countedLoop(ctx, channels, 'channels', () => {
      for (let ky = 0; ky < rows.taps; ky++) {
        for (let kx = 0; kx < columns.taps; kx++) {
          const k = ky * columns.taps + kx;
          asm.get(rowEntry).i32Load(ky * 4).get(columnEntry).i32Load(kx * 4);
          // (row | column) < 0 exactly when either is -1 (offsets are non-negative).
          asm.i32('i32.or').i32Const(0).i32('i32.ge_s').set(offset);
          asm.get(target);
          asm.get(plane).get(rowEntry).i32Load(ky * 4).get(columnEntry).i32Load(kx * 4).i32('i32.add');
          asm.i32Const(2).i32('i32.shl').i32('i32.add').get(plane).get(offset).select().f32Load(0);
          asm.f32Const(0).get(offset).select();
          asm.f32Store(k * panelWidth * 4);
        }
      }
      advance(asm, plane, inPlaneBytes);
      advance(asm, target, taps * panelWidth * 4);
    });
    advance(asm, slot, 4);
    // Next position: ow + 1, wrapping to the next row.
    asm.get(ow).i32Const(1).i32('i32.add').tee(ow).i32Const(columns.out).i32('i32.eq').if();
    asm.i32Const(0).set(ow).get(oh).i32Const(1).i32('i32.add').set(oh);
    asm.end();
  });
}
