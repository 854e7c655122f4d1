// Stable softmax over the middle axis of [outer, size, inner]: per row, the max (f32x4.max,
// NaN-propagating like Math.max), the sum of exp(x − max), then exp(x − max) / sum, the
// interpreter's order of operations. With inner = 1 the row is contiguous and each pass runs
// four lanes at a time; otherwise elements are `inner` apart and the passes go one at a time.
// Threads split the outer rows (threads.ts).

import type { SoftmaxKernel } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { takeShare } from './threads.ts';

export function emitSoftmaxKernel(ctx: KernelContext, kernel: SoftmaxKernel): void {
  const { asm } = ctx;
  const x = addressLocal(ctx, kernel.x, 'x');
  const out = addressLocal(ctx, kernel.out, 'out');
  const outer = extentLocal(ctx, kernel.outer, 'outer');
  const size = extentLocal(ctx, kernel.size, 'size');
  const inner = asm.local('i32', 'inner');
  asm.i32Const(kernel.inner).set(inner);
  const rowBytes = asm.local('i32', 'rowBytes');
  asm.get(size).i32Const(kernel.inner * 4).i32('i32.mul').set(rowBytes);
  // Threads split the outer rows.
  takeShare(ctx, outer, 1, [{ pointer: x, bytes: rowBytes }, { pointer: out, bytes: rowBytes }], 'outer');
  const lanes = kernel.inner === 1 ? 4 : 1;
  const vectors = asm.local('i32', 'vecs');
  const rest = asm.local('i32', 'rest');
  if (lanes === 4) {
    asm.get(size).i32Const(2).i32('i32.shr_u').set(vectors);
    asm.get(size).i32Const(3).i32('i32.and').set(rest);
  } else {
    asm.i32Const(0).set(vectors).get(size).set(rest);
  }
  const xr = asm.local('i32', 'xr');
  const yr = asm.local('i32', 'yr');
  const xp = asm.local('i32', 'xp');
  const yp = asm.local('i32', 'yp');
  const acc = asm.local('v128', 'acc');
  const tail = asm.local('f32', 'tail');
  const max = asm.local('v128', 'max');
  const sum = asm.local('v128', 'sum');
  const stride = kernel.inner * 4;

  /** Runs `vector` over the 4-lane part and `single` over the rest (pointers xp, yp). */
  const sweep = (vector: () => void, single: () => void): void => {
    asm.get(xr).set(xp).get(yr).set(yp);
    countedLoop(ctx, vectors, 'v', () => { vector(); advance(asm, xp, 16); advance(asm, yp, 16); });
    countedLoop(ctx, rest, 's', () => { single(); advance(asm, xp, stride); advance(asm, yp, stride); });
  };
  const horizontal = (op: 'f32.max' | 'f32.add', lanesOf: Local): void => {
    asm.get(lanesOf).f32x4ExtractLane(0).get(lanesOf).f32x4ExtractLane(1).f32(op);
    asm.get(lanesOf).f32x4ExtractLane(2).get(lanesOf).f32x4ExtractLane(3).f32(op).f32(op);
  };
  const expShifted = (load: () => void): void => {
    load();
    asm.get(max).v128('f32x4.sub');
    ctx.library.call(asm, 'exp');
  };

  countedLoop(ctx, outer, 'outer', () => {
    asm.get(x).set(xr).get(out).set(yr);
    countedLoop(ctx, inner, 'inner', () => {
      asm.f32x4Const(-Infinity).set(acc);
      sweep(
        () => { asm.get(acc).get(xp).v128Load(0).v128('f32x4.max').set(acc); },
        () => { asm.get(acc).get(xp).v128Load32Splat(0).v128('f32x4.max').set(acc); },
      );
      horizontal('f32.max', acc);
      asm.f32x4Splat().set(max);
      asm.f32x4Const(0).set(acc).f32Const(0).set(tail);
      sweep(
        () => { asm.get(acc); expShifted(() => asm.get(xp).v128Load(0)); asm.v128('f32x4.add').set(acc); },
        () => { asm.get(tail); expShifted(() => asm.get(xp).v128Load32Splat(0)); asm.f32x4ExtractLane(0).f32('f32.add').set(tail); },
      );
      horizontal('f32.add', acc);
      asm.get(tail).f32('f32.add').f32x4Splat().set(sum);
      sweep(
        () => { asm.get(yp); expShifted(() => asm.get(xp).v128Load(0)); asm.get(sum).v128('f32x4.div').v128Store(0); },
        () => { asm.get(yp); expShifted(() => asm.get(xp).v128Load32Splat(0)); asm.get(sum).v128('f32x4.div').v128Store32Lane(0, 0); },
      );
      advance(asm, xr, 4);
      advance(asm, yr, 4);
    });
    asm.get(x).get(rowBytes).i32('i32.add').set(x);
    asm.get(out).get(rowBytes).i32('i32.add').set(out);
  });
}
