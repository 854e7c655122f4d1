// What every wasm kernel emitter shares: the function being assembled, the batch local,
// the memory layout, the math helpers, and small helpers for affine addresses and counts.

import type { Extent, BufferRef } from '../affine-kernels.ts';
import type { FunctionAssembler, Local } from './function-assembler.ts';
import type { MathLibrary } from './math-library.ts';
import { addressOf, type AffineBytes, type WasmLayout } from './memory-layout.ts';

export interface KernelContext {
  readonly asm: FunctionAssembler;
  /** The batch bound to the symbolic dim for this call. */
  readonly batch: Local;
  /**
   * This call's share of the kernel and the number of shares (0 and 1 when it runs alone).
   * Only kernels that split their work (threads.ts) read them.
   */
  readonly thread: Local;
  readonly threads: Local;
  /**
   * The scratch region of the thread running this call (its index in the pool; 0 alone): a
   * thread claims the share `thread` of `threads` of a kernel (threads.ts), and may claim several.
   */
  readonly slot: Local;
  readonly layout: WasmLayout;
  readonly library: MathLibrary;
  /** Emit relaxed-SIMD instructions (f32x4.relaxed_madd). */
  readonly relaxed: boolean;
}

/** Pushes perSample · batch + fixed (an i32); with a slot, its run-time size instead of the batch. */
export function pushAffine(ctx: KernelContext, value: AffineBytes | Extent): void {
  const { asm } = ctx;
  if (value.perSample === 0) {
    asm.i32Const(value.fixed);
    return;
  }
  if (value.slot === undefined) asm.get(ctx.batch);
  else {
    const table = ctx.layout.sizesAddress;
    if (table === undefined) throw new Error('internal: a run-time size without a sizes table');
    asm.i32Const(0).i32Load(table + 4 * value.slot);
  }
  if (value.perSample !== 1) asm.i32Const(value.perSample).i32('i32.mul');
  if (value.fixed !== 0) asm.i32Const(value.fixed).i32('i32.add');
}

/** A fresh i32 local holding the byte address of a buffer. */
export function addressLocal(ctx: KernelContext, ref: BufferRef, name: string): Local {
  const local = ctx.asm.local('i32', name);
  pushAffine(ctx, addressOf(ctx.layout, ref));
  ctx.asm.set(local);
  return local;
}

/** A fresh i32 local holding an extent's value for this batch. */
export function extentLocal(ctx: KernelContext, extent: Extent, name: string): Local {
  const local = ctx.asm.local('i32', name);
  pushAffine(ctx, extent);
  ctx.asm.set(local);
  return local;
}

/** `for (counter = count; counter > 0; counter--) body()`, skipped when count is 0. */
export function countedLoop(ctx: KernelContext, count: Local, label: string, body: () => void): void {
  const { asm } = ctx;
  const counter = asm.local('i32', `n_${label}`);
  asm.get(count).set(counter);
  asm.block(`${label}_done`).get(counter).i32Eqz().brIf(0).loop(label);
  body();
  asm.get(counter).i32Const(1).i32('i32.sub').tee(counter).brIf(0);
  asm.end().end();
}

/** A byte address known at compile time, or held in an i32 local (a thread's scratch). */
export type Address = number | Local;

/** Pushes address + offset. */
export function pushAddress(asm: FunctionAssembler, at: Address, offset = 0): void {
  if (typeof at === 'number') {
    asm.i32Const(at + offset);
    return;
  }
  asm.get(at);
  if (offset !== 0) asm.i32Const(offset).i32('i32.add');
}

/** ptr += bytes. */
export function advance(asm: FunctionAssembler, pointer: Local, bytes: number): void {
  if (bytes !== 0) asm.get(pointer).i32Const(bytes).i32('i32.add').set(pointer);
}
