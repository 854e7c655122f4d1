// The kernel list of a program with several symbols, for targets that compile sizes to
// constants (WASM, WGSL): each kernel is projected onto the affine form where it fits, its
// symbolic sizes then taken from run-time slots (codegen/runtime-sizes.ts) instead of the
// one batch; a kernel that does not fit (a symbolic stride, a symbol on an inner axis) stays
// in the polynomial form for the target's general emitter of its kind, or is refused.

import { CompileError } from '../ir/errors.ts';
import { constSize, constValue, formatSize, isConstSize, type SymSize } from '../ir/sym-size.ts';
import { projectKernel, toAffineProgram, type Extent, type Kernel, type LoweredProgram } from './affine-kernels.ts';
import type * as K from './kernels.ts';
import { mergeAttentionLead, mergeGatherAxes } from './runtime-rewrites.ts';
import { RuntimeSizes } from './runtime-sizes.ts';

/** A kernel as the target emits it: in the affine form (with slots), or general. */
export type RuntimeKernel =
  | { readonly form: 'affine'; readonly kernel: Kernel }
  | { readonly form: 'general'; readonly kernel: K.Kernel };

export interface RuntimeProgram {
  /** Inputs, outputs, constants and the affine kernels (sizes with slots); for the bundle. */
  readonly affine: LoweredProgram;
  /** Every kernel in execution order. */
  readonly kernels: readonly RuntimeKernel[];
  /** The program as lowered (the memory layout places inputs and outputs from its polynomials). */
  readonly source: K.LoweredProgram;
  readonly sizes: RuntimeSizes;
  /**
   * The ids' strides of each lookup kernel, as run-time sizes: the bundle unflattens a bad
   * id's position with them ([n, s] of ids [N, S]); the kernels themselves never read them.
   */
  readonly idsStrides: ReadonlyMap<Kernel, readonly Extent[]>;
}

/** Thrown by the projection of one kernel; caught to fall back to the general form. */
class DoesNotFit extends Error {}

/**
 * The counts of a kernel that the affine emitters treat as independent of one another: at
 * most one may be symbolic, as at most one was the batch (softmax reads its outer and size
 * counts at run time and takes both).
 */
function independentCounts(kernel: Kernel): readonly Extent[] {
  switch (kernel.kind) {
    case 'matmul': return [...kernel.batch, kernel.m];
    case 'lookup': return [kernel.outer, kernel.count];
    // Attention reads Sq and Sk at run time, each on its own (its lead dims multiply).
    case 'attention': return [...kernel.lead];
    default: return [];
  }
}

function projectOne(source: K.Kernel, sizes: RuntimeSizes): Kernel {
  const kernel = source.kind === 'gather' ? mergeGatherAxes(source) : source.kind === 'attention' ? mergeAttentionLead(source) : source;
  const refuse = (what: string): never => {
    throw new DoesNotFit(what);
  };
  const num = (size: SymSize): number => (isConstSize(size) ? constValue(size) : refuse(`the symbolic stride ${formatSize(size)}`));
  const projected = projectKernel(kernel, (size) => sizes.extent(size), num, refuse);
  if (independentCounts(projected).filter((e) => e.perSample !== 0).length > 1) refuse('two symbolic counts');
  return projected;
}

/**
 * The program in the affine form when its sizes are affine in one monomial (the fast path,
 * unchanged), else its runtime form: `general` lists the kinds the target has general
 * emitters for.
 */
export function toRuntimeProgram(program: K.LoweredProgram, target: string, general: ReadonlySet<K.KernelKind>): { affine: LoweredProgram } | RuntimeProgram {
  try {
    return { affine: toAffineProgram(program, target) };
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
  }
  const sizes = new RuntimeSizes(program.symbols);
  const idsStrides = new Map<Kernel, readonly Extent[]>();
  const one = (kernel: K.Kernel): RuntimeKernel => {
    try {
      if (kernel.kind === 'lookup') {
        const projected = projectOne({ ...kernel, idsStrides: kernel.idsStrides.map(() => constSize(0)) }, sizes);
        idsStrides.set(projected, kernel.idsStrides.map((s) => sizes.extent(s)));
        return { form: 'affine', kernel: projected };
      }
      return { form: 'affine', kernel: projectOne(kernel, sizes) };
    } catch (error) {
      if (!(error instanceof DoesNotFit)) throw error;
      if (general.has(kernel.kind)) return { form: 'general', kernel };
      throw new CompileError(`the ${target} target takes several symbols, but not yet in a ${kernel.kind} kernel with ${error.message} (the JS target and the interpreter take it; --dim fixes a symbol at compile time)`, { node: kernel.label, op: kernel.op });
    }
  };
  const kernels = program.kernels.map(one);
  const ext = (size: SymSize): Extent => sizes.extent(size);
  const tensor = (t: K.LoweredTensor): LoweredProgram['inputs'][number] => ({ name: t.name, shape: t.shape, size: ext(t.size), dtype: t.dtype });
  const affine: LoweredProgram = {
    name: program.name, symbols: program.symbols,
    inputs: program.inputs.map(tensor), outputs: program.outputs.map(tensor), constants: program.constants,
    arenaSize: ext(program.arenaSize), kernels: kernels.flatMap((k) => (k.form === 'affine' ? [k.kernel] : [])),
  };
  return { affine, kernels, source: program, sizes, idsStrides };
}

export function isRuntimeProgram(program: { affine: LoweredProgram } | RuntimeProgram): program is RuntimeProgram {
  return 'sizes' in program;
}
