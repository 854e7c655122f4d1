// Batched matmul whose sizes may be run-time values (several symbols: scores [N,H,S,S] =
// q [N,H,S,d] @ kᵀ [N,H,d,S], then [N,H,S,S] @ v [N,H,S,d]): the affine kernel's loops
// (matmul-kernel.ts) with m, k, n, the batch extents and block strides read at entry; four
// output columns at a time, leftover columns one at a time.

import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
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
    const ai = asm.local('i32', 'ai');
    const yi = asm.local('i32', 'yi');
    const bj = asm.local('i32', 'bj');
    const ap = asm.local('i32', 'ap');
    const bp = asm.local('i32', 'bp');
    const acc = asm.local('v128', 'acc');
    asm.get(a).set(ai).get(out).set(yi);
    countedLoop(ctx, m, 'rows', () => {
      asm.get(b).set(bj);
      for (const lanes of [4, 1] as const) {
        countedLoop(ctx, lanes === 4 ? vectors : rest, `cols${lanes}`, () => {
          asm.f32x4Const(0).set(acc).get(ai).set(ap).get(bj).set(bp);
          countedLoop(ctx, kk, `t${lanes}`, () => {
            if (!ctx.relaxed) asm.get(acc);
            asm.get(ap).v128Load32Splat(0).get(bp);
            if (lanes === 4) asm.v128Load(0);
            else asm.v128Load32Splat(0);
            if (ctx.relaxed) asm.get(acc).f32x4RelaxedMadd().set(acc);
            else asm.v128('f32x4.mul').v128('f32x4.add').set(acc);
            advance(asm, ap, 4);
            advanceBy(asm, bp, rowBytes);
          });
          asm.get(yi).get(acc);
          if (lanes === 4) asm.v128Store(0);
          else asm.v128Store32Lane(0, 0);
          advance(asm, bj, lanes * 4);
          advance(asm, yi, lanes * 4);
        });
      }
      advanceBy(asm, ai, kBytes);
    });
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
