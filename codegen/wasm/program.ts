// Assembles the module for a lowered program: one function per kernel (the same kernel
// list the JS and WGSL renderers draw), each taking the batch (and its share, the count of
// shares and the running thread's scratch slot) and computing its buffers' addresses from the
// memory layout (with several symbols, sizes from the run-time table), an exported `run(batch)`
// calling them in order on one thread, and `work(batch, thread, threads, gen)` for threaded runs.

import type { Kernel, LoweredProgram } from '../affine-kernels.ts';
import type * as K from '../kernels.ts';
import type { RuntimeProgram } from '../runtime-program.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import { prepareGeneralElementwise } from './general-elementwise.ts';
import { prepareGeneralGather } from './general-gather.ts';
import { prepareGeneralMatmul } from './general-matmul.ts';
import { prepareGeneralReduce } from './general-reduce.ts';
import { prepareGeneralSoftmax } from './general-softmax.ts';
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
import { CHUNKS_PER_THREAD, emitWork, runtimeSplits, splitFromBatch, type WorkPlan } from './threads.ts';

export interface WasmProgram {
  readonly layout: WasmLayout;
  /** The module with plain SIMD128. */
  readonly simd: ModuleAssembler;
  /** The same module using relaxed-SIMD instructions, when asked for. */
  readonly relaxed?: ModuleAssembler;
  /** Per kernel, the batch from which it is split between threads (undefined: never). */
  readonly splitFrom: readonly (number | undefined)[];
  /** Whether the module exports `work` for a thread pool: threads asked for and some kernel splits. */
  readonly threaded: boolean;
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
  // A run-time Sk packs K into the running thread's tail region (threads.ts threadTail).
  attention: { prepare: prepareAttentionKernel, weight: 'row-major', splits: () => true },
};

function wasmKernel<T extends Kernel>(kernel: T): WasmKernel<T> {
  return WASM_KERNELS[kernel.kind] as unknown as WasmKernel<T>;
}

/**
 * The kinds with a general emitter: sizes that are run-time values anywhere (several
 * symbols), for kernels the affine emitters cannot take (codegen/runtime-program.ts).
 */
const GENERAL_KERNELS: { readonly [T in K.KernelKind]?: (kernel: Extract<K.Kernel, { kind: T }>, sizes: RuntimeSizes, statics: StaticData) => BodyEmitter } = {
  elementwise: prepareGeneralElementwise,
  gather: prepareGeneralGather,
  matmul: prepareGeneralMatmul,
  reduce: prepareGeneralReduce,
  softmax: prepareGeneralSoftmax,
};

export const GENERAL_KINDS: ReadonlySet<K.KernelKind> = new Set(Object.keys(GENERAL_KERNELS) as K.KernelKind[]);

function prepareGeneral(kernel: K.Kernel, sizes: RuntimeSizes, statics: StaticData): BodyEmitter {
  const prepare = GENERAL_KERNELS[kernel.kind] as ((k: K.Kernel, s: RuntimeSizes, d: StaticData) => BodyEmitter) | undefined;
  if (prepare === undefined) throw new Error(`internal: no general wasm emitter for ${kernel.kind}`);
  return prepare(kernel, sizes, statics);
}

/** Function names are made here (`k3_linear`), never from model text. */
function functionName(index: number, kernel: { readonly kind: K.KernelKind }): string {
  return `k${index}_${kernel.kind}`;
}

type BodyEmitter = (ctx: KernelContext) => void;

function assemble(kernels: readonly { readonly kind: K.KernelKind }[], bodies: readonly (BodyEmitter | undefined)[], layout: WasmLayout, relaxed: boolean, plan: WorkPlan | undefined): ModuleAssembler {
  const module = new ModuleAssembler(evaluateBytes(layout.total, 1), 'import');
  const library = new MathLibrary(module);
  const kernelParams = ['batch', 'thread', 'threads', 'slot'].map((name) => ({ name, type: 'i32' as const }));
  const refs = kernels.map((kernel, index) => module.declare(functionName(index, kernel), kernelParams, []));
  kernels.forEach((_, index) => {
    const ref = refs[index];
    const body = bodies[index];
    if (ref === undefined || body === undefined) return;
    module.define(ref, (asm) => body({ asm, batch: asm.param('batch'), thread: asm.param('thread'), threads: asm.param('threads'), slot: asm.param('slot'), layout, library, relaxed }));
  });
  const run = module.declare('run', [{ name: 'batch', type: 'i32' }], [], true);
  module.define(run, (asm) => {
    for (const ref of refs) asm.get(asm.param('batch')).i32Const(0).i32Const(1).i32Const(0).call(ref.index, ref.name);
  });
  // Without a plan (no threads) there is no `work`, scheduler or atomics: `run` is the whole module.
  if (plan !== undefined) emitWork(module, refs, plan, layout.controlAddress);
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

/**
 * The module(s) of a program; with `runtime` (several symbols), its kernels in order, each
 * affine (sizes from slots) or general, and the memory layout places the table of run-time sizes.
 * Every kernel takes (batch, thread, threads, slot). With run-time sizes none is chained and
 * only affine kernels split (general ones never), always, when large enough at
 * RUNTIME_REFERENCE_SLOT (threads.ts): split cutoffs are batches of one symbol. Attention's
 * packed keys of a symbolic length then go to each thread's own tail (threadTail). With no kernel split, or with
 * `threads: false`, the module has no `work` (the bundle no thread pool).
 */
export function emitWasmProgram(program: LoweredProgram, options: { relaxed: boolean; threads?: boolean; splitMinFlops: number; runtime?: RuntimeProgram }): WasmProgram {
  const statics = new StaticData();
  const { runtime } = options;
  const threads = options.threads !== false;
  const kernels = runtime === undefined ? program.kernels : runtime.kernels.map((item) => item.kernel);
  const prepared = runtime === undefined
    ? program.kernels.map((kernel) => wasmKernel(kernel).prepare(kernel, statics))
    : runtime.kernels.map((item) => (item.form === 'affine' ? wasmKernel(item.kernel).prepare(item.kernel, statics) : prepareGeneral(item.kernel, runtime.sizes, statics)));
  const weight = (kernel: K.Kernel<K.SizeForm>): WeightLayout => WASM_KERNELS[kernel.kind].weight;
  const runtimeLayout = runtime === undefined ? undefined : { sizes: runtime.sizes, source: runtime.source, kernels };
  const layout = layoutMemory(program, MICRO_KERNEL.panelWidth, statics, weight, runtimeLayout);
  const splits = (kernel: Kernel): boolean => wasmKernel(kernel).splits?.(kernel) === true;
  const chained = runtime === undefined && threads ? rowChains(program.kernels, layout, splits) : kernels.map(() => false);
  const splitFrom = !threads ? kernels.map(() => undefined)
    : runtime === undefined ? splitBatches(program.kernels, chained, splits, options.splitMinFlops)
      : runtime.kernels.map((item) => (item.form === 'affine' ? runtimeSplits(item.kernel, splits(item.kernel), options.splitMinFlops) : undefined));
  // A linear kernel of a row chain always splits by rows (never by panels), as its neighbours do.
  const bodies = runtime === undefined ? program.kernels.map((kernel, index): BodyEmitter | undefined => {
    const inChain = chained[index] === true || chained[index - 1] === true;
    return inChain && kernel.kind === 'linear' ? (ctx) => emitLinear(ctx, kernel, true) : prepared[index];
  }) : prepared;
  const perThread = kernels.map((kernel, index) => {
    const inChain = chained[index] === true || chained[index - 1] === true;
    return inChain || kernel.kind === 'conv' || kernel.kind === 'attention' ? 1 : CHUNKS_PER_THREAD;
  });
  // No kernel ever splits (threads off, run-time sizes, or all too small): no thread pool at all.
  const threaded = splitFrom.some((from) => from !== undefined);
  const plan: WorkPlan | undefined = threaded ? { fromBatch: splitFrom, chained, perThread } : undefined;
  const simd = assemble(kernels, bodies, layout, false, plan);
  const relaxed = options.relaxed ? { relaxed: assemble(kernels, bodies, layout, true, plan) } : {};
  return { layout, simd, ...relaxed, splitFrom, chained, threaded };
}
