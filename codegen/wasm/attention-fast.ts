// The register-blocked attention kernel for D and Dv multiples of 4 up to 64 (every
// transformer head size in practice): per query row the Dv accumulators stay in Dv/4 vector
// locals (no memory round trip per key); scores are made
// four keys at a time (four f32x4 dot products folded into one vector of four sums by two
// shuffle-add rounds), scaled, masked, stored and max-reduced as vectors. The online softmax
// is attention-kernel.ts's: tiles of KEY_TILE keys, one rescale per tile. Measured on the
// issue-12 encoder (4 heads of 32, S = 256, one core): 7.2 ms → see the README's table.

import { productExtent, type AttentionKernel } from '../affine-kernels.ts';
import { KEY_TILE } from '../js/kernel-sequence.ts';
import { emitMaskOffset } from './attention-mask.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';

/** Byte lanes of i8x16.shuffle picking f32 lanes (0–3 of the first vector, 4–7 of the second). */
function f32Lanes(...lanes: number[]): number[] {
  return lanes.flatMap((lane) => [0, 1, 2, 3].map((b) => lane * 4 + b));
}

export function fastAttentionFits(kernel: AttentionKernel): boolean {
  return kernel.d % 4 === 0 && kernel.dv % 4 === 0 && kernel.d <= 64 && kernel.dv <= 64;
}

export function emitFastAttention(ctx: KernelContext, kernel: AttentionKernel, scoresAt: number): void {
  const { asm } = ctx;
  const { sk, d, dv } = kernel;
  const mask = kernel.mask;
  const d4 = d / 4;
  const dv4 = dv / 4;
  const i32 = (name: string, value?: number): Local => {
    const local = asm.local('i32', name);
    if (value !== undefined) asm.i32Const(value).set(local);
    return local;
  };
  const v128 = (name: string): Local => asm.local('v128', name);
  const q = addressLocal(ctx, kernel.q, 'q');
  const k = addressLocal(ctx, kernel.k, 'k');
  const v = addressLocal(ctx, kernel.v, 'v');
  const out = addressLocal(ctx, kernel.out, 'out');
  const maskAddr = mask === undefined ? undefined : addressLocal(ctx, mask.buffer, 'mask');
  const batches = extentLocal(ctx, productExtent(kernel.lead), 'batches');
  const sq = extentLocal(ctx, kernel.sq, 'sq');
  const fullTiles = i32('fullTiles', Math.floor(sk / KEY_TILE));
  const [p, mi, qi, oi, kj, vj, mj, sp, kp, vp, mp] = ['p', 'mi', 'qi', 'oi', 'kj', 'vj', 'mj', 'sp', 'kp', 'vp', 'mp'].map((n) => i32(n)) as
    [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  asm.i32Const(0).set(p);
  const [m, l, top, next, keep, w, s] = ['m', 'l', 'top', 'next', 'keep', 'w', 's'].map((n) => asm.local('f32', n)) as
    [Local, Local, Local, Local, Local, Local, Local];
  const qt = v128('qt');
  const acc = Array.from({ length: dv4 }, (_, c) => v128(`acc${c}`));
  const dots = [0, 1, 2, 3].map((r) => v128(`dot${r}`));
  const [topv, sv, wv, pairA, pairB] = ['topv', 'sv', 'wv', 'pairA', 'pairB'].map(v128) as [Local, Local, Local, Local, Local];

  /**
   * dots[r] = q · k at kp + r·D for r < rows (lane sums pending), t-major so the rows' chains
   * interleave and each query vector is loaded once for all of them (it stays in L1).
   */
  const dot = (rows: number): void => {
    for (let t = 0; t < d4; t++) {
      asm.get(qi).v128Load(16 * t).set(qt);
      for (let r = 0; r < rows; r++) {
        const target = dots[r] as Local;
        if (t === 0) asm.get(qt).get(kp).v128Load(r * d * 4).v128('f32x4.mul').set(target);
        else if (ctx.relaxed) asm.get(qt).get(kp).v128Load(r * d * 4 + 16 * t).get(target).f32x4RelaxedMadd().set(target);
        else asm.get(target).get(qt).get(kp).v128Load(r * d * 4 + 16 * t).v128('f32x4.mul').v128('f32x4.add').set(target);
      }
    }
  };
  const hsum = (vector: Local): void => {
    asm.get(vector).f32x4ExtractLane(0).get(vector).f32x4ExtractLane(1).f32('f32.add');
    asm.get(vector).f32x4ExtractLane(2).get(vector).f32x4ExtractLane(3).f32('f32.add').f32('f32.add');
  };
  const [d0, d1, d2, d3] = dots as [Local, Local, Local, Local];

  const tile = (len: number, label: string): void => {
    const groups = i32(`groups_${label}`, Math.floor(len / 4));
    const singles = i32(`singles_${label}`, len % 4);
    const keys = i32(`keys_${label}`, len);
    const expGroups = i32(`expGroups_${label}`, Math.ceil(len / 4));
    asm.f32x4Const(-Infinity).set(topv).f32Const(-Infinity).set(top).i32Const(scoresAt).set(sp).get(kj).set(kp);
    if (mask !== undefined) asm.get(mj).set(mp);
    countedLoop(ctx, groups, `score4_${label}`, () => {
      dot(4);
      // (a, b, c, d) → (Σa, Σb, Σc, Σd): pairwise lane sums, then once more across pairs.
      asm.get(d0).get(d1).i8x16Shuffle(f32Lanes(0, 1, 4, 5)).get(d0).get(d1).i8x16Shuffle(f32Lanes(2, 3, 6, 7)).v128('f32x4.add').set(pairA);
      asm.get(d2).get(d3).i8x16Shuffle(f32Lanes(0, 1, 4, 5)).get(d2).get(d3).i8x16Shuffle(f32Lanes(2, 3, 6, 7)).v128('f32x4.add').set(pairB);
      asm.get(pairA).get(pairB).i8x16Shuffle(f32Lanes(0, 2, 4, 6)).get(pairA).get(pairB).i8x16Shuffle(f32Lanes(1, 3, 5, 7)).v128('f32x4.add');
      asm.f32x4Const(kernel.scale).v128('f32x4.mul').set(sv);
      if (mask !== undefined) {
        if (mask.colStride === 1) asm.get(sv).get(mp).v128Load(0).v128('f32x4.add').set(sv);
        else {
          asm.get(mp).v128Load32Splat(0);
          for (let r = 1; r < 4; r++) asm.get(mp).f32Load(r * mask.colStride * 4).f32x4ReplaceLane(r);
          asm.get(sv).v128('f32x4.add').set(sv);
        }
        advance(asm, mp, 4 * mask.colStride * 4);
      }
      asm.get(sp).get(sv).v128Store(0);
      asm.get(topv).get(sv).v128('f32x4.max').set(topv);
      advance(asm, sp, 16);
      advance(asm, kp, 4 * d * 4);
    });
    countedLoop(ctx, singles, `score1_${label}`, () => {
      dot(1);
      hsum(d0);
      asm.f32Const(kernel.scale).f32('f32.mul').set(s);
      if (mask !== undefined) {
        asm.get(s).get(mp).f32Load(0).f32('f32.add').set(s);
        advance(asm, mp, mask.colStride * 4);
      }
      asm.get(sp).get(s).f32Store(0);
      asm.get(top).get(s).f32('f32.max').set(top);
      advance(asm, sp, 4);
      advance(asm, kp, d * 4);
    });
    asm.get(topv).f32x4ExtractLane(0).get(topv).f32x4ExtractLane(1).f32('f32.max');
    asm.get(topv).f32x4ExtractLane(2).get(topv).f32x4ExtractLane(3).f32('f32.max').f32('f32.max');
    asm.get(top).f32('f32.max').get(m).f32('f32.max').set(next);
    // Every key so far masked out (next = -Inf): nothing to add.
    asm.get(next).f32Const(-Infinity).f32('f32.ne').if();
    asm.get(m).get(next).f32('f32.sub').f32x4Splat();
    ctx.library.call(asm, 'exp');
    asm.f32x4ExtractLane(0).set(keep);
    asm.get(l).get(keep).f32('f32.mul').set(l);
    asm.get(keep).f32x4Splat().set(wv);
    for (const a of acc) asm.get(a).get(wv).v128('f32x4.mul').set(a);
    asm.get(next).f32x4Splat().set(wv).i32Const(scoresAt).set(sp);
    countedLoop(ctx, expGroups, `exp_${label}`, () => {
      asm.get(sp).get(sp).v128Load(0).get(wv).v128('f32x4.sub');
      ctx.library.call(asm, 'exp');
      asm.v128Store(0);
      advance(asm, sp, 16);
    });
    asm.i32Const(scoresAt).set(sp).get(vj).set(vp);
    countedLoop(ctx, keys, `values_${label}`, () => {
      asm.get(sp).f32Load(0).tee(w).get(l).f32('f32.add').set(l);
      asm.get(w).f32x4Splat().set(wv);
      acc.forEach((a, c) => {
        if (ctx.relaxed) asm.get(vp).v128Load(16 * c).get(wv).get(a).f32x4RelaxedMadd().set(a);
        else asm.get(a).get(vp).v128Load(16 * c).get(wv).v128('f32x4.mul').v128('f32x4.add').set(a);
      });
      advance(asm, sp, 4);
      advance(asm, vp, dv * 4);
    });
    asm.get(next).set(m);
    asm.end();
    advance(asm, kj, len * d * 4);
    advance(asm, vj, len * dv * 4);
    if (mask !== undefined) advance(asm, mj, len * mask.colStride * 4);
  };

  countedLoop(ctx, batches, 'batch', () => {
    if (maskAddr !== undefined) emitMaskOffset(ctx, kernel, maskAddr, p, mi);
    asm.get(q).set(qi).get(out).set(oi);
    countedLoop(ctx, sq, 'row', () => {
      for (const a of acc) asm.f32x4Const(0).set(a);
      asm.f32Const(-Infinity).set(m).f32Const(0).set(l).get(k).set(kj).get(v).set(vj);
      if (mask !== undefined) asm.get(mi).set(mj);
      countedLoop(ctx, fullTiles, 'tiles', () => tile(KEY_TILE, 'full'));
      if (sk % KEY_TILE !== 0) tile(sk % KEY_TILE, 'last');
      asm.get(l).f32x4Splat().set(wv);
      acc.forEach((a, c) => asm.get(oi).get(a).get(wv).v128('f32x4.div').v128Store(16 * c));
      advance(asm, qi, d * 4);
      advance(asm, oi, dv * 4);
      if (mask !== undefined) advance(asm, mi, mask.rowStride * 4);
    });
    asm.get(q).get(sq).i32Const(d * 4).i32('i32.mul').i32('i32.add').set(q);
    asm.get(out).get(sq).i32Const(dv * 4).i32('i32.mul').i32('i32.add').set(out);
    advance(asm, k, sk * d * 4);
    advance(asm, v, sk * dv * 4);
    asm.get(p).i32Const(1).i32('i32.add').set(p);
  });
}
