// Linear (bilinear) resizing. resize is a layout op whose tolerance is exact, so the kernel
// repeats the interpreter's arithmetic (ir/ops/resize.ts) step for step in f64: per output
// position, the corners in row-major order, each weight the product of the per-axis factors
// (1 − λ or λ, computed at compile time), corners of weight 0 skipped (so 0·Inf never makes
// a NaN), the sum rounded to f32 once. Per axis, a table fixed at compile time holds for each
// output index the two factors and the byte offsets of the two input taps.

import type { ResizeKernel } from '../kernels.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { StaticData, TableWriter, type StaticTable } from './static-data.ts';

/** Per output index: f64 factor of tap 0, f64 factor of tap 1, i32 byte offsets of taps 0 and 1. */
const ENTRY_BYTES = 24;

interface AxisPlan {
  readonly table: StaticTable;
  readonly out: number;
}

export function prepareResizeKernel(kernel: ResizeKernel, statics: StaticData): (ctx: KernelContext) => void {
  if (kernel.taps.length < 1 || kernel.taps.length > 2) throw new Error('internal: resize of 1 or 2 spatial axes');
  // A 1-D resize is a 2-D one whose first axis has one input and one output (factors 1 and 0).
  const taps = kernel.taps.length === 2 ? kernel.taps : [{ i0: [0], i1: [0], lambda: [0] }, ...kernel.taps];
  const inSize = kernel.taps.length === 2 ? kernel.inSize : [1, ...kernel.inSize];
  const axes = taps.map((axis, a): AxisPlan => {
    const stride = a === 0 ? (inSize[1] ?? 1) : 1;
    const table = new TableWriter();
    axis.i0.forEach((i0, o) => {
      const lambda = axis.lambda[o] ?? 0;
      table.f64(1 - lambda).f64(lambda).i32(i0 * stride * 4).i32((axis.i1[o] ?? i0) * stride * 4);
    });
    return { table: statics.table(table), out: axis.i0.length };
  });
  const planeBytes = inSize.reduce((n, s) => n * s, 1) * 4;
  return (ctx) => emitResize(ctx, kernel, axes, planeBytes);
}

function emitResize(ctx: KernelContext, kernel: ResizeKernel, axes: readonly AxisPlan[], planeBytes: number): void {
  const { asm } = ctx;
  const [rows, columns] = axes;
  if (rows === undefined || columns === undefined) throw new Error('internal: resize axes');
  const x = addressLocal(ctx, kernel.x, 'x');
  const out = addressLocal(ctx, kernel.out, 'out');
  const planes = extentLocal(ctx, kernel.planes, 'planes');
  const eh = asm.local('i32', 'eh');
  const ew = asm.local('i32', 'ew');
  const oh = asm.local('i32', 'oh');
  const ow = asm.local('i32', 'ow');
  const row = asm.local('i32', 'row');
  const acc = asm.local('f64', 'acc');
  const weight = asm.local('f64', 'weight');
  asm.i32Const(rows.out).set(oh).i32Const(columns.out).set(ow);

  const corner = (ch: number, cw: number): void => {
    asm.get(eh).f64Load(ch * 8).get(ew).f64Load(cw * 8).f32('f64.mul').tee(weight);
    asm.f64Const(0).f32('f64.ne').if();
    asm.get(acc).get(weight);
    asm.get(row).get(eh).i32Load(16 + ch * 4).i32('i32.add').get(ew).i32Load(16 + cw * 4).i32('i32.add').f32Load(0);
    asm.f32('f64.promote_f32').f32('f64.mul').f32('f64.add').set(acc);
    asm.end();
  };

  countedLoop(ctx, planes, 'planes', () => {
    asm.i32Const(rows.table.address).set(eh);
    countedLoop(ctx, oh, 'rows', () => {
      asm.get(x).set(row);
      asm.i32Const(columns.table.address).set(ew);
      countedLoop(ctx, ow, 'columns', () => {
        asm.f64Const(0).set(acc);
        for (const ch of [0, 1]) for (const cw of [0, 1]) corner(ch, cw);
        asm.get(out).get(acc).f32('f32.demote_f64').f32Store(0);
        advance(asm, out, 4);
        advance(asm, ew, ENTRY_BYTES);
      });
      advance(asm, eh, ENTRY_BYTES);
    });
    advance(asm, x, planeBytes);
  });
}
