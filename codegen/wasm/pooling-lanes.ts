// Pooling on f32x4 lanes: four consecutive outputs of the innermost output axis at once, for
// the outputs whose windows lie wholly inside the input along that axis (the interior; the
// borders keep the scalar path of reduce-kernel.ts, whose tables skip the padding). A tap
// reads four inputs `stride` apart: one load at stride 1, two loads and a shuffle at stride 2,
// four lane loads beyond. max and min are f32x4.max/min (NaN-propagating, order-free); sums
// accumulate in two f64x2 halves tap by tap in the scalar order, so each lane computes
// exactly what the scalar path (and the interpreter) computes.

import type { ReduceAxis, ReduceKernel } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { advance, type KernelContext } from './kernel-context.ts';

/** Output indices [lo, hi) of an axis whose every tap lies inside the input. */
export function interiorRange(axis: ReduceAxis): { lo: number; hi: number } {
  if (axis.stride < 1) return { lo: 0, hi: 0 }; // a reduced axis: one output
  const span = (axis.taps - 1) * axis.dilation;
  const lo = Math.ceil(axis.padBegin / axis.stride);
  const hi = Math.floor((axis.size - 1 - span + axis.padBegin) / axis.stride) + 1;
  const out = axis.out.fixed;
  return { lo: Math.min(lo, out), hi: Math.max(Math.min(hi, out), Math.min(lo, out)) };
}

export interface LaneBody {
  readonly kernel: ReduceKernel;
  /** The innermost output axis (a window axis with static extent). */
  readonly axis: ReduceAxis;
  /** Runs `inner(pointer)` for every valid tap of the outer window axes, starting at `input`. */
  readonly outerTaps: (input: Local, inner: (pointer: Local) => void) => void;
  /** Pushes the product of the outer window axes' divisor factors (an i32). */
  readonly outerDivisor: () => void;
  readonly out: Local;
}

/** Shuffle lanes: the even f32 lanes of two vectors; the upper half of one vector moved down. */
const EVEN_LANES = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** Four outputs whose first window starts at `input`: combined, finished and stored at `out` (then out += 16). */
export function emitPoolVector(ctx: KernelContext, body: LaneBody, input: Local): void {
  const { asm } = ctx;
  const { kernel, axis } = body;
  const step = axis.stride * axis.inStride * 4;
  const sum = kernel.combine === 'sum';
  const acc = asm.local('v128', 'vacc');
  const high = asm.local('v128', 'vhigh');
  const value = asm.local('v128', 'vtap');
  if (sum) asm.f64x2Const(0).tee(acc).set(high);
  else asm.f32x4Const(kernel.combine === 'max' ? -Infinity : Infinity).set(acc);
  const load = (pointer: Local, offset: number): void => {
    if (step === 4) {
      asm.get(pointer).v128Load(offset);
    } else if (step === 8) {
      asm.get(pointer).v128Load(offset).get(pointer).v128Load(offset + 16).i8x16Shuffle(EVEN_LANES);
    } else {
      asm.get(pointer).v128Load32Splat(offset);
      for (let lane = 1; lane < 4; lane++) asm.get(pointer).f32Load(offset + lane * step).f32x4ReplaceLane(lane);
    }
  };
  body.outerTaps(input, (pointer) => {
    for (let t = 0; t < axis.taps; t++) {
      load(pointer, t * axis.dilation * axis.inStride * 4);
      if (!sum) {
        asm.get(acc).v128(kernel.combine === 'max' ? 'f32x4.max' : 'f32x4.min').set(acc);
        continue;
      }
      asm.tee(value).v128Unary('f64x2.promote_low_f32x4').get(acc).v128('f64x2.add').set(acc);
      asm.get(value).get(value).i8x16Shuffle(HIGH_HALF).v128Unary('f64x2.promote_low_f32x4').get(high).v128('f64x2.add').set(high);
    }
  });
  asm.get(body.out);
  if (!sum) {
    asm.get(acc);
  } else {
    const divide = (half: Local): void => {
      asm.get(half);
      if (kernel.finish !== 'none') {
        body.outerDivisor();
        // Inside the window every tap of this axis counts, padded or not.
        asm.i32Const(axis.taps).i32('i32.mul').f32('f64.convert_i32_s').f64x2Splat().v128('f64x2.div');
      }
      asm.v128Unary('f32x4.demote_f64x2_zero');
    };
    divide(acc);
    divide(high);
    asm.i8x16Shuffle(LOW_HALVES);
  }
  asm.v128Store(0);
  advance(asm, body.out, 16);
}
