// Fused attention with an online softmax over tiles of keys (flash-attention's loop on one
// core). Per query row: a running max m, a running f32 sum l and an f32 accumulator of Dv
// values in scratch; per tile of up to KEY_TILE keys, the scores q·k (f32x4 dot products) ·
// scale + mask go to a scratch row, the accumulator and l are rescaled once by exp(m − m'),
// then each key adds exp(s − m')·v (f32x4 over Dv). Memory is O(KEY_TILE + Dv) per row; the
// Sq×Sk matrix never exists. Against the interpreter (f64 sums) the f32 dot products and
// accumulator differ by a few ulp of the largest |term|, relative to max |v|: ≤ 1e-5 in tests.
// Threads split each head's query rows, each with its own scratch.

import { productExtent, type AttentionKernel, type Extent } from '../affine-kernels.ts';
import { KEY_TILE } from '../js/kernel-sequence.ts';
import { advanceBy, emitFastAttention, fastAttentionFits, fastAttentionScratch, skipRows } from './attention-fast.ts';
import { emitMaskOffset } from './attention-mask.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, pushAddress, type KernelContext } from './kernel-context.ts';
import { emitShare, threadScratch } from './threads.ts';
import type { StaticData } from './static-data.ts';

const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

export function prepareAttentionKernel(kernel: AttentionKernel, statics: StaticData): (ctx: KernelContext) => void {
  if (fastAttentionFits(kernel)) {
    statics.reserveScratch(fastAttentionScratch(kernel));
    return (ctx) => emitFastAttention(ctx, kernel, statics.scratchAddress);
  }
  // A run-time Sk (one bundle for every length): a whole tile of score slots.
  const sk = kernel.sk.perSample === 0 ? kernel.sk.fixed : undefined;
  const slots = roundUp4(Math.min(KEY_TILE, sk ?? KEY_TILE));
  statics.reserveScratch(4 * (slots + roundUp4(kernel.dv)));
  return (ctx) => emitAttention(ctx, kernel, sk, statics.scratchAddress, 4 * slots);
}

/** Scores at offset 0 of this thread's scratch (threads.ts), the accumulator at `accAt`; `sk` undefined: a run-time Sk. */
function emitAttention(ctx: KernelContext, kernel: AttentionKernel, sk: number | undefined, scratchAt: number, accAt: number): void {
  const { asm } = ctx;
  const base = threadScratch(ctx, scratchAt);
  const scoresAt = 0;
  /** Sets `pointer` to the scratch address at `offset`. */
  const scratch = (offset: number, pointer: Local): void => {
    pushAddress(asm, base, offset);
    asm.set(pointer);
  };
  const { d, dv, mask } = kernel;
  const i32 = (name: string, value?: number): Local => {
    const local = asm.local('i32', name);
    if (value !== undefined) asm.i32Const(value).set(local);
    return local;
  };
  const q = addressLocal(ctx, kernel.q, 'q');
  const k = addressLocal(ctx, kernel.k, 'k');
  const v = addressLocal(ctx, kernel.v, 'v');
  const out = addressLocal(ctx, kernel.out, 'out');
  const maskAddr = kernel.mask === undefined ? undefined : addressLocal(ctx, kernel.mask.buffer, 'mask');
  const batches = extentLocal(ctx, productExtent(kernel.lead), 'batches');
  const sq = extentLocal(ctx, kernel.sq, 'sq');
  const counts = {
    d4: i32('d4', d >> 2), d1: i32('d1', d & 3), dv4: i32('dv4', dv >> 2), dv1: i32('dv1', dv & 3),
    accVecs: i32('accVecs', roundUp4(dv) / 4), fullTiles: i32('fullTiles', sk === undefined ? undefined : Math.floor(sk / KEY_TILE)),
  };
  const skLocal = sk === undefined ? extentLocal(ctx, kernel.sk, 'sk') : undefined;
  if (skLocal !== undefined) asm.get(skLocal).i32Const(KEY_TILE).i32('i32.div_u').set(counts.fullTiles);
  const [p, mb, qi, oi, mi, mp] = [i32('p', 0), i32('mb'), i32('qi'), i32('oi'), i32('mi'), i32('mp')];
  const [kj, vj, mj, sp, kp, qp, kk, vp, ap] = ['kj', 'vj', 'mj', 'sp', 'kp', 'qp', 'kk', 'vp', 'ap'].map((n) => i32(n)) as
    [Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const [m, l, s, top, next, keep, w] = ['m', 'l', 's', 'top', 'next', 'keep', 'w'].map((n) => asm.local('f32', n)) as
    [Local, Local, Local, Local, Local, Local, Local];
  const [dotv, wv] = [asm.local('v128', 'dotv'), asm.local('v128', 'wv')];

  /** Sets `into` (f32) to e^value for the f32 on the stack (lane 0 of the f32x4 exp). */
  const scalarExp = (into: Local): void => {
    asm.f32x4Splat();
    ctx.library.call(asm, 'exp');
    asm.f32x4ExtractLane(0).set(into);
  };
  /** acc[c] (op)= operand for c < dv: f32x4 groups, then single lanes. */
  const overValues = (vector: () => void, single: () => void): void => {
    scratch(accAt, ap);
    countedLoop(ctx, counts.dv4, 'c4', () => { vector(); advance(asm, ap, 16); advance(asm, vp, 16); });
    countedLoop(ctx, counts.dv1, 'c1', () => { single(); advance(asm, ap, 4); advance(asm, vp, 4); });
  };

  /** A tile of `len` keys, or of `rest` keys (the run-time remainder, the last tile). */
  const tile = (len: number, label: string, rest?: Local): void => {
    const keys = rest ?? i32(`keys_${label}`, len);
    asm.f32Const(-Infinity).set(top);
    scratch(scoresAt, sp);
    asm.get(kj).set(kp);
    if (mask !== undefined) asm.get(mj).set(mp);
    countedLoop(ctx, keys, `score_${label}`, () => {
      asm.f32x4Const(0).set(dotv).get(qi).set(qp).get(kp).set(kk);
      countedLoop(ctx, counts.d4, `dot4_${label}`, () => {
        if (ctx.relaxed) asm.get(qp).v128Load(0).get(kk).v128Load(0).get(dotv).f32x4RelaxedMadd().set(dotv);
        else asm.get(dotv).get(qp).v128Load(0).get(kk).v128Load(0).v128('f32x4.mul').v128('f32x4.add').set(dotv);
        advance(asm, qp, 16);
        advance(asm, kk, 16);
      });
      asm.get(dotv).f32x4ExtractLane(0).get(dotv).f32x4ExtractLane(1).f32('f32.add');
      asm.get(dotv).f32x4ExtractLane(2).get(dotv).f32x4ExtractLane(3).f32('f32.add').f32('f32.add').set(s);
      countedLoop(ctx, counts.d1, `dot1_${label}`, () => {
        asm.get(s).get(qp).f32Load(0).get(kk).f32Load(0).f32('f32.mul').f32('f32.add').set(s);
        advance(asm, qp, 4);
        advance(asm, kk, 4);
      });
      asm.get(s).f32Const(kernel.scale).f32('f32.mul').set(s);
      if (mask !== undefined) {
        asm.get(s).get(mp).f32Load(0).f32('f32.add').set(s);
        advance(asm, mp, mask.colStride * 4);
      }
      asm.get(sp).get(s).f32Store(0);
      asm.get(top).get(s).f32('f32.max').set(top);
      advance(asm, sp, 4);
      advance(asm, kp, d * 4);
    });
    asm.get(m).get(top).f32('f32.max').set(next);
    // Every key so far masked out (next = -Inf): nothing to add; keep everything as it is.
    asm.get(next).f32Const(-Infinity).f32('f32.ne').if();
    asm.get(m).get(next).f32('f32.sub');
    scalarExp(keep);
    asm.get(l).get(keep).f32('f32.mul').set(l);
    asm.get(keep).f32x4Splat().set(wv);
    scratch(accAt, ap);
    countedLoop(ctx, counts.accVecs, `rescale_${label}`, () => {
      asm.get(ap).get(ap).v128Load(0).get(wv).v128('f32x4.mul').v128Store(0);
      advance(asm, ap, 16);
    });
    // Weights e^(s - next), four at a time, in place (lanes past the tile are never read).
    const groups = i32(`groups_${label}`, rest === undefined ? roundUp4(len) / 4 : undefined);
    if (rest !== undefined) asm.get(rest).i32Const(3).i32('i32.add').i32Const(2).i32('i32.shr_u').set(groups);
    asm.get(next).f32x4Splat().set(wv);
    scratch(scoresAt, sp);
    countedLoop(ctx, groups, `exp_${label}`, () => {
      asm.get(sp).get(sp).v128Load(0).get(wv).v128('f32x4.sub');
      ctx.library.call(asm, 'exp');
      asm.v128Store(0);
      advance(asm, sp, 16);
    });
    scratch(scoresAt, sp);
    asm.get(vj).set(kp);
    countedLoop(ctx, keys, `values_${label}`, () => {
      asm.get(sp).f32Load(0).set(w);
      asm.get(l).get(w).f32('f32.add').set(l);
      asm.get(w).f32x4Splat().set(wv).get(kp).set(vp);
      overValues(
        () => {
          if (ctx.relaxed) asm.get(ap).get(vp).v128Load(0).get(wv).get(ap).v128Load(0).f32x4RelaxedMadd().v128Store(0);
          else asm.get(ap).get(ap).v128Load(0).get(vp).v128Load(0).get(wv).v128('f32x4.mul').v128('f32x4.add').v128Store(0);
        },
        () => { asm.get(ap).get(ap).f32Load(0).get(vp).f32Load(0).get(w).f32('f32.mul').f32('f32.add').f32Store(0); },
      );
      advance(asm, sp, 4);
      advance(asm, kp, dv * 4);
    });
    asm.get(next).set(m);
    asm.end();
    if (rest !== undefined) return;
    advance(asm, kj, len * d * 4);
    advance(asm, vj, len * dv * 4);
    if (mask !== undefined) advance(asm, mj, len * mask.colStride * 4);
  };

  // Threads split each head's query rows.
  const share = emitShare(ctx, sq, 1, 'rows');
  const mine = i32('mine');
  asm.get(share.end).get(share.start).i32('i32.sub').set(mine);
  const skip = (pointer: Local, from: Local, row: number | Extent): void => skipRows(ctx, pointer, from, share.start, row);
  countedLoop(ctx, batches, 'batch', () => {
    if (maskAddr !== undefined && mask !== undefined) {
      emitMaskOffset(ctx, kernel, maskAddr, p, mb);
      skip(mi, mb, mask.rowStride);
    }
    skip(qi, q, d * 4);
    skip(oi, out, dv * 4);
    countedLoop(ctx, mine, 'row', () => {
      asm.f32Const(-Infinity).set(m).f32Const(0).set(l).get(k).set(kj).get(v).set(vj);
      scratch(accAt, ap);
      if (mask !== undefined) asm.get(mi).set(mj);
      countedLoop(ctx, counts.accVecs, 'zero', () => { asm.get(ap).f32x4Const(0).v128Store(0); advance(asm, ap, 16); });
      countedLoop(ctx, counts.fullTiles, 'tiles', () => tile(KEY_TILE, 'full'));
      if (sk !== undefined && sk % KEY_TILE !== 0) tile(sk % KEY_TILE, 'last');
      if (skLocal !== undefined) {
        const rest = i32('rest');
        asm.get(skLocal).i32Const(KEY_TILE - 1).i32('i32.and').tee(rest).if();
        tile(KEY_TILE, 'rest', rest);
        asm.end();
      }
      asm.get(l).f32x4Splat().set(wv).get(oi).set(vp);
      // out = acc / l (vp walks the output row here).
      scratch(accAt, ap);
      countedLoop(ctx, counts.dv4, 'out4', () => {
        asm.get(vp).get(ap).v128Load(0).get(wv).v128('f32x4.div').v128Store(0);
        advance(asm, ap, 16);
        advance(asm, vp, 16);
      });
      countedLoop(ctx, counts.dv1, 'out1', () => {
        asm.get(vp).get(ap).f32Load(0).get(l).f32('f32.div').f32Store(0);
        advance(asm, ap, 4);
        advance(asm, vp, 4);
      });
      advance(asm, qi, d * 4);
      advance(asm, oi, dv * 4);
      if (mask !== undefined) advanceBy(ctx, mi, mask.rowStride, 4);
    });
    asm.get(q).get(sq).i32Const(d * 4).i32('i32.mul').i32('i32.add').set(q);
    asm.get(out).get(sq).i32Const(dv * 4).i32('i32.mul').i32('i32.add').set(out);
    advanceBy(ctx, k, kernel.sk, d * 4);
    advanceBy(ctx, v, kernel.sk, dv * 4);
    asm.get(p).i32Const(1).i32('i32.add').set(p);
  });
}
