// Batched matmul whose sizes may be run-time values (several symbols: scores [N,H,S,S] =
// q [N,H,S,d] @ kᵀ [N,H,d,S], then [N,H,S,S] @ v [N,H,S,d]): the affine kernel's loops
// (matmul-kernel.ts) with m, k, n, the batch extents and block strides read at entry; four
// output columns at a time, leftover columns one at a time.

import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { blockLocals, emitMatmulRows } from './matmul-rows.ts';
import { advanceBy, mulStep, runtimeRef, stepOf, type Step } from './runtime-steps.ts';

export function prepareGeneralMatmul(source: K.MatmulKernel, sizes: RuntimeSizes): (ctx: KernelContext) => void {
  const s = (size: K.Ext): K.AffineExtent => sizes.extent(size);
  const kernel: K.MatmulKernel<'runtime'> = {
    ...source, out: runtimeRef(source.out, sizes), a: runtimeRef(source.a, sizes), b: runtimeRef(source.b, sizes),
    batch: source.batch.map(s), aBatchStrides: source.aBatchStrides.map(s), bBatchStrides: source.bBatchStrides.map(s),
    m: s(source.m), k: s(source.k), n: s(source.n),
  };
  return (ctx) => emitGeneralMatmul(ctx, kernel);
}

function emitGeneralMatmul(ctx: KernelContext, kernel: K.MatmulKernel<'runtime'>): void {
  const { asm } = ctx;
  const a0 = addressLocal(ctx, kernel.a, 'a');
  const b0 = addressLocal(ctx, kernel.b, 'b');
  const out0 = addressLocal(ctx, kernel.out, 'out');
  const m = extentLocal(ctx, kernel.m, 'm');
  const n = extentLocal(ctx, kernel.n, 'n');
  const kk = extentLocal(ctx, kernel.k, 'k');
  const rowBytes = stepOf(ctx, kernel.n, 4, 'nBytes');
  const kBytes = stepOf(ctx, kernel.k, 4, 'kBytes');
  const vectors = asm.local('i32', 'vecs');
  const rest = asm.local('i32', 'rest');
  asm.get(n).i32Const(2).i32('i32.shr_u').set(vectors);
  asm.get(n).i32Const(3).i32('i32.and').set(rest);
  const batchCounts = kernel.batch.map((e, axis) => extentLocal(ctx, e, `batch${axis}_`));
  const aSteps = kernel.aBatchStrides.map((e, axis) => stepOf(ctx, e, 4, `as${axis}_`));
  const bSteps = kernel.bBatchStrides.map((e, axis) => stepOf(ctx, e, 4, `bs${axis}_`));
  const blockBytes = mulStep(ctx, stepOf(ctx, kernel.m, 1, 'mm'), rowBytes, 'block');
  const outSteps: Step[] = new Array<Step>(kernel.batch.length).fill(0);
  let inner: Step = blockBytes;
  for (let axis = kernel.batch.length - 1; axis >= 0; axis--) {
    outSteps[axis] = inner;
    inner = mulStep(ctx, inner, stepOf(ctx, kernel.batch[axis] ?? { perSample: 0, fixed: 1 }, 1, `bx${axis}_`), `os${axis}_`);
  }

  const block = (a: Local, b: Local, out: Local): void => {
    const l = blockLocals(asm);
    asm.get(a).set(l.ai).get(out).set(l.yi);
    emitMatmulRows(ctx, l, { m, vectors, rest, k: kk, bRowBytes: rowBytes, aRowBytes: kBytes }, b);
  };

  const level = (axis: number, a: Local, b: Local, out: Local): void => {
    const count = batchCounts[axis];
    if (count === undefined) {
      block(a, b, out);
      return;
    }
    const child = { a: asm.local('i32', 'a'), b: asm.local('i32', 'b'), out: asm.local('i32', 'y') };
    countedLoop(ctx, count, `batch${axis}`, () => {
      asm.get(a).set(child.a).get(b).set(child.b).get(out).set(child.out);
      level(axis + 1, child.a, child.b, child.out);
      advanceBy(asm, a, aSteps[axis] ?? 0);
      advanceBy(asm, b, bSteps[axis] ?? 0);
      advanceBy(asm, out, outSteps[axis] ?? 0);
    });
  };
  level(0, a0, b0, out0);
}
