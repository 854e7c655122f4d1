// Linear (bilinear) resizing. resize is a layout op whose tolerance is exact, so the kernel
// repeats the interpreter's arithmetic (ir/ops/resize.ts) in f64: per output position, the
// corners in row-major order, each weight the product of the per-axis factors (1 − λ or λ,
// computed at compile time), the terms of weight-0 corners left out (so 0·Inf never makes a
// NaN), the sum rounded to f32 once. Output columns go two at a time on f64x2 lanes: a
// left-out term adds +0 there, which changes nothing since the sum, starting at +0, is never
// −0. Tables fixed at compile time hold, per output row, the two factors and the byte offsets
// of the two input rows, and per pair of output columns the same for both lanes.

import type { ResizeKernel } from '../affine-kernels.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { StaticData, TableWriter, type StaticTable } from './static-data.ts';

/** Per output index: f64 factor of tap 0, f64 factor of tap 1, i32 byte offsets of taps 0 and 1. */
const ENTRY_BYTES = 24;
/** Per pair of output columns: f64x2 factors of tap 0, of tap 1, then i32 offsets (tap 0 ×2, tap 1 ×2). */
const PAIR_BYTES = 48;

interface AxisTaps {
  readonly factors: readonly (readonly [number, number])[];
  readonly offsets: readonly (readonly [number, number])[];
}

interface ResizePlan {
  readonly rows: StaticTable;
  readonly rowCount: number;
  readonly pairs: StaticTable;
  readonly pairCount: number;
  /** The last column when the count is odd (its scalar entry), else undefined. */
  readonly lastColumn?: StaticTable;
  readonly planeBytes: number;
}

function axisTaps(axis: ResizeKernel['taps'][number], stride: number): AxisTaps {
  return {
    factors: axis.lambda.map((lambda) => [1 - lambda, lambda] as const),
    offsets: axis.i0.map((i0, o) => [i0 * stride * 4, (axis.i1[o] ?? i0) * stride * 4] as const),
  };
}

function scalarTable(taps: AxisTaps, from: number, to: number): TableWriter {
  const table = new TableWriter();
  for (let o = from; o < to; o++) {
    const [f0 = 0, f1 = 0] = taps.factors[o] ?? [];
    const [o0 = 0, o1 = 0] = taps.offsets[o] ?? [];
    table.f64(f0).f64(f1).i32(o0).i32(o1);
  }
  return table;
}

function pairTable(taps: AxisTaps, pairs: number): TableWriter {
  const table = new TableWriter();
  for (let p = 0; p < pairs; p++) {
    const [a, b] = [2 * p, 2 * p + 1].map((o) => ({ f: taps.factors[o] ?? [0, 0], off: taps.offsets[o] ?? [0, 0] }));
    if (a === undefined || b === undefined) continue;
    table.f64(a.f[0]).f64(b.f[0]).f64(a.f[1]).f64(b.f[1]).i32(a.off[0]).i32(b.off[0]).i32(a.off[1]).i32(b.off[1]);
  }
  return table;
}

export function prepareResizeKernel(kernel: ResizeKernel, statics: StaticData): (ctx: KernelContext) => void {
  if (kernel.taps.length < 1 || kernel.taps.length > 2) throw new Error('internal: resize of 1 or 2 spatial axes');
  // A 1-D resize is a 2-D one whose first axis has one input and one output (factors 1 and 0).
  const taps = kernel.taps.length === 2 ? kernel.taps : [{ i0: [0], i1: [0], lambda: [0] }, ...kernel.taps];
  const inSize = kernel.taps.length === 2 ? kernel.inSize : [1, ...kernel.inSize];
  const [rowAxis, columnAxis] = taps;
  if (rowAxis === undefined || columnAxis === undefined) throw new Error('internal: resize axes');
  const rows = axisTaps(rowAxis, inSize[1] ?? 1);
  const columns = axisTaps(columnAxis, 1);
  const width = columns.factors.length;
  const pairCount = Math.floor(width / 2);
  const plan: ResizePlan = {
    rows: statics.table(scalarTable(rows, 0, rows.factors.length)),
    rowCount: rows.factors.length,
    pairs: statics.table(pairTable(columns, pairCount)),
    pairCount,
    ...(width % 2 === 1 ? { lastColumn: statics.table(scalarTable(columns, width - 1, width)) } : {}),
    planeBytes: inSize.reduce((n, s) => n * s, 1) * 4,
  };
  return (ctx) => emitResize(ctx, kernel, plan);
}

function emitResize(ctx: KernelContext, kernel: ResizeKernel, plan: ResizePlan): void {
  const { asm } = ctx;
  const x = addressLocal(ctx, kernel.x, 'x');
  const out = addressLocal(ctx, kernel.out, 'out');
  const planes = extentLocal(ctx, kernel.planes, 'planes');
  const eh = asm.local('i32', 'eh');
  const ew = asm.local('i32', 'ew');
  const rowsLeft = asm.local('i32', 'oh');
  const pairsLeft = asm.local('i32', 'ow');
  const acc = asm.local('f64', 'acc');
  const weight = asm.local('f64', 'weight');
  const pairAcc = asm.local('v128', 'acc2');
  const pairWeight = asm.local('v128', 'weight2');
  const rowTap = asm.local('i32', 'rowtap');

  /** One corner for the odd last column (entry at ew): add weight · x when the weight is not 0. */
  const scalarCorner = (ch: number, cw: number): void => {
    asm.get(eh).f64Load(ch * 8).get(ew).f64Load(cw * 8).f32('f64.mul').tee(weight);
    asm.f64Const(0).f32('f64.ne').if();
    asm.get(acc).get(weight);
    asm.get(x).get(eh).i32Load(16 + ch * 4).i32('i32.add').get(ew).i32Load(16 + cw * 4).i32('i32.add').f32Load(0);
    asm.f32('f64.promote_f32').f32('f64.mul').f32('f64.add').set(acc);
    asm.end();
  };
  /** One corner for a pair of columns (entry at ew): two lanes, weight-0 terms replaced by +0. */
  const pairCorner = (ch: number, cw: number): void => {
    asm.get(eh).f64Load(ch * 8).f64x2Splat().get(ew).v128Load(cw * 16).v128('f64x2.mul').set(pairWeight);
    asm.get(x).get(eh).i32Load(16 + ch * 4).i32('i32.add').set(rowTap);
    asm.get(rowTap).get(ew).i32Load(32 + cw * 8).i32('i32.add').f32Load(0).f32('f64.promote_f32').f64x2Splat();
    asm.get(rowTap).get(ew).i32Load(36 + cw * 8).i32('i32.add').f32Load(0).f32('f64.promote_f32').f64x2ReplaceLane(1);
    asm.get(pairWeight).v128('f64x2.mul');
    asm.f64x2Const(0);
    asm.get(pairWeight).f64x2Const(0).v128('f64x2.ne');
    asm.v128Bitselect();
    asm.get(pairAcc).v128('f64x2.add').set(pairAcc);
  };

  countedLoop(ctx, planes, 'planes', () => {
    asm.i32Const(plan.rows.address).set(eh).i32Const(plan.rowCount).set(rowsLeft);
    countedLoop(ctx, rowsLeft, 'rows', () => {
      if (plan.pairCount > 0) {
        asm.i32Const(plan.pairs.address).set(ew).i32Const(plan.pairCount).set(pairsLeft);
        countedLoop(ctx, pairsLeft, 'pairs', () => {
          asm.f64x2Const(0).set(pairAcc);
          for (const ch of [0, 1]) for (const cw of [0, 1]) pairCorner(ch, cw);
          asm.get(out).get(pairAcc).v128Unary('f32x4.demote_f64x2_zero').v128Store64Lane(0, 0);
          advance(asm, out, 8);
          advance(asm, ew, PAIR_BYTES);
        });
      }
      if (plan.lastColumn !== undefined) {
        asm.i32Const(plan.lastColumn.address).set(ew).f64Const(0).set(acc);
        for (const ch of [0, 1]) for (const cw of [0, 1]) scalarCorner(ch, cw);
        asm.get(out).get(acc).f32('f32.demote_f64').f32Store(0);
        advance(asm, out, 4);
      }
      advance(asm, eh, ENTRY_BYTES);
    });
    advance(asm, x, plan.planeBytes);
  });
}

