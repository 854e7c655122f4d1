// Packs one head's K [Sk, D] into panels of four keys for the blocked attention kernel's score
// product (attention-fast.ts): panel g holds K[4g + lane][t] as one f32x4 per t (16·D bytes),
// so the micro-kernel loads four keys' t-th values in one vector and splats q[t] against it,
// as linear-kernel.ts does with packed weights. One 4×4 transpose per four keys and four
// columns; the last panel's missing keys are zeros (the kernel sets their scores to −Inf).

import { addSizes, constSize, isConstSize, scaleSize, type SymSize } from '../../ir/sym-size.ts';
import type * as K from '../kernels.ts';
import type { FunctionAssembler, Local } from './function-assembler.ts';
import { advance, countedLoop, pushAddress, type Address, type KernelContext } from './kernel-context.ts';

/** Byte lanes of i8x16.shuffle picking f32 lanes (0–3 of the first vector, 4–7 of the second). */
export function f32Lanes(...lanes: number[]): number[] {
  return lanes.flatMap((lane) => [0, 1, 2, 3].map((b) => lane * 4 + b));
}

/** Bytes of the packed panels for Sk keys of depth D. */
export function packedKeyBytes(sk: number, d: number): number {
  return Math.ceil(sk / 4) * d * 16;
}

/**
 * Floats of packed panels for the attention kernels with a symbolic key length (placed after
 * the outputs by the run-time layout): at most ⌊Sk/4⌋ + 2 panels of 4·D floats (the partial
 * one and a zero one, so a remainder tile reads whole steps of eight keys), a bound per
 * monomial over the kernels (sizes are never negative). Undefined when there is none.
 */
export function symbolicPanelFloats(kernels: readonly K.Kernel[]): SymSize | undefined {
  const terms = new Map<string, { coeff: number; symbols: readonly string[] }>();
  for (const kernel of kernels) {
    if (kernel.kind !== 'attention' || isConstSize(kernel.sk)) continue;
    for (const term of [...scaleSize(kernel.sk, kernel.d), ...constSize(8 * kernel.d)]) {
      const key = term.symbols.join('*');
      const seen = terms.get(key);
      if (seen === undefined || seen.coeff < term.coeff) terms.set(key, term);
    }
  }
  return terms.size === 0 ? undefined : addSizes([...terms.values()]);
}

/**
 * Writes the panels of the K rows at `k` (Sk rows of D f32, D a multiple of 4) to `packedAt`.
 * `rows` are four v128 locals and `pairs` four more, both free to overwrite.
 */
export function emitPackKeys(ctx: KernelContext, sk: number | Local, d: number, k: Local, packedAt: Address, rows: readonly Local[], pairs: readonly Local[]): void {
  const { asm } = ctx;
  const kr = asm.local('i32', 'pack_kr');
  const pk = asm.local('i32', 'pack_pk');
  const full = asm.local('i32', 'pack_full');
  asm.get(k).set(kr);
  pushAddress(asm, packedAt);
  asm.set(pk);
  if (typeof sk === 'number') asm.i32Const(Math.floor(sk / 4)).set(full);
  else asm.get(sk).i32Const(2).i32('i32.shr_u').set(full);
  countedLoop(ctx, full, 'pack', () => {
    panel(asm, d, 4, kr, pk, rows, pairs);
    advance(asm, kr, 4 * d * 4);
    advance(asm, pk, d * 16);
  });
  if (typeof sk === 'number') {
    if (sk % 4 !== 0) panel(asm, d, sk % 4, kr, pk, rows, pairs);
    return;
  }
  // A run-time Sk: the partial panel by its count of keys (1–3), then a zero panel.
  const rest = asm.local('i32', 'pack_rest');
  asm.get(sk).i32Const(3).i32('i32.and').tee(rest).if();
  asm.get(rest).i32Const(1).i32('i32.eq').if();
  panel(asm, d, 1, kr, pk, rows, pairs);
  asm.else().get(rest).i32Const(2).i32('i32.eq').if();
  panel(asm, d, 2, kr, pk, rows, pairs);
  asm.else();
  panel(asm, d, 3, kr, pk, rows, pairs);
  asm.end().end();
  advance(asm, pk, d * 16);
  asm.end();
  panel(asm, d, 0, kr, pk, rows, pairs);
}

/** One panel from `present` rows at kr (the others zero) to pk. */
function panel(asm: FunctionAssembler, d: number, present: number, kr: Local, pk: Local, rows: readonly Local[], pairs: readonly Local[]): void {
  const [a, b, c, e] = rows as [Local, Local, Local, Local];
  const [lo, hi, lo2, hi2] = pairs as [Local, Local, Local, Local];
  for (let t4 = 0; t4 < d / 4; t4++) {
    rows.forEach((row, i) => {
      if (i < present) asm.get(kr).v128Load(i * d * 4 + t4 * 16).set(row);
      else asm.f32x4Const(0).set(row);
    });
    asm.get(a).get(b).i8x16Shuffle(f32Lanes(0, 4, 1, 5)).set(lo);
    asm.get(a).get(b).i8x16Shuffle(f32Lanes(2, 6, 3, 7)).set(hi);
    asm.get(c).get(e).i8x16Shuffle(f32Lanes(0, 4, 1, 5)).set(lo2);
    asm.get(c).get(e).i8x16Shuffle(f32Lanes(2, 6, 3, 7)).set(hi2);
    const store = (column: number, x: Local, y: Local, lanes: number[]): void => {
      asm.get(pk).get(x).get(y).i8x16Shuffle(f32Lanes(...lanes)).v128Store((4 * t4 + column) * 16);
    };
    store(0, lo, lo2, [0, 1, 4, 5]);
    store(1, lo, lo2, [2, 3, 6, 7]);
    store(2, hi, hi2, [0, 1, 4, 5]);
    store(3, hi, hi2, [2, 3, 6, 7]);
  }
}
