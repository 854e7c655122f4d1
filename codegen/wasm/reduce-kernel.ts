// Windowed reductions (pooling, global pooling, reduce_*), dense over the output. Plane axes
// (taps 1, no padding; the batch among them) step their input pointer; each window axis has
// a table fixed at compile time giving, per output index, the byte offset of its first valid
// tap, the number of valid taps and the avg_pool divisor's factor, so the tap loops run over
// valid taps only, with no bounds test. Sums accumulate in f64 and divide once, as the
// interpreter does (ir/ops/pool.ts, reduce.ts); max and min are f32.max/min, which propagate
// NaN like Math.max/min. The interior of the innermost output axis runs four outputs on f32x4
// lanes (pooling-lanes.ts). Threads split one plane axis (reduceSplitAxis), each its share of
// that axis's outputs in every iteration of the axes outside it.

import { productExtent, type ReduceAxis, type ReduceKernel } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, pushAffine, type KernelContext } from './kernel-context.ts';
import { emitShare } from './threads.ts';
import { emitReduceBody, emitTapLoops, type TapLevel } from './reduce-body.ts';
import { emitPoolVector, interiorRange, type LaneBody } from './pooling-lanes.ts';
import { StaticData, TableWriter, type StaticTable } from './static-data.ts';

/** Per output index of a window axis: first valid tap's byte offset, valid taps, divisor factor. */
const ENTRY_BYTES = 12;

export function isPlaneAxis(axis: ReduceAxis): boolean {
  return axis.taps === 1 && axis.stride === 1 && axis.dilation === 1 && axis.padBegin === 0 && axis.padEnd === 0;
}

/**
 * The plane axis threads split: the outermost with at least 4 outputs at batch 1, else the
 * outermost that grows with the batch, else none (every output a window over all of x).
 */
export function reduceSplitAxis(kernel: ReduceKernel): number | undefined {
  const planes = kernel.axes.flatMap((axis, a) => (isPlaneAxis(axis) ? [a] : []));
  const at = (a: number): ReduceAxis | undefined => kernel.axes[a];
  return planes.find((a) => (at(a)?.out.fixed ?? 0) + (at(a)?.out.perSample ?? 0) >= 4) ?? planes.find((a) => (at(a)?.out.perSample ?? 0) > 0);
}

/** The valid taps [first, first + count) of a window axis at output index o. */
export function validTaps(axis: ReduceAxis, o: number): { first: number; count: number } {
  let first = -1;
  let count = 0;
  for (let t = 0; t < axis.taps; t++) {
    const i = o * axis.stride + t * axis.dilation - axis.padBegin;
    if (i < 0 || i >= axis.size) continue;
    if (first < 0) first = t;
    count++;
  }
  return { first: Math.max(first, 0), count };
}

/** avg_pool's divisor factor with count_include_pad: the window clipped to the padded input. */
function paddedCount(axis: ReduceAxis, o: number): number {
  const start = o * axis.stride - axis.padBegin;
  return Math.min(start + axis.taps, axis.size + axis.padEnd) - start;
}

function windowTable(kernel: ReduceKernel, axis: ReduceAxis): TableWriter {
  const table = new TableWriter();
  for (let o = 0; o < axis.out.fixed; o++) {
    const { first, count } = validTaps(axis, o);
    const offset = (o * axis.stride + first * axis.dilation - axis.padBegin) * axis.inStride * 4;
    table.i32(count === 0 ? 0 : offset).i32(count).i32(kernel.finish === 'mean-padded' ? paddedCount(axis, o) : count);
  }
  return table;
}

/** A window axis's tap loop: `count` is the valid taps at the current output index. */
interface WindowLevel extends TapLevel {
  readonly axis: ReduceAxis;
  /** The divisor factor at the current output index. */
  readonly divisor: Local;
}

export function prepareReduceKernel(kernel: ReduceKernel, statics: StaticData): (ctx: KernelContext) => void {
  const tables = new Map<number, StaticTable>();
  kernel.axes.forEach((axis, a) => { if (!isPlaneAxis(axis)) tables.set(a, statics.table(windowTable(kernel, axis))); });
  const split = reduceSplitAxis(kernel);
  return (ctx) => emitReduce(ctx, kernel, tables, split);
}

function emitReduce(ctx: KernelContext, kernel: ReduceKernel, tables: ReadonlyMap<number, StaticTable>, split: number | undefined): void {
  const { asm } = ctx;
  const out = addressLocal(ctx, kernel.out, 'out');
  const windows: WindowLevel[] = [];

  const divisorOf = (levels: readonly WindowLevel[]): void => {
    asm.i32Const(1);
    for (const level of levels) asm.get(level.divisor).i32('i32.mul');
  };

  const body = (input: Local): void => emitReduceBody(ctx, out, {
    combine: kernel.combine,
    finish: kernel.finish,
    eachTap: (visit) => emitTapLoops(ctx, windows, input, visit),
    divisor: () => divisorOf(windows),
  });

  const level = (a: number, input: Local): void => {
    const axis = kernel.axes[a];
    if (axis === undefined) {
      body(input);
      return;
    }
    const child = asm.local('i32', `in${a}_`);
    const table = tables.get(a);
    if (table === undefined) {
      const count = extentLocal(ctx, axis.out, `e${a}_`);
      asm.get(input).set(child);
      if (a !== split) {
        countedLoop(ctx, count, `axis${a}`, () => {
          level(a + 1, child);
          advance(asm, child, axis.inStride * 4);
        });
        return;
      }
      // This thread's outputs [start, end) of the axis; out skips the others' before and after.
      const outBytes = asm.local('i32', `ob${a}_`);
      pushAffine(ctx, productExtent(kernel.axes.slice(a + 1).map((later) => later.out)));
      asm.i32Const(4).i32('i32.mul').set(outBytes);
      const { start, end } = emitShare(ctx, count, 1, `axis${a}`);
      asm.get(child).get(start).i32Const(axis.inStride * 4).i32('i32.mul').i32('i32.add').set(child);
      asm.get(out).get(start).get(outBytes).i32('i32.mul').i32('i32.add').set(out);
      const mine = asm.local('i32', `m${a}_`);
      asm.get(end).get(start).i32('i32.sub').set(mine);
      countedLoop(ctx, mine, `axis${a}`, () => {
        level(a + 1, child);
        advance(asm, child, axis.inStride * 4);
      });
      asm.get(out).get(count).get(end).i32('i32.sub').get(outBytes).i32('i32.mul').i32('i32.add').set(out);
      return;
    }
    const entry = asm.local('i32', `t${a}_`);
    const outer = [...windows];
    const window: WindowLevel = { axis, count: asm.local('i32', `n${a}_`), step: axis.dilation * axis.inStride * 4, divisor: asm.local('i32', `d${a}_`) };
    windows.push(window);
    /** `count` outputs one at a time, from the current table entry on. */
    const scalar = (count: number): void => {
      if (count <= 0) return;
      const n = asm.local('i32', `e${a}_`);
      asm.i32Const(count).set(n);
      countedLoop(ctx, n, `axis${a}`, () => {
        asm.get(input).get(entry).i32Load(0).i32('i32.add').set(child);
        asm.get(entry).i32Load(4).set(window.count);
        asm.get(entry).i32Load(8).set(window.divisor);
        level(a + 1, child);
        advance(asm, entry, ENTRY_BYTES);
      });
    };
    asm.i32Const(table.address).set(entry);
    const { lo, hi } = interiorRange(axis);
    const vectors = a === kernel.axes.length - 1 ? Math.floor((hi - lo) / 4) : 0;
    if (vectors > 0) {
      scalar(lo);
      const n = asm.local('i32', `v${a}_`);
      asm.i32Const(vectors).set(n);
      const lanes: LaneBody = {
        kernel, axis, out,
        outerTaps: (start, inner) => emitTapLoops(ctx, outer, start, inner),
        outerDivisor: () => divisorOf(outer),
      };
      countedLoop(ctx, n, `lanes${a}`, () => {
        asm.get(input).get(entry).i32Load(0).i32('i32.add').set(child);
        emitPoolVector(ctx, lanes, child);
        advance(asm, entry, 4 * ENTRY_BYTES);
      });
      scalar(axis.out.fixed - lo - 4 * vectors);
    } else {
      scalar(axis.out.fixed);
    }
    windows.pop();
  };
  level(0, addressLocal(ctx, kernel.x, 'x'));
}
