// Convolution (and transposed convolution) as an implicit GEMM on the micro-kernel of
// linear-kernel.ts, in the NCHW layout of the bundle's edges. Per image and group:
//   out[m, p] = epilogue(sum_k W[m, k] · patch[k, p]),  k = (c, ky, kx), p = output position,
// i.e. the micro-kernel's x rows are the weight's rows (W[M, C/g·taps], PyTorch's layout read
// in place: one splat per row and K step) and its panels are 16 output positions of patches:
//  - a 1×1 convolution with stride 1 and no padding reads its panels straight from the input
//    (K steps one input plane apart): the linear micro-kernel on the image;
//  - any other geometry packs each panel into scratch first (K × 16 floats, reused), through
//    per-axis tables fixed at compile time that give each (output index, tap) its input offset
//    or -1 for padding (strides, dilations, transposed convolution's 1/stride steps alike).
// The output rows (channels) are contiguous in NCHW, so results store as whole vectors.

import type { ConvKernel, WindowAxis } from '../kernels.ts';
import { convEpilogue } from './conv-epilogue.ts';
import { MICRO_KERNEL } from './emit-linear.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { createGemm, emitPanel, type GemmState } from './linear-kernel.ts';
import { StaticData, TableWriter, type StaticTable } from './static-data.ts';

const TRIVIAL_AXIS: WindowAxis = { out: 1, taps: 1, stride: 1, dilation: 1, padBegin: 0, divisor: 1, size: 1 };

/** The spatial axes as exactly two (a 1-D convolution gets a leading axis of size 1). */
export function planarAxes(kernel: ConvKernel): readonly [WindowAxis, WindowAxis] {
  const [first, second] = kernel.spatial;
  if (first === undefined || kernel.spatial.length > 2) throw new Error('internal: conv needs 1 or 2 spatial axes');
  return second === undefined ? [TRIVIAL_AXIS, first] : [first, second];
}

/** The input index tap t of output o reads on an axis, or -1 where it falls in the padding. */
export function tapIndex(axis: WindowAxis, o: number, t: number): number {
  const shifted = o * axis.stride + t * axis.dilation - axis.padBegin;
  if (shifted < 0 || shifted % axis.divisor !== 0) return -1;
  const index = shifted / axis.divisor;
  return index < axis.size ? index : -1;
}

function isPointwise(rows: WindowAxis, columns: WindowAxis): boolean {
  return [rows, columns].every((a) => a.taps === 1 && a.stride === 1 && a.padBegin === 0 && a.divisor === 1 && a.out === a.size);
}

/** Per (output index, tap) of an axis: the input offset in elements (index × `scale`), or -1. */
function tapTable(axis: WindowAxis, scale: number): TableWriter {
  const table = new TableWriter();
  for (let o = 0; o < axis.out; o++) {
    for (let t = 0; t < axis.taps; t++) {
      const index = tapIndex(axis, o, t);
      table.i32(index < 0 ? -1 : index * scale);
    }
  }
  return table;
}

interface ConvPlan {
  readonly kernel: ConvKernel;
  readonly rows: WindowAxis;
  readonly columns: WindowAxis;
  /** Absent for a pointwise convolution (panels read in place). */
  readonly tables?: { readonly rows: StaticTable; readonly columns: StaticTable };
  readonly statics: StaticData;
}

export function prepareConvKernel(kernel: ConvKernel, statics: StaticData): (ctx: KernelContext) => void {
  const [rows, columns] = planarAxes(kernel);
  if (isPointwise(rows, columns)) return (ctx) => emitConv(ctx, { kernel, rows, columns, statics });
  const depth = kernel.groupIn * rows.taps * columns.taps;
  statics.reserveScratch(depth * MICRO_KERNEL.panelWidth * 4);
  const tables = { rows: statics.table(tapTable(rows, columns.size)), columns: statics.table(tapTable(columns, 1)) };
  return (ctx) => emitConv(ctx, { kernel, rows, columns, tables, statics });
}

function emitConv(ctx: KernelContext, plan: ConvPlan): void {
  const { asm } = ctx;
  const { kernel, rows, columns } = plan;
  const inPlane = rows.size * columns.size;
  const outPlane = rows.out * columns.out;
  const perGroup = kernel.outChannels / kernel.groups;
  const depth = kernel.groupIn * rows.taps * columns.taps;
  const x = addressLocal(ctx, kernel.x, 'x');
  const out = addressLocal(ctx, kernel.out, 'out');
  const weight = addressLocal(ctx, kernel.weight, 'w');
  const groupRowBytes = asm.local('i32', 'grow');
  const fused = convEpilogue(ctx, kernel, groupRowBytes, out);
  const gemm = createGemm(asm, {
    depth, shape: MICRO_KERNEL, xRowBytes: depth * 4, yRowBytes: outPlane * 4, relaxed: ctx.relaxed,
    ...(fused.epilogue === undefined ? {} : { epilogue: fused.epilogue }),
  }, { rows: asm.local('i32', 'm'), x: asm.local('i32', 'wg'), y: asm.local('i32', 'yg') });
  asm.i32Const(perGroup).set(gemm.rows);
  const images = extentLocal(ctx, kernel.batch, 'images');
  const groups = asm.local('i32', 'groups');
  const xg = asm.local('i32', 'xg');
  const xn = asm.local('i32', 'xn');
  const yn = asm.local('i32', 'yn');
  asm.get(x).set(xn).get(out).set(yn);
  countedLoop(ctx, images, 'images', () => {
    asm.get(xn).set(xg).get(weight).set(gemm.x).get(yn).set(gemm.y).i32Const(0).set(groupRowBytes);
    asm.i32Const(kernel.groups).set(groups);
    countedLoop(ctx, groups, 'groups', () => {
      emitPanels(ctx, plan, gemm, xg);
      advance(asm, xg, kernel.groupIn * inPlane * 4);
      advance(asm, gemm.x, perGroup * depth * 4);
      advance(asm, gemm.y, perGroup * outPlane * 4);
      advance(asm, groupRowBytes, perGroup * 4);
    });
    advance(asm, xn, kernel.inChannels * inPlane * 4);
    advance(asm, yn, kernel.outChannels * outPlane * 4);
  });
  fused.after();
}

/** Every panel of output positions for one image and group: pack (or point at) it, then the GEMM. */
function emitPanels(ctx: KernelContext, plan: ConvPlan, gemm: GemmState, xg: Local): void {
  const { asm } = ctx;
  const { rows, columns } = plan;
  const width = MICRO_KERNEL.panelWidth;
  const positions = rows.out * columns.out;
  const full = Math.floor(positions / width);
  const tail = positions - full * width;
  const inPlaneBytes = rows.size * columns.size * 4;
  const panel = (columnsHere: number): void => {
    const panelWidth = Math.ceil(columnsHere / 4) * 4;
    if (plan.tables === undefined) {
      asm.get(xg).get(gemm.column).i32('i32.add').set(gemm.panel);
      emitPanel(gemm, { kBytes: inPlaneBytes, vectors: panelWidth / 4, lastLanes: columnsHere - (panelWidth - 4) });
    } else {
      emitPack(ctx, plan, gemm.column, xg, columnsHere, panelWidth);
      asm.i32Const(plan.statics.scratchAddress).set(gemm.panel);
      emitPanel(gemm, { kBytes: panelWidth * 4, vectors: panelWidth / 4, lastLanes: columnsHere - (panelWidth - 4) });
    }
  };
  asm.i32Const(0).set(gemm.column);
  if (full > 0) {
    asm.loop('panels');
    panel(width);
    asm.get(gemm.column).i32Const(width * 4).i32('i32.add').tee(gemm.column);
    asm.i32Const(full * width * 4).i32('i32.lt_u').brIf(0);
    asm.end();
  }
  if (tail > 0) panel(tail);
}

/**
 * Packs the panel of `count` output positions starting at byte column `column` (4 × the flat
 * position) into scratch as [K][panelWidth]: element (k = (c, ky, kx), j) is the input value
 * the tap reads for position j, or 0 in the padding.
 */
function emitPack(ctx: KernelContext, plan: ConvPlan, column: Local, xg: Local, count: number, panelWidth: number): void {
  const { asm } = ctx;
  const { kernel, rows, columns, tables } = plan;
  if (tables === undefined) throw new Error('internal: packing without tables');
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
  asm.i32Const(plan.statics.scratchAddress).set(slot).i32Const(count).set(j);
  countedLoop(ctx, j, 'positions', () => {
    asm.get(oh).i32Const(rows.taps * 4).i32('i32.mul').i32Const(tables.rows.address).i32('i32.add').set(rowEntry);
    asm.get(ow).i32Const(columns.taps * 4).i32('i32.mul').i32Const(tables.columns.address).i32('i32.add').set(columnEntry);
    asm.get(xg).set(plane).get(slot).set(target).i32Const(kernel.groupIn).set(channels);
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
