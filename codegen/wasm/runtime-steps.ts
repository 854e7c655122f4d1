// What the general wasm kernels (several symbols) share: a kernel's sizes mapped to run-time
// slots at prepare time (before the layout freezes the table), and strides that are either a
// compile-time byte count or a local read at entry, with pointer steps for both.

import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import type { FunctionAssembler, Local } from './function-assembler.ts';
import { advance, pushAffine, type KernelContext } from './kernel-context.ts';

type Ref = K.BufferRef<'runtime'>;
type Size = K.AffineExtent;

/** A byte step: known at compile time, or a local holding it. */
export type Step = number | Local;

export function runtimeRef(ref: K.BufferRef, sizes: RuntimeSizes): Ref {
  return sizes.ref(ref);
}

export function isStatic(size: Size): boolean {
  return size.perSample === 0;
}

/** `size · bytes` as a step: a constant when static, else an i32 local set here. */
export function stepOf(ctx: KernelContext, size: Size, bytes: number, name: string): Step {
  if (isStatic(size)) return size.fixed * bytes;
  const local = ctx.asm.local('i32', name);
  pushAffine(ctx, size);
  if (bytes !== 1) ctx.asm.i32Const(bytes).i32('i32.mul');
  ctx.asm.set(local);
  return local;
}

/** a · b for steps (the product of a static and a run-time one stays one multiply at entry). */
export function mulStep(ctx: KernelContext, a: Step, b: Step, name: string): Step {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  const local = ctx.asm.local('i32', name);
  pushStep(ctx.asm, a);
  pushStep(ctx.asm, b);
  ctx.asm.i32('i32.mul').set(local);
  return local;
}

export function pushStep(asm: FunctionAssembler, step: Step): void {
  if (typeof step === 'number') asm.i32Const(step);
  else asm.get(step);
}

/** pointer += step. */
export function advanceBy(asm: FunctionAssembler, pointer: Local, step: Step): void {
  if (typeof step === 'number') {
    advance(asm, pointer, step);
    return;
  }
  asm.get(pointer).get(step).i32('i32.add').set(pointer);
}
