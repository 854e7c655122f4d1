// Assembles the module for a lowered program: one function per kernel (the same kernel
// list the JS and WGSL renderers draw), each taking the batch and computing its buffers'
// addresses from the memory layout, and an exported `run(batch)` calling them in order.

import type { Kernel, LoweredProgram } from '../kernels.ts';
import { emitElementwiseKernel } from './elementwise-kernel.ts';
import { emitLinear, MICRO_KERNEL } from './emit-linear.ts';
import type { KernelContext } from './kernel-context.ts';
import { emitMatmulKernel } from './matmul-kernel.ts';
import { MathLibrary } from './math-library.ts';
import { evaluateBytes, layoutMemory, type WasmLayout } from './memory-layout.ts';
import { ModuleAssembler } from './module-assembler.ts';
import { emitSoftmaxKernel } from './softmax-kernel.ts';

export interface WasmProgram {
  readonly layout: WasmLayout;
  /** The module with plain SIMD128. */
  readonly simd: ModuleAssembler;
  /** The same module using relaxed-SIMD instructions, when asked for. */
  readonly relaxed?: ModuleAssembler;
}

type KernelEmitter<K extends Kernel> = (ctx: KernelContext, kernel: K) => void;

/** One emitter per kernel kind; TypeScript checks none is missing. */
const EMITTERS: { readonly [K in Kernel['kind']]: KernelEmitter<Extract<Kernel, { kind: K }>> } = {
  linear: emitLinear,
  elementwise: emitElementwiseKernel,
  matmul: emitMatmulKernel,
  softmax: emitSoftmaxKernel,
};

function emitKernel(ctx: KernelContext, kernel: Kernel): void {
  switch (kernel.kind) {
    case 'linear': EMITTERS.linear(ctx, kernel); return;
    case 'elementwise': EMITTERS.elementwise(ctx, kernel); return;
    case 'matmul': EMITTERS.matmul(ctx, kernel); return;
    case 'softmax': EMITTERS.softmax(ctx, kernel); return;
  }
}

/** Function names are made here (`k3_linear`), never from model text. */
function functionName(index: number, kernel: Kernel): string {
  return `k${index}_${kernel.kind}`;
}

function assemble(program: LoweredProgram, layout: WasmLayout, relaxed: boolean): ModuleAssembler {
  const module = new ModuleAssembler(evaluateBytes(layout.total, 1));
  const library = new MathLibrary(module);
  const batchParam = [{ name: 'batch', type: 'i32' as const }];
  const refs = program.kernels.map((kernel, index) => module.declare(functionName(index, kernel), batchParam, []));
  program.kernels.forEach((kernel, index) => {
    const ref = refs[index];
    if (ref === undefined) return;
    module.define(ref, (asm) => emitKernel({ asm, batch: asm.param('batch'), layout, library, relaxed }, kernel));
  });
  const run = module.declare('run', batchParam, [], true);
  module.define(run, (asm) => {
    for (const ref of refs) asm.get(asm.param('batch')).call(ref.index, ref.name);
  });
  return module;
}

export function emitWasmProgram(program: LoweredProgram, options: { relaxed: boolean }): WasmProgram {
  const layout = layoutMemory(program, MICRO_KERNEL.panelWidth);
  const simd = assemble(program, layout, false);
  return options.relaxed ? { layout, simd, relaxed: assemble(program, layout, true) } : { layout, simd };
}
