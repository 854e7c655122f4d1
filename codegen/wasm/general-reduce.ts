// reduce_* whose sizes may be run-time values (several symbols: mean pooling over S of
// [N, S, D], a max over a transposed axis): every axis either runs straight through (taps 1,
// no padding; its extent and input stride may be run-time values) or is reduced whole (out 1,
// taps = size, no padding), the reduce ops' two kinds; windows with padding or strides (pooling)
// stay on the affine kernel (reduce-kernel.ts) with static sizes. Sums in f64, divided once.

import { CompileError } from '../../ir/errors.ts';
import { isConstSize, sameSize } from '../../ir/sym-size.ts';
import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { emitReduceBody, emitTapLoops } from './reduce-body.ts';
import { advanceBy, runtimeRef, stepOf } from './runtime-steps.ts';

interface Axis {
  /** Run through (a plane axis) or reduced whole. */
  readonly whole: boolean;
  readonly count: K.AffineExtent;
  readonly inStride: K.AffineExtent;
}

function isWhole(axis: K.ReduceAxis): boolean {
  return axis.padBegin === 0 && axis.padEnd === 0 && axis.dilation === 1 && sameSize(axis.taps, axis.size) && isConstSize(axis.out) && (axis.out[0]?.coeff ?? 0) === 1;
}

function isPlane(axis: K.ReduceAxis): boolean {
  return axis.padBegin === 0 && axis.padEnd === 0 && axis.stride === 1 && axis.dilation === 1 && isConstSize(axis.taps) && (axis.taps[0]?.coeff ?? 0) === 1;
}

export function prepareGeneralReduce(kernel: K.ReduceKernel, sizes: RuntimeSizes): (ctx: KernelContext) => void {
  const axes = kernel.axes.map((axis): Axis => {
    const whole = isWhole(axis);
    if (!whole && !isPlane(axis)) {
      throw new CompileError('the wasm target takes several symbols in reductions over whole axes, not in a window with padding or strides (the JS target takes it; --dim fixes a symbol at compile time)', { node: kernel.label, op: kernel.op });
    }
    return { whole, count: sizes.extent(whole ? axis.taps : axis.out), inStride: sizes.extent(axis.inStride) };
  });
  const x = runtimeRef(kernel.x, sizes);
  const out = runtimeRef(kernel.out, sizes);
  return (ctx) => emitGeneralReduce(ctx, kernel, axes, x, out);
}

function emitGeneralReduce(ctx: KernelContext, kernel: K.ReduceKernel, axes: readonly Axis[], x: K.BufferRef<'runtime'>, outRef: K.BufferRef<'runtime'>): void {
  const { asm } = ctx;
  const out = addressLocal(ctx, outRef, 'out');
  const counts = axes.map((axis, a) => extentLocal(ctx, axis.count, `e${a}_`));
  const steps = axes.map((axis, a) => stepOf(ctx, axis.inStride, 4, `s${a}_`));
  const reduced = axes.map((_, a) => a).filter((a) => axes[a]?.whole === true);

  const taps = reduced.map((a) => ({ count: counts[a] ?? out, step: steps[a] ?? 0 }));

  const body = (input: Local): void => emitReduceBody(ctx, out, {
    combine: kernel.combine,
    finish: kernel.finish,
    eachTap: (visit) => emitTapLoops(ctx, taps, input, visit),
    divisor: () => {
      asm.i32Const(1);
      for (const a of reduced) asm.get(counts[a] ?? input).i32('i32.mul');
    },
  });

  const level = (a: number, input: Local): void => {
    const axis = axes[a];
    if (axis === undefined) {
      body(input);
      return;
    }
    if (axis.whole) {
      level(a + 1, input);
      return;
    }
    const child = asm.local('i32', `in${a}_`);
    asm.get(input).set(child);
    countedLoop(ctx, counts[a] ?? input, `axis${a}`, () => {
      level(a + 1, child);
      advanceBy(asm, child, steps[a] ?? 0);
    });
  };
  level(0, addressLocal(ctx, x, 'x'));
}
