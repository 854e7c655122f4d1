// Assembles the module for a lowered program: one function per kernel (the same kernel
// list the JS and WGSL renderers draw), each taking the batch (and the thread's index and
// count) and computing its buffers' addresses from the memory layout, an exported `run(batch)`
// calling them in order on one thread, and `work(batch, thread, threads, gen)` for threaded runs.

import type { Kernel, LoweredProgram } from '../affine-kernels.ts';
import { prepareAttentionKernel } from './attention-kernel.ts';
import { convSplits, prepareConvKernel } from './conv-kernel.ts';
import { emitElementwiseKernel } from './elementwise-kernel.ts';
import { emitLinear, linearSplits, MICRO_KERNEL } from './emit-linear.ts';
import { prepareLookupKernel } from './lookup-kernel.ts';
import { prepareGatherKernel } from './gather-kernel.ts';
import type { KernelContext } from './kernel-context.ts';
import { emitMatmulKernel } from './matmul-kernel.ts';
import { emitLayerNormKernel } from './layer-norm-kernel.ts';
import { MathLibrary } from './math-library.ts';
import { evaluateBytes, layoutMemory, type WasmLayout, type WeightLayout } from './memory-layout.ts';
import { ModuleAssembler } from './module-assembler.ts';
import { prepareRecurrenceKernel } from './recurrence-kernel.ts';
import { prepareReduceKernel, reduceSplitAxis } from './reduce-kernel.ts';
import { prepareResizeKernel } from './resize-kernel.ts';
import { emitSoftmaxKernel } from './softmax-kernel.ts';
import { StaticData } from './static-data.ts';
import { rowChains } from './row-chains.ts';
import { CHUNKS_PER_THREAD, emitWork, splitFromBatch, type WorkPlan } from './threads.ts';

export interface WasmProgram {
  readonly layout: WasmLayout;
  /** The module with plain SIMD128. */
  readonly simd: ModuleAssembler;
  /** The same module using relaxed-SIMD instructions, when asked for. */
  readonly relaxed?: ModuleAssembler;
  /** Per kernel, the batch from which it is split between threads (undefined: never). */
  readonly splitFrom: readonly (number | undefined)[];
  /** Per kernel, whether the next continues its row chain (no barrier between them; row-chains.ts). */
  readonly chained: readonly boolean[];
}

/**
 * Prepares a kernel before the memory layout exists (its static tables and scratch go into
 * `statics`) and returns the emitter of its body, run once per module (plain and relaxed).
 */
type KernelEmitter<K extends Kernel> = (kernel: K, statics: StaticData) => (ctx: KernelContext) => void;

/** The wasm side of a kernel kind. */
interface WasmKernel<K extends Kernel> {
  readonly prepare: KernelEmitter<K>;
  /**
   * How the kernel reads the weight kernel-info.ts lets targets pack (its `packedWeight`):
   * in linear's compile-time panels, or row-major as lowered (conv: the weight's rows are the
   * micro-kernel's splatted operand). Row-major for kinds with nothing to pack.
   */
  readonly weight: WeightLayout;
  /** Whether the emitted kernel splits its work by (thread, threads) (threads.ts); else it runs on one thread. */
  readonly splits?: (kernel: K) => boolean;
}

/** An emitter that needs no tables or scratch. */
function plain<K extends Kernel>(emit: (ctx: KernelContext, kernel: K) => void): KernelEmitter<K> {
  return (kernel) => (ctx) => emit(ctx, kernel);
}

/** One entry per kernel kind; TypeScript checks none is missing. */
const WASM_KERNELS: { readonly [K in Kernel['kind']]: WasmKernel<Extract<Kernel, { kind: K }>> } = {
  linear: { prepare: plain(emitLinear), weight: 'panels', splits: linearSplits },
  elementwise: { prepare: plain(emitElementwiseKernel), weight: 'row-major', splits: () => true },
  matmul: { prepare: plain(emitMatmulKernel), weight: 'row-major', splits: () => true },
  softmax: { prepare: plain(emitSoftmaxKernel), weight: 'row-major', splits: () => true },
  conv: { prepare: prepareConvKernel, weight: 'row-major', splits: convSplits },
  reduce: { prepare: prepareReduceKernel, weight: 'row-major', splits: (kernel) => reduceSplitAxis(kernel) !== undefined },
  gather: { prepare: prepareGatherKernel, weight: 'row-major' },
  resize: { prepare: prepareResizeKernel, weight: 'row-major' },
  lookup: { prepare: prepareLookupKernel, weight: 'row-major', splits: () => true },
  recurrence: { prepare: prepareRecurrenceKernel, weight: 'row-major' },
  layer_norm: { prepare: plain(emitLayerNormKernel), weight: 'row-major', splits: () => true },
  attention: { prepare: prepareAttentionKernel, weight: 'row-major', splits: () => true },
};

function wasmKernel<K extends Kernel>(kernel: K): WasmKernel<K> {
  return WASM_KERNELS[kernel.kind] as unknown as WasmKernel<K>;
}

/** Function names are made here (`k3_linear`), never from model text. */
function functionName(index: number, kernel: Kernel): string {
  return `k${index}_${kernel.kind}`;
}

type BodyEmitter = (ctx: KernelContext) => void;

function assemble(program: LoweredProgram, bodies: readonly (BodyEmitter | undefined)[], layout: WasmLayout, relaxed: boolean, plan: WorkPlan): ModuleAssembler {
  const module = new ModuleAssembler(evaluateBytes(layout.total, 1), 'import');
  const library = new MathLibrary(module);
  const kernelParams = ['batch', 'thread', 'threads', 'slot'].map((name) => ({ name, type: 'i32' as const }));
  const refs = program.kernels.map((kernel, index) => module.declare(functionName(index, kernel), kernelParams, []));
  program.kernels.forEach((kernel, index) => {
    const ref = refs[index];
    const body = bodies[index];
    if (ref === undefined || body === undefined) return;
    module.define(ref, (asm) => body({ asm, batch: asm.param('batch'), thread: asm.param('thread'), threads: asm.param('threads'), slot: asm.param('slot'), layout, library, relaxed }));
  });
  const run = module.declare('run', [{ name: 'batch', type: 'i32' }], [], true);
  module.define(run, (asm) => {
    for (const ref of refs) asm.get(asm.param('batch')).i32Const(0).i32Const(1).i32Const(0).call(ref.index, ref.name);
  });
  emitWork(module, refs, plan, layout.controlAddress);
  return module;
}

/**
 * Per kernel, the batch from which it splits: its own flops decide, or a whole row chain's
 * (all of its kernels then split from the same batch, as emitWork's chained flags need).
 */
function splitBatches(kernels: readonly Kernel[], chained: readonly boolean[], splits: (kernel: Kernel) => boolean, minFlops: number): (number | undefined)[] {
  const from: (number | undefined)[] = [];
  let start = 0;
  kernels.forEach((kernel, index) => {
    if (chained[index] === true) return;
    const group = kernels.slice(start, index + 1);
    const batch = splitFromBatch(group, group.every(splits), minFlops);
    for (let k = start; k <= index; k++) from.push(batch);
    start = index + 1;
  });
  return from;
}

export function emitWasmProgram(program: LoweredProgram, options: { relaxed: boolean; splitMinFlops: number }): WasmProgram {
  const statics = new StaticData();
  const prepared = program.kernels.map((kernel) => wasmKernel(kernel).prepare(kernel, statics));
  const layout = layoutMemory(program, MICRO_KERNEL.panelWidth, statics, (kernel) => wasmKernel(kernel).weight);
  const splits = (kernel: Kernel): boolean => wasmKernel(kernel).splits?.(kernel) === true;
  const chained = rowChains(program.kernels, layout, splits);
  const splitFrom = splitBatches(program.kernels, chained, splits, options.splitMinFlops);
  // A linear kernel of a row chain always splits by rows (never by panels), as its neighbours do.
  const bodies = program.kernels.map((kernel, index): BodyEmitter | undefined => {
    const inChain = chained[index] === true || chained[index - 1] === true;
    return inChain && kernel.kind === 'linear' ? (ctx) => emitLinear(ctx, kernel, true) : prepared[index];
  });
  const perThread = program.kernels.map((kernel, index) => {
    const inChain = chained[index] === true || chained[index - 1] === true;
    return inChain || kernel.kind === 'conv' || kernel.kind === 'attention' ? 1 : CHUNKS_PER_THREAD;
  });
  const plan: WorkPlan = { fromBatch: splitFrom, chained, perThread };
  const simd = assemble(program, bodies, layout, false, plan);
  const relaxed = options.relaxed ? { relaxed: assemble(program, bodies, layout, true, plan) } : {};
  return { layout, simd, ...relaxed, splitFrom, chained };
}
