// Elementwise loop nests whose extents and strides may be run-time sizes (several symbols: a
// transpose moving S, a broadcast over [N, S, D]): the affine kernel's loop nest
// (elementwise-kernel.ts) with each stride a compile-time byte count or a local read at
// entry. The innermost axis runs four lanes at a time when every operand is contiguous or
// broadcast along it (known at compile time), else one element at a time.

import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import { F32X4, prepareVectorExpr } from './expr-emit.ts';
import type { Local } from './function-assembler.ts';
import { emitInnerAxis, emitOuterAxis, type Pointers } from './elementwise-loops.ts';
import { addressLocal, extentLocal, type KernelContext } from './kernel-context.ts';
import { mulStep, runtimeRef, stepOf, type Step } from './runtime-steps.ts';

export function prepareGeneralElementwise(source: K.ElementwiseKernel, sizes: RuntimeSizes): (ctx: KernelContext) => void {
  const kernel: K.ElementwiseKernel<'runtime'> = {
    ...source, out: runtimeRef(source.out, sizes), extents: source.extents.map((e) => sizes.extent(e)),
    operands: source.operands.map((a) => ({ buffer: runtimeRef(a.buffer, sizes), strides: a.strides.map((s) => sizes.extent(s)) })),
  };
  return (ctx) => emitGeneralElementwise(ctx, kernel);
}

function emitGeneralElementwise(ctx: KernelContext, kernel: K.ElementwiseKernel<'runtime'>): void {
  const { asm } = ctx;
  const rank = kernel.extents.length;
  const one = { perSample: 0, fixed: 1 };
  const zero = { perSample: 0, fixed: 0 };
  const inputs = kernel.operands.map((access, i) => addressLocal(ctx, access.buffer, `in${i}_`));
  const output = addressLocal(ctx, kernel.out, 'out');
  const counts = kernel.extents.map((e, a) => extentLocal(ctx, e, `e${a}_`));
  const steps: Step[][] = kernel.operands.map((access, i) => access.strides.map((s, a) => stepOf(ctx, s, 4, `s${i}_${a}_`)));
  const outSteps = new Array<Step>(rank).fill(4);
  for (let a = rank - 2; a >= 0; a--) outSteps[a] = mulStep(ctx, outSteps[a + 1] ?? 4, stepOf(ctx, kernel.extents[a + 1] ?? one, 1, `x${a}_`), `os${a}_`);
  const innerStride = (operand: number): K.AffineExtent => kernel.operands[operand]?.strides[rank - 1] ?? zero;
  const emitBody = prepareVectorExpr(asm, kernel.body, F32X4);
  const inner = (count: Local, pointers: Pointers): void => emitInnerAxis(ctx, {
    body: kernel.body,
    emitBody,
    stride: (i) => (innerStride(i).perSample === 0 ? innerStride(i).fixed : undefined),
    step: (i) => steps[i]?.[rank - 1] ?? 0,
  }, count, pointers);

  const level = (axis: number, pointers: Pointers): void => {
    const count = counts[axis];
    if (count === undefined) throw new Error('internal: elementwise kernel without extents');
    if (axis === rank - 1) {
      inner(count, pointers);
      return;
    }
    const axisSteps = { operand: (i: number) => steps[i]?.[axis] ?? 0, out: outSteps[axis] ?? 0 };
    emitOuterAxis(ctx, axis, count, pointers, axisSteps, (child) => level(axis + 1, child));
  };

  level(0, { operands: inputs, out: output });
}
