// The row loop of one [m, k] @ [k, n] matmul block, shared by the affine kernel
// (matmul-kernel.ts) and the run-time-sized one (general-matmul.ts): four output columns at a
// time (a splat of a[i, t] times the contiguous b[t, j..j+4]), leftover columns one at a time,
// f32x4.mul+add or, in the relaxed module, f32x4.relaxed_madd.

import type { FunctionAssembler, Local } from './function-assembler.ts';
import { advance, countedLoop, type KernelContext } from './kernel-context.ts';
import { advanceBy, type Step } from './runtime-steps.ts';

/** The block's row and column pointers and accumulator. */
export interface BlockLocals {
  /** Row i of a; row i of the output. */
  readonly ai: Local;
  readonly yi: Local;
  /** Column j of b; a[i, t] and b[t, j] in the tap loop. */
  readonly bj: Local;
  readonly ap: Local;
  readonly bp: Local;
  readonly acc: Local;
}

export function blockLocals(asm: FunctionAssembler): BlockLocals {
  return {
    ai: asm.local('i32', 'ai'), yi: asm.local('i32', 'yi'), bj: asm.local('i32', 'bj'),
    ap: asm.local('i32', 'ap'), bp: asm.local('i32', 'bp'), acc: asm.local('v128', 'acc'),
  };
}

export interface RowLoop {
  /** Loop counts: rows, column vectors (n / 4), leftover columns (n % 4), taps (k). */
  readonly m: Local;
  readonly vectors: Local;
  readonly rest: Local;
  readonly k: Local;
  /** Bytes of one row of b (n · 4) and of a (k · 4). */
  readonly bRowBytes: Step;
  readonly aRowBytes: Step;
}

/** Computes `loop.m` rows from `ai`/`yi` (set by the caller) against b at `b`. */
export function emitMatmulRows(ctx: KernelContext, l: BlockLocals, loop: RowLoop, b: Local): void {
  const { asm } = ctx;
  countedLoop(ctx, loop.m, 'rows', () => {
    asm.get(b).set(l.bj);
    for (const lanes of [4, 1] as const) {
      countedLoop(ctx, lanes === 4 ? loop.vectors : loop.rest, `cols${lanes}`, () => {
        asm.f32x4Const(0).set(l.acc).get(l.ai).set(l.ap).get(l.bj).set(l.bp);
        countedLoop(ctx, loop.k, `t${lanes}`, () => {
          if (!ctx.relaxed) asm.get(l.acc);
          asm.get(l.ap).v128Load32Splat(0).get(l.bp);
          if (lanes === 4) asm.v128Load(0);
          else asm.v128Load32Splat(0);
          if (ctx.relaxed) asm.get(l.acc).f32x4RelaxedMadd().set(l.acc);
          else asm.v128('f32x4.mul').v128('f32x4.add').set(l.acc);
          advance(asm, l.ap, 4);
          advanceBy(asm, l.bp, loop.bRowBytes);
        });
        asm.get(l.yi).get(l.acc);
        if (lanes === 4) asm.v128Store(0);
        else asm.v128Store32Lane(0, 0);
        advance(asm, l.bj, lanes * 4);
        advance(asm, l.yi, lanes * 4);
      });
    }
    advanceBy(asm, l.ai, loop.aRowBytes);
  });
}
