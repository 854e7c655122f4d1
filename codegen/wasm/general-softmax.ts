// Softmax over the middle axis of [outer, size, inner] when `inner` is a run-time size
// (several symbols: softmax over N of [N, S, D], elements S·D apart): the affine kernel's
// three passes (softmax-kernel.ts: max, sum of exp(x − max), exp(x − max) / sum) one element
// at a time, with the element step read at entry.

import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { advanceBy, mulStep, runtimeRef, stepOf } from './runtime-steps.ts';

export function prepareGeneralSoftmax(source: K.SoftmaxKernel, sizes: RuntimeSizes): (ctx: KernelContext) => void {
  const kernel: K.SoftmaxKernel<'runtime'> = {
    ...source, out: runtimeRef(source.out, sizes), x: runtimeRef(source.x, sizes),
    outer: sizes.extent(source.outer), size: sizes.extent(source.size), inner: sizes.extent(source.inner),
  };
  return (ctx) => emitGeneralSoftmax(ctx, kernel);
}

function emitGeneralSoftmax(ctx: KernelContext, kernel: K.SoftmaxKernel<'runtime'>): void {
  const { asm } = ctx;
  const x = addressLocal(ctx, kernel.x, 'x');
  const out = addressLocal(ctx, kernel.out, 'out');
  const outer = extentLocal(ctx, kernel.outer, 'outer');
  const size = extentLocal(ctx, kernel.size, 'size');
  const inner = extentLocal(ctx, kernel.inner, 'inner');
  const stride = stepOf(ctx, kernel.inner, 4, 'stride');
  const rowBytes = mulStep(ctx, stepOf(ctx, kernel.size, 1, 'sz'), stride, 'rowBytes');
  const [xr, yr, xp, yp] = [asm.local('i32', 'xr'), asm.local('i32', 'yr'), asm.local('i32', 'xp'), asm.local('i32', 'yp')];
  const max = asm.local('v128', 'max');
  const sum = asm.local('v128', 'sum');
  const acc = asm.local('f32', 'acc');

  /** `single()` for each element of the row (pointers xp, yp). */
  const sweep = (single: () => void): void => {
    asm.get(xr).set(xp).get(yr).set(yp);
    countedLoop(ctx, size, 's', () => { single(); advanceBy(asm, xp, stride); advanceBy(asm, yp, stride); });
  };
  /** exp(x[xp] − max) in lane 0. */
  const expShifted = (): void => {
    asm.get(xp).v128Load32Splat(0).get(max).v128('f32x4.sub');
    ctx.library.call(asm, 'exp');
  };
  const step = (pointer: Local, by: typeof rowBytes): void => advanceBy(asm, pointer, by);

  countedLoop(ctx, outer, 'outer', () => {
    asm.get(x).set(xr).get(out).set(yr);
    countedLoop(ctx, inner, 'inner', () => {
      asm.f32Const(-Infinity).set(acc);
      sweep(() => { asm.get(acc).get(xp).f32Load(0).f32('f32.max').set(acc); });
      asm.get(acc).f32x4Splat().set(max);
      asm.f32Const(0).set(acc);
      sweep(() => { asm.get(acc); expShifted(); asm.f32x4ExtractLane(0).f32('f32.add').set(acc); });
      asm.get(acc).f32x4Splat().set(sum);
      sweep(() => { asm.get(yp); expShifted(); asm.get(sum).v128('f32x4.div').v128Store32Lane(0, 0); });
      advance(asm, xr, 4);
      advance(asm, yr, 4);
    });
    step(x, rowBytes);
    step(out, rowBytes);
  });
}
