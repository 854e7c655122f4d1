// The wasm side of threaded runs: every thread calls the exported `work(batch, thread, threads)`
// on the same shared memory. Kernels that split their output (linear, conv, matmul,
// elementwise) take a share each; the others run on thread 0 alone; a barrier on the control
// words separates one kernel from the next. Each output element is computed by exactly one thread, in the same
// order of operations as a single-thread run, so results are bitwise the same for any count.

import type { Kernel } from '../affine-kernels.ts';
import { kernelFlops } from '../kernel-info.ts';
import type { FunctionAssembler, Local } from './function-assembler.ts';
import type { KernelContext } from './kernel-context.ts';
import type { FunctionRef, ModuleAssembler } from './module-assembler.ts';

/**
 * A kernel is split between threads only from this many flops per call on: below it the
 * barrier costs more than the halved work saves. Measured on the reference machine (2 cores,
 * load average ~9) with chains of 16 linear layers, critical-path CPU per kernel, 1 thread vs
 * 2: 65 kflop 1.3 vs 8 µs, 262 kflop 4.4 vs 9.6 µs, 524 kflop 4.6–13 vs 12 µs, 2.1 Mflop 33 vs
 * 26 µs, 4.2 Mflop 77 vs 42 µs: a barrier round costs ~8 µs there, so the split breaks even
 * near 1 Mflop (~16 µs of work at ~55 GFLOP/s).
 */
export const PARALLEL_MIN_FLOPS = 1_000_000;

/** Barrier spins this many times on the generation word before sleeping (memory.atomic.wait32). */
const BARRIER_SPINS = 4000;

/**
 * A thread asleep at a barrier wakes this often (ns) to look at the broken word, so that a run
 * whose thread died without a word (notify races with the sleep) still ends.
 */
const BARRIER_WAKE_NS = 10_000_000;

/**
 * Byte offsets of the barrier's control words from `layout.controlAddress`; the pool's words
 * (a run's generation, stop, batch, done) follow them, then `broken` (thread-pool-runtime.ts):
 * non-zero once a thread of the run has failed, and a barrier then traps instead of waiting.
 */
export const CONTROL = { arrived: 0, generation: 4, broken: 24 } as const;

/**
 * Pushes nothing; sets `start` and `end` to this thread's share of `count` items cut in units
 * of `unit` (a register block): start = min(count, unit · ⌊units · thread / threads⌋), so every
 * share but the last starts and ends on a unit boundary, as the single-thread walk does.
 */
export function emitShare(ctx: KernelContext, count: Local, unit: number, name: string): { start: Local; end: Local } {
  const { asm } = ctx;
  const units = asm.local('i32', `${name}_units`);
  const start = asm.local('i32', `${name}_start`);
  const end = asm.local('i32', `${name}_end`);
  asm.get(count).i32Const(unit - 1).i32('i32.add').i32Const(unit).i32('i32.div_u').set(units);
  const boundary = (thread: () => void, into: Local): void => {
    asm.get(units);
    thread();
    asm.i32('i32.mul').get(ctx.threads).i32('i32.div_u').i32Const(unit).i32('i32.mul').set(into);
    // min(into, count)
    asm.get(into).get(count).get(into).get(count).i32('i32.lt_u').select().set(into);
  };
  boundary(() => asm.get(ctx.thread), start);
  boundary(() => asm.get(ctx.thread).i32Const(1).i32('i32.add'), end);
  return { start, end };
}

/**
 * Narrows an outer loop of `count` items to this thread's share (cut in units of `unit`, see
 * emitShare): moves each pointer past the items before the share (`bytes` per item: a
 * constant, or a local) and sets `count` to the share's length.
 */
export function takeShare(ctx: KernelContext, count: Local, unit: number, pointers: readonly { readonly pointer: Local; readonly bytes: number | Local }[], name: string): void {
  const { asm } = ctx;
  const { start, end } = emitShare(ctx, count, unit, name);
  for (const { pointer, bytes } of pointers) {
    asm.get(pointer).get(start);
    if (typeof bytes === 'number') asm.i32Const(bytes);
    else asm.get(bytes);
    asm.i32('i32.mul').i32('i32.add').set(pointer);
  }
  asm.get(end).get(start).i32('i32.sub').set(count);
}

/**
 * A local holding this thread's scratch address: the layout's region for thread 0, and past
 * the memory a call needs, `scratchStride` apart (16-byte aligned), for the others.
 */
export function threadScratch(ctx: KernelContext, fixed: number): Local {
  const { asm, layout } = ctx;
  const scratch = asm.local('i32', 'scratch');
  // (total(batch) + 15) & ~15 + (thread − 1) · stride, or `fixed` on thread 0.
  asm.get(ctx.batch).i32Const(layout.total.perSample).i32('i32.mul').i32Const(layout.total.fixed + 15).i32('i32.add');
  asm.i32Const(-16).i32('i32.and');
  asm.get(ctx.thread).i32Const(1).i32('i32.sub').i32Const(layout.scratchStride).i32('i32.mul').i32('i32.add');
  asm.i32Const(fixed).get(ctx.thread).select().set(scratch);
  return scratch;
}

/** Emits `barrier(threads)`: returns once every thread has called it (a generation barrier). */
export function emitBarrier(module: ModuleAssembler, controlAddress: number): FunctionRef {
  const ref = module.declare('barrier', [{ name: 'threads', type: 'i32' }], []);
  module.define(ref, (asm) => {
    const threads = asm.param('threads');
    const generation = asm.local('i32', 'gen');
    const spins = asm.local('i32', 'spins');
    const at = (offset: number): FunctionAssembler => asm.i32Const(controlAddress + offset);
    at(CONTROL.generation).i32AtomicLoad().set(generation);
    // The last to arrive resets the count, then opens the barrier by moving the generation on.
    at(CONTROL.arrived).i32Const(1).i32AtomicRmwAdd().get(threads).i32Const(1).i32('i32.sub').i32('i32.eq');
    asm.if();
    at(CONTROL.arrived).i32Const(0).i32AtomicStore();
    at(CONTROL.generation).i32Const(1).i32AtomicRmwAdd().drop();
    at(CONTROL.generation).i32Const(-1).memoryAtomicNotify().drop();
    asm.return();
    asm.end();
    // Others spin a while (the common case on idle cores: the last thread is microseconds away), then sleep.
    asm.i32Const(BARRIER_SPINS).set(spins);
    asm.loop('spin');
    at(CONTROL.generation).i32AtomicLoad().get(generation).i32('i32.ne');
    asm.if().return().end();
    asm.get(spins).i32Const(1).i32('i32.sub').tee(spins).brIf(0);
    asm.end();
    // Sleep, waking now and then: a thread that failed (or died) never arrives, and the pool says
    // so in the broken word; the run then ends here with a trap the caller turns into its error.
    asm.loop('sleep');
    at(CONTROL.generation).get(generation).i64Const(BARRIER_WAKE_NS).memoryAtomicWait32().drop();
    at(CONTROL.generation).i32AtomicLoad().get(generation).i32('i32.ne');
    asm.if().return().end();
    at(CONTROL.broken).i32AtomicLoad();
    asm.if().unreachable().end();
    asm.br(0);
    asm.end();
  });
  return ref;
}

/**
 * The smallest batch from which kernels are split, from their flops (affine in the batch): 0
 * when always, undefined when never (they cannot split, or are too small at any batch). A row
 * chain (row-chains.ts) is judged as a whole: it costs one barrier, however many kernels.
 */
export function splitFromBatch(kernels: readonly Kernel[], splits: boolean, minFlops: number): number | undefined {
  if (!splits) return undefined;
  const flops = (batch: number): number => kernels.reduce((sum, kernel) => sum + kernelFlops(kernel, batch), 0);
  const fixed = flops(0);
  const perSample = flops(1) - fixed;
  if (fixed >= minFlops) return 0;
  const from = Math.ceil((minFlops - fixed) / perSample);
  return perSample > 0 && from < 2 ** 31 ? from : undefined;
}

/**
 * Emits the exported `work(batch, thread, threads)`: the kernels in order, each split from its
 * batch on, else run by thread 0 alone. A barrier follows each split kernel but one whose
 * `chained` flag says the next kernel reads only rows the same thread wrote (row-chains.ts:
 * both split from the same batch); the kernels thread 0
 * runs alone between two of them need one barrier only, before the next split kernel (a flag,
 * the same on every thread since it depends on the batch alone, says whether one is owed). A
 * run ends without a barrier after work of thread 0's own: the caller (or thread 0's done
 * word) waits for thread 0, and the other threads finished their shares before the last barrier.
 */
export function emitWork(module: ModuleAssembler, refs: readonly FunctionRef[], fromBatch: readonly (number | undefined)[], chained: readonly boolean[], barrier: FunctionRef): void {
  const params = [{ name: 'batch', type: 'i32' as const }, { name: 'thread', type: 'i32' as const }, { name: 'threads', type: 'i32' as const }];
  const work = module.declare('work', params, [], true);
  module.define(work, (asm) => {
    const batch = asm.param('batch');
    const thread = asm.param('thread');
    const threads = asm.param('threads');
    const owed = asm.local('i32', 'owed');
    const alone = (ref: FunctionRef): void => {
      asm.get(thread).i32Eqz().if();
      asm.get(batch).i32Const(0).i32Const(1).call(ref.index, ref.name);
      asm.end();
      asm.i32Const(1).set(owed);
    };
    const shared = (ref: FunctionRef, next: boolean): void => {
      asm.get(owed).if().get(threads).call(barrier.index, barrier.name).end();
      asm.get(batch).get(thread).get(threads).call(ref.index, ref.name);
      if (!next) asm.get(threads).call(barrier.index, barrier.name);
      asm.i32Const(0).set(owed);
    };
    asm.i32Const(0).set(owed);
    refs.forEach((ref, index) => {
      const from = fromBatch[index];
      const next = chained[index] === true;
      if (from === undefined) {
        alone(ref);
      } else if (from === 0) {
        shared(ref, next);
      } else {
        asm.get(batch).i32Const(from).i32('i32.ge_u').if();
        shared(ref, next);
        asm.else();
        alone(ref);
        asm.end();
      }
    });
  });
}
