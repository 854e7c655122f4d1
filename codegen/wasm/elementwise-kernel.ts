// Elementwise loop nests (fused chains, single ops, and the copies that layout ops lower
// to): outer axes are counted loops that step each operand's pointer by its stride; the
// innermost axis runs two lanes at a time when every operand is contiguous or broadcast
// along it, and one element at a time for the leftovers and for strided operands (a splat
// load, the same vector code, lane 0 stored). Bodies are evaluated four f32 lanes at a
// time (F32X4 of expr-emit.ts): the scalar language is f32 arithmetic with one rounding per
// primitive (ir/scalar.ts), which f32x4 instructions compute exactly; a plain copy (body
// `$0`) moves the f32 bits. Threads split the outermost axis (in whole vectors when it is the
// only one); every element is computed alike wherever it falls, so any split gives the same bits.

import type { ElementwiseKernel } from '../affine-kernels.ts';
import { F32X4, prepareVectorExpr } from './expr-emit.ts';
import type { Local } from './function-assembler.ts';
import { emitInnerAxis, emitOuterAxis, type Pointers } from './elementwise-loops.ts';
import { addressLocal, extentLocal, type KernelContext } from './kernel-context.ts';
import { emitShare } from './threads.ts';

export function emitElementwiseKernel(ctx: KernelContext, kernel: ElementwiseKernel): void {
  const { asm } = ctx;
  const rank = kernel.extents.length;
  const outStrides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) outStrides[a] = (outStrides[a + 1] ?? 1) * (kernel.extents[a + 1]?.fixed ?? 1);
  const strideOf = (operand: number, axis: number): number => kernel.operands[operand]?.strides[axis] ?? 0;
  const emitBody = prepareVectorExpr(asm, kernel.body, F32X4);
  const lanes = 4;
  const inner = (count: Local, pointers: Pointers): void => emitInnerAxis(ctx, {
    body: kernel.body,
    emitBody,
    stride: (i) => strideOf(i, rank - 1),
    step: (i) => strideOf(i, rank - 1) * 4,
  }, count, pointers);

  const level = (axis: number, pointers: Pointers): void => {
    const count = extentLocal(ctx, kernel.extents[axis] ?? { perSample: 0, fixed: 1 }, `e${axis}_`);
    if (axis === 0) {
      // This thread's share of the outermost axis (all of it when it runs alone).
      const share = emitShare(ctx, count, rank === 1 ? lanes : 1, 'e');
      pointers.operands.forEach((p, i) => { asm.get(p).get(share.start).i32Const(strideOf(i, 0) * 4).i32('i32.mul').i32('i32.add').set(p); });
      asm.get(pointers.out).get(share.start).i32Const((outStrides[0] ?? 1) * 4).i32('i32.mul').i32('i32.add').set(pointers.out);
      asm.get(share.end).get(share.start).i32('i32.sub').set(count);
    }
    if (axis === rank - 1) {
      inner(count, pointers);
      return;
    }
    const steps = { operand: (i: number) => strideOf(i, axis) * 4, out: (outStrides[axis] ?? 1) * 4 };
    emitOuterAxis(ctx, axis, count, pointers, steps, (child) => level(axis + 1, child));
  };

  level(0, {
    operands: kernel.operands.map((access, i) => addressLocal(ctx, access.buffer, `in${i}_`)),
    out: addressLocal(ctx, kernel.out, 'out'),
  });
}
