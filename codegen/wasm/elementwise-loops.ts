// The loops of an elementwise loop nest, shared by the affine kernel (elementwise-kernel.ts)
// and the run-time-sized one (general-elementwise.ts), which differ in where the counts and
// steps come from: an outer axis copies the pointers for the axis inside and steps them by
// their strides; the innermost runs four lanes at a time when every operand is contiguous or
// broadcast along it, then one element at a time (a splat load, the same vector code, lane 0
// stored) for the leftovers and strided operands.

import type { ScalarExpr } from '../../ir/scalar.ts';
import { advance, countedLoop, type KernelContext } from './kernel-context.ts';
import type { Local } from './function-assembler.ts';
import { advanceBy, type Step } from './runtime-steps.ts';
import type { prepareVectorExpr } from './expr-emit.ts';

const LANES = 4;

export interface Pointers {
  readonly operands: readonly Local[];
  readonly out: Local;
}

export interface InnerAxis {
  readonly body: ScalarExpr;
  readonly emitBody: ReturnType<typeof prepareVectorExpr>;
  /** Operand `i`'s stride along the axis in elements when known at compile time. */
  readonly stride: (operand: number) => number | undefined;
  /** Operand `i`'s step along the axis in bytes (a run-time local when its stride is one). */
  readonly step: (operand: number) => Step;
}

/** Byte steps along one outer axis: each operand's, the output's. */
export interface OuterSteps {
  readonly operand: (index: number) => Step;
  readonly out: Step;
}

/** Runs `count` iterations of an outer axis: `inside(child)` from copies of the pointers, then steps them. */
export function emitOuterAxis(ctx: KernelContext, axis: number, count: Local, pointers: Pointers, steps: OuterSteps, inside: (child: Pointers) => void): void {
  const { asm } = ctx;
  const child: Pointers = {
    operands: pointers.operands.map(() => asm.local('i32', `p${axis + 1}_`)),
    out: asm.local('i32', `o${axis + 1}_`),
  };
  countedLoop(ctx, count, `axis${axis}`, () => {
    pointers.operands.forEach((p, i) => { asm.get(p).set(child.operands[i] ?? p); });
    asm.get(pointers.out).set(child.out);
    inside(child);
    pointers.operands.forEach((p, i) => advanceBy(asm, p, steps.operand(i)));
    advanceBy(asm, pointers.out, steps.out);
  });
}

/** Runs `count` elements of the innermost axis from `pointers`, stepping them past it. */
export function emitInnerAxis(ctx: KernelContext, axis: InnerAxis, count: Local, pointers: Pointers): void {
  const { asm } = ctx;
  const operands = pointers.operands.map((_, i) => i);
  const vectorizable = operands.every((i) => axis.stride(i) === 0 || axis.stride(i) === 1);
  const rest = asm.local('i32', 'rest');
  if (vectorizable) {
    const vectors = asm.local('i32', 'vecs');
    asm.get(count).i32Const(Math.log2(LANES)).i32('i32.shr_u').set(vectors);
    asm.get(count).i32Const(LANES - 1).i32('i32.and').set(rest);
    countedLoop(ctx, vectors, `lanes${LANES}`, () => {
      asm.get(pointers.out);
      emitOperandsBody(ctx, axis, pointers, false);
      asm.v128Store(0);
      pointers.operands.forEach((p, i) => advance(asm, p, (axis.stride(i) ?? 0) * 4 * LANES));
      advance(asm, pointers.out, 4 * LANES);
    });
  } else {
    asm.get(count).set(rest);
  }
  countedLoop(ctx, rest, 'lane1', () => {
    asm.get(pointers.out);
    emitOperandsBody(ctx, axis, pointers, true);
    asm.v128Store32Lane(0, 0);
    pointers.operands.forEach((p, i) => advanceBy(asm, p, axis.step(i)));
    advance(asm, pointers.out, 4);
  });
}

/** Pushes the body's vector: operands loaded whole when contiguous, else splat (`single`: one element). */
function emitOperandsBody(ctx: KernelContext, axis: InnerAxis, pointers: Pointers, single: boolean): void {
  const { asm } = ctx;
  const load = (index: number): void => {
    const pointer = pointers.operands[index];
    if (pointer === undefined) throw new Error(`internal: no operand ${index}`);
    asm.get(pointer);
    if (!single && axis.stride(index) === 1) asm.v128Load(0);
    else asm.v128Load32Splat(0);
  };
  // A plain copy (body `$0`) moves the f32 bits.
  if (axis.body.kind === 'operand') load(axis.body.index);
  else axis.emitBody({ library: ctx.library, operand: load });
}
