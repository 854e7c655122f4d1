// The wasm side of threaded runs: every thread calls the exported `work(batch, thread, threads, gen)`
// on the same shared memory. Kernels go in segments (a row chain, a kernel that splits, or a run of
// kernels that don't); each segment is cut into chunks that threads claim from a counter in the
// control words, and every thread waits until a segment's chunks are finished before the next.
// Each output element is computed by exactly one chunk, in the same order of operations as a
// single-thread run, so results are bitwise the same for any thread count and any claiming order.

import type { Kernel } from '../affine-kernels.ts';
import { kernelFlops } from '../kernel-info.ts';
import type { FunctionAssembler, Local } from './function-assembler.ts';
import { pushAffine, type KernelContext } from './kernel-context.ts';
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

/** A thread waiting for a segment's chunks spins this many times before sleeping (memory.atomic.wait64). */
const WAIT_SPINS = 4000;

/**
 * A thread asleep waiting for a segment wakes this often (ns) to look at the broken word, so
 * that a run whose thread died without a word (notify races with the sleep) still ends.
 */
const WAKE_NS = 10_000_000;

/**
 * Byte offsets of the control words from `layout.controlAddress` (thread-pool-runtime.ts has
 * the pool's words): `broken` is non-zero once a thread of the run has failed; `claim` and
 * `done` are i64s, the run's generation in the high half and, in the low half, the chunks
 * claimed and finished so far in the run (every segment's chunks numbered one after another).
 */
export const CONTROL = { broken: 24, claim: 32, done: 40 } as const;

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
 * the memory a call needs, `scratchStride` apart (16-byte aligned), for the others. With a
 * tail (attention's packed keys of a run-time length, the layout's last region), each other
 * thread's scratch is followed by a tail of its own (tailOf): the stride is scratchStride +
 * (total − tail) bytes, a run-time size.
 */
export function threadScratch(ctx: KernelContext, fixed: number): Local {
  const { asm, layout } = ctx;
  const scratch = asm.local('i32', 'scratch');
  // (total + 15) & ~15 + (thread − 1) · stride, or `fixed` on thread 0.
  // pushAffine: the total may be a run-time size (several symbols) rather than the batch's.
  pushAffine(ctx, layout.total);
  asm.i32Const(15).i32('i32.add');
  asm.i32Const(-16).i32('i32.and');
  asm.get(ctx.slot).i32Const(1).i32('i32.sub');
  pushThreadStride(ctx);
  asm.i32('i32.mul').i32('i32.add');
  asm.i32Const(fixed).get(ctx.slot).select().set(scratch);
  return scratch;
}

/** Pushes the bytes between threads 1, 2, …'s regions: scratchStride, plus a tail's bytes (total − tail). */
function pushThreadStride(ctx: KernelContext): void {
  const { asm, layout } = ctx;
  asm.i32Const(layout.scratchStride);
  if (layout.tail === undefined) return;
  pushAffine(ctx, layout.total);
  pushAffine(ctx, layout.tail);
  asm.i32('i32.sub').i32('i32.add');
}

/**
 * A local holding this thread's tail (attention's packed keys of a run-time length): the
 * layout's for thread 0, else right after the thread's scratch (`scratch`, from threadScratch).
 */
export function threadTail(ctx: KernelContext, scratch: Local): Local {
  const { asm, layout } = ctx;
  if (layout.tail === undefined) throw new Error('internal: a thread tail without a tail region');
  const tail = asm.local('i32', 'tail');
  pushAffine(ctx, layout.tail);
  asm.get(scratch).i32Const(layout.scratchStride).i32('i32.add');
  asm.get(ctx.slot).i32Eqz().select().set(tail);
  return tail;
}

interface Scheduler {
  /** claim(gen, end) → the next chunk number below `end`, −1 when none is left, −2 when run `gen` is over. */
  readonly claim: FunctionRef;
  /** finish() counts a chunk done and wakes the waiting threads. */
  readonly finish: FunctionRef;
  /** settle(gen, end) → 1 once chunks below `end` are done, 0 when run `gen` is over (traps if the run broke). */
  readonly settle: FunctionRef;
}

/** Emits the functions threads claim, finish and wait for chunks with. */
function emitScheduler(module: ModuleAssembler, controlAddress: number): Scheduler {
  const params = [{ name: 'gen', type: 'i32' as const }, { name: 'end', type: 'i32' as const }];
  const at = (asm: FunctionAssembler, offset: number): FunctionAssembler => asm.i32Const(controlAddress + offset);
  /** Pushes whether the high half of `word` (an i64) is not `gen`. */
  const otherRun = (asm: FunctionAssembler, word: Local, gen: Local): void => {
    asm.get(word).i64Const(32).i64('i64.shr_u').i64('i32.wrap_i64').get(gen).i32('i32.ne');
  };
  const claim = module.declare('claim', params, ['i32']);
  module.define(claim, (asm) => {
    const [gen, end] = [asm.param('gen'), asm.param('end')];
    const word = asm.local('i64', 'word');
    const chunk = asm.local('i32', 'chunk');
    asm.loop('retry');
    at(asm, CONTROL.claim).i64AtomicLoad().set(word);
    otherRun(asm, word, gen);
    asm.if().i32Const(-2).return().end();
    asm.get(word).i64('i32.wrap_i64').tee(chunk).get(end).i32('i32.ge_u');
    asm.if().i32Const(-1).return().end();
    at(asm, CONTROL.claim).get(word).get(word).i64Const(1).i64('i64.add').i64AtomicRmwCmpxchg().get(word).i64('i64.eq');
    asm.if().get(chunk).return().end();
    asm.br(0);
    asm.end();
    asm.unreachable();
  });
  const finish = module.declare('finish', [], []);
  module.define(finish, (asm) => {
    at(asm, CONTROL.done).i64Const(1).i64AtomicRmwAdd().drop();
    at(asm, CONTROL.done).i32Const(-1).memoryAtomicNotify().drop();
  });
  const settle = module.declare('settle', params, ['i32']);
  module.define(settle, (asm) => {
    const [gen, end] = [asm.param('gen'), asm.param('end')];
    const word = asm.local('i64', 'word');
    const spins = asm.local('i32', 'spins');
    asm.i32Const(WAIT_SPINS).set(spins);
    asm.loop('wait');
    at(asm, CONTROL.done).i64AtomicLoad().set(word);
    otherRun(asm, word, gen);
    asm.if().i32Const(0).return().end();
    asm.get(word).i64('i32.wrap_i64').get(end).i32('i32.ge_u');
    asm.if().i32Const(1).return().end();
    // Spin a while (the last chunk is usually microseconds away on idle cores), then sleep,
    // waking now and then: a thread that failed (or died) never finishes its chunk, and the
    // pool says so in the broken word; the run then ends here with a trap the caller turns
    // into its error.
    asm.get(spins).if().get(spins).i32Const(1).i32('i32.sub').set(spins).br(1).end();
    at(asm, CONTROL.done).get(word).i64Const(WAKE_NS).memoryAtomicWait64().drop();
    at(asm, CONTROL.broken).i32AtomicLoad();
    asm.if().unreachable().end();
    asm.br(0);
    asm.end();
    asm.unreachable();
  });
  return { claim, finish, settle };
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
 * With several symbols (run-time sizes) a kernel's counts are polynomials, not a batch: the
 * value its run-time slot is taken at to judge its flops against the threshold once at compile
 * time (a short sequence, S = 64 of one sample); a kernel that passes there always splits.
 */
export const RUNTIME_REFERENCE_SLOT = 64;

/** Whether a kernel with run-time sizes splits (from batch 0, i.e. always): judged at RUNTIME_REFERENCE_SLOT. */
export function runtimeSplits(kernel: Kernel, splits: boolean, minFlops: number): number | undefined {
  return splits && kernelFlops(kernel, RUNTIME_REFERENCE_SLOT) >= minFlops ? 0 : undefined;
}

/** Kernels claimed together: a row chain, a run of kernels that never split, or one kernel. */
interface Segment {
  readonly refs: readonly FunctionRef[];
  /** The batch from which the segment splits into chunks (undefined: never; one chunk). */
  readonly from: number | undefined;
  /** Chunks per thread when it splits. */
  readonly perThread: number;
}

/**
 * Chunks per thread of a split kernel: a thread the scheduler gives less time then computes
 * fewer of them and the others more (the same bytes: chunks are shares). One for kernels
 * whose every share costs extra work (a conv packs its input per share, attention each head's
 * keys, a row chain's linear layers read all of their weights per share).
 */
export const CHUNKS_PER_THREAD = 4;

export interface WorkPlan {
  /** Per kernel, the batch from which it splits (undefined: never). */
  readonly fromBatch: readonly (number | undefined)[];
  /** Per kernel, whether the next continues its row chain (row-chains.ts). */
  readonly chained: readonly boolean[];
  /** Per kernel, its chunks per thread (1 or CHUNKS_PER_THREAD). */
  readonly perThread: readonly number[];
}

function segmentsOf(refs: readonly FunctionRef[], plan: WorkPlan): Segment[] {
  const segments: { refs: FunctionRef[]; from: number | undefined; perThread: number }[] = [];
  refs.forEach((ref, index) => {
    const from = plan.fromBatch[index];
    const perThread = plan.perThread[index] ?? 1;
    const last = segments[segments.length - 1];
    const joins = last !== undefined && (plan.chained[index - 1] === true || (from === undefined && last.from === undefined));
    if (joins) {
      last.refs.push(ref);
      last.perThread = Math.min(last.perThread, perThread);
    } else {
      segments.push({ refs: [ref], from, perThread });
    }
  });
  return segments;
}

/**
 * Emits the exported `work(batch, thread, threads, gen)` every thread of run `gen` calls. The
 * kernels go in segments (a row chain, kernels that never split, or one kernel), each cut into
 * chunks where it splits at this batch (threads · perThread), else one; chunk c of a kernel
 * is its share c of the chunks (the same code and order as a static split: the bytes do not
 * depend on who computes it; a thread's own scratch is its `slot`). Threads claim chunks one at a time from the run's claim word, so a thread the
 * scheduler keeps waiting does not hold the run back: the others take its chunks. After a
 * segment every thread waits until its chunks are done (the next segment may read any of
 * them); after the last, thread 0 only (the caller, or the thread that reports the run done).
 */
export function emitWork(module: ModuleAssembler, refs: readonly FunctionRef[], plan: WorkPlan, controlAddress: number): void {
  const scheduler = emitScheduler(module, controlAddress);
  const params = ['batch', 'thread', 'threads', 'gen'].map((name) => ({ name, type: 'i32' as const }));
  const work = module.declare('work', params, [], true);
  const segments = segmentsOf(refs, plan);
  module.define(work, (asm) => {
    const [batch, thread, threads, gen] = [asm.param('batch'), asm.param('thread'), asm.param('threads'), asm.param('gen')];
    const [base, end, chunk, parts] = ['base', 'end', 'chunk', 'parts'].map((name) => asm.local('i32', name)) as [Local, Local, Local, Local];
    asm.i32Const(0).set(base);
    segments.forEach((segment, index) => {
      const chunks = (): void => { asm.get(threads).i32Const(segment.perThread).i32('i32.mul'); };
      if (segment.from === undefined) asm.i32Const(1);
      else if (segment.from === 0) chunks();
      else { chunks(); asm.i32Const(1).get(batch).i32Const(segment.from).i32('i32.ge_u').select(); }
      asm.set(parts).get(base).get(parts).i32('i32.add').set(end);
      asm.block('segment').loop('claims');
      asm.get(gen).get(end).call(scheduler.claim.index, scheduler.claim.name).tee(chunk).i32Const(-2).i32('i32.eq');
      asm.if().return().end();
      asm.get(chunk).i32Const(-1).i32('i32.eq').brIf(1);
      for (const ref of segment.refs) asm.get(batch).get(chunk).get(base).i32('i32.sub').get(parts).get(thread).call(ref.index, ref.name);
      asm.call(scheduler.finish.index, scheduler.finish.name);
      asm.br(0);
      asm.end().end();
      const last = index === segments.length - 1;
      if (last) asm.get(thread).i32Eqz().if();
      asm.get(gen).get(end).call(scheduler.settle.index, scheduler.settle.name).i32Eqz();
      asm.if().return().end();
      if (last) asm.end();
      asm.get(end).set(base);
    });
  });
}
