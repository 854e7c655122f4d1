// The scalar body of a reduction, one output: accumulate every tap (sums in f64, max/min in
// f32 with f32.max/min, which propagate NaN like Math.max/min), divide once for a mean, store
// and step the output pointer; the nested loops over the taps (emitTapLoops). Shared by the affine reduce kernel (reduce-kernel.ts) and the
// run-time-sized one (general-reduce.ts), which differ only in how they walk the taps.

import type { ReduceKernel } from '../kernels.ts';
import type { Local } from './function-assembler.ts';
import { advance, countedLoop, type KernelContext } from './kernel-context.ts';
import { advanceBy, type Step } from './runtime-steps.ts';

export interface ReduceBody {
  readonly combine: ReduceKernel['combine'];
  readonly finish: ReduceKernel['finish'];
  /** Calls `visit(pointer)` at every tap of the output's window. */
  readonly eachTap: (visit: (pointer: Local) => void) => void;
  /** Pushes the mean's divisor, an i32 (only called when `finish` is not 'none'). */
  readonly divisor: () => void;
}

export function emitReduceBody(ctx: KernelContext, out: Local, body: ReduceBody): void {
  const { asm } = ctx;
  const sum = body.combine === 'sum';
  const acc = asm.local(sum ? 'f64' : 'f32', 'acc');
  if (sum) asm.f64Const(0).set(acc);
  else asm.f32Const(body.combine === 'max' ? -Infinity : Infinity).set(acc);
  body.eachTap((pointer) => {
    asm.get(acc).get(pointer).f32Load(0);
    if (sum) asm.f32('f64.promote_f32').f32('f64.add');
    else asm.f32(body.combine === 'max' ? 'f32.max' : 'f32.min');
    asm.set(acc);
  });
  asm.get(out).get(acc);
  if (body.finish !== 'none') {
    body.divisor();
    asm.f32('f64.convert_i32_s').f32('f64.div');
  }
  if (sum) asm.f32('f32.demote_f64');
  asm.f32Store(0);
  advance(asm, out, 4);
}

/** A reduced axis's loop: its tap count and the input pointer's step from one tap to the next. */
export interface TapLevel {
  readonly count: Local;
  readonly step: Step;
}

/** Runs `inner(pointer)` for every tap of `levels`, nested in order (the interpreter's), from `input`. */
export function emitTapLoops(ctx: KernelContext, levels: readonly TapLevel[], input: Local, inner: (pointer: Local) => void): void {
  const { asm } = ctx;
  const [first, ...rest] = levels;
  if (first === undefined) {
    inner(input);
    return;
  }
  const child = asm.local('i32', 'tap');
  asm.get(input).set(child);
  countedLoop(ctx, first.count, 'taps', () => {
    emitTapLoops(ctx, rest, child, inner);
    advanceBy(asm, child, first.step);
  });
}
