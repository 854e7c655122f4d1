// Batched matmul: loops over the broadcast batch axes step a, b and out by their block
// strides; each [m, k] @ [k, n] block computes four output columns at a time (a splat of
// a[i, t] times the contiguous b[t, j..j+4]; matmul-rows.ts), leftover columns one at a time. Unlike
// `linear`, the right operand is not a packed constant, so this is a plain f32x4 loop.
// Threads split each block's rows (every output row is computed whole by one thread).

import type { MatmulKernel } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { blockLocals, emitMatmulRows } from './matmul-rows.ts';
import { emitShare } from './threads.ts';

export function emitMatmulKernel(ctx: KernelContext, kernel: MatmulKernel): void {
  const { asm } = ctx;
  const { k, n } = kernel;
  const rows = extentLocal(ctx, kernel.m, 'm');
  // This thread's rows of every block (all of them when it runs alone).
  const share = emitShare(ctx, rows, 1, 'rows');
  const m = asm.local('i32', 'my_rows');
  asm.get(share.end).get(share.start).i32('i32.sub').set(m);
  const blockOut = kernel.m.fixed * n; // m is static whenever there are batch axes
  const outStrides = kernel.batch.map((_, axis) => kernel.batch.slice(axis + 1).reduce((p, e) => p * e.fixed, 1) * blockOut);

  const block = (a: Local, b: Local, out: Local): void => {
    const l = blockLocals(asm);
    const counts = { vectors: asm.local('i32', 'vecs'), rest: asm.local('i32', 'rest'), k: asm.local('i32', 'kk') };
    asm.i32Const(Math.floor(n / 4)).set(counts.vectors).i32Const(n % 4).set(counts.rest).i32Const(k).set(counts.k);
    asm.get(a).get(share.start).i32Const(k * 4).i32('i32.mul').i32('i32.add').set(l.ai);
    asm.get(out).get(share.start).i32Const(n * 4).i32('i32.mul').i32('i32.add').set(l.yi);
    emitMatmulRows(ctx, l, { m, ...counts, bRowBytes: n * 4, aRowBytes: k * 4 }, b);
  };

  const level = (axis: number, a: Local, b: Local, out: Local): void => {
    if (axis === kernel.batch.length) {
      block(a, b, out);
      return;
    }
    const count = extentLocal(ctx, kernel.batch[axis] ?? { perSample: 0, fixed: 1 }, `batch${axis}_`);
    const child = { a: asm.local('i32', 'a'), b: asm.local('i32', 'b'), out: asm.local('i32', 'y') };
    countedLoop(ctx, count, `batch${axis}`, () => {
      asm.get(a).set(child.a).get(b).set(child.b).get(out).set(child.out);
      level(axis + 1, child.a, child.b, child.out);
      advance(asm, a, (kernel.aBatchStrides[axis] ?? 0) * 4);
      advance(asm, b, (kernel.bBatchStrides[axis] ?? 0) * 4);
      advance(asm, out, (outStrides[axis] ?? 0) * 4);
    });
  };
  level(0, addressLocal(ctx, kernel.a, 'a'), addressLocal(ctx, kernel.b, 'b'), addressLocal(ctx, kernel.out, 'out'));
}
