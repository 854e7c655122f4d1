// The blocked attention kernel for D and Dv multiples of 4 (every transformer head size in
// practice), shaped like a GEMM: per head, K is packed into panels of four keys
// (attention-pack.ts); per block of ROWS query rows and tile of TILE keys,
//  1. scores S = Q·Kᵀ·scale + mask by a register-blocked micro-kernel (ROWS rows × 8 keys of
//     f32x4 accumulators, one q value splat per row and depth step, as linear-kernel.ts);
//  2. the online softmax, one lane per row: tile maxima, m' = max(m, tile max), weights
//     p = e^(s − m') in place by the inlined vector exp, α = e^(m − m'), l = α·l + Σp;
//  3. O = α·O + P·V by a second micro-kernel (ROWS rows × 8 columns of Dv per pass over the
//     tile's keys, O in scratch between passes), and out = O / l after the last tile.
// Scratch is the packed K (Sk·D), one tile of scores per row and O: never the Sq×Sk matrix;
// threads split each head's query rows in whole blocks, each in its own scratch.
// A run-time Sk (several symbols) reads Sk from its slot, packs K into the layout's tail region
// (sized by the symbols, one region: such a kernel never splits, program.ts) and runs the
// remainder tile with its length read at run time.
// Leftover query rows (Sq mod ROWS) run the same code with one row per block. Both products
// run at ≈ 60 GFLOP/s on one core (plain SIMD's mul + add bound); the exp pass costs about a
// quarter (test/bench/seq/attention-bench.ts: 4 heads of 32 at S = 256, 0.84 ms, 2.0 before).

import { productExtent, type AttentionKernel, type Extent } from '../affine-kernels.ts';
import { emitPackKeys, f32Lanes, packedKeyBytes } from './attention-pack.ts';
import { emitMaskOffset } from './attention-mask.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, pushAddress, pushAffine, type KernelContext } from './kernel-context.ts';
import { emitShare, threadScratch, threadTail } from './threads.ts';
import { NonPositiveExp } from './math-library.ts';

/** Query rows per block: four rows' running max and sum are the lanes of one vector. */
const ROWS = 4;
/** Keys per online-softmax tile (a multiple of 8). */
const TILE = 64;

export function fastAttentionFits(kernel: AttentionKernel): boolean {
  return kernel.d % 4 === 0 && kernel.dv % 4 === 0 && kernel.d <= 128;
}

/** The static key length, or undefined for a run-time one (its packed keys go to the layout's tail). */
function staticKeys(kernel: AttentionKernel): number | undefined {
  return kernel.sk.perSample === 0 ? kernel.sk.fixed : undefined;
}

/** Scratch bytes: packed K (static Sk), ROWS rows of tile scores, ROWS rows of the Dv accumulator. */
export function fastAttentionScratch(kernel: AttentionKernel): number {
  const sk = staticKeys(kernel);
  return (sk === undefined ? 0 : packedKeyBytes(sk, kernel.d)) + ROWS * scoreStride(kernel) + ROWS * kernel.dv * 4;
}

/** Bytes between two rows of tile scores. */
function scoreStride(kernel: AttentionKernel): number {
  return Math.ceil(Math.min(TILE, staticKeys(kernel) ?? TILE) / 4) * 16;
}

/** ptr += extent · factor bytes (an extent that may be a run-time size). */
export function advanceBy(ctx: KernelContext, pointer: Local, extent: Extent, factor: number): void {
  if (extent.perSample === 0) {
    advance(ctx.asm, pointer, extent.fixed * factor);
    return;
  }
  ctx.asm.get(pointer);
  pushAffine(ctx, extent);
  ctx.asm.i32Const(factor).i32('i32.mul').i32('i32.add').set(pointer);
}

/**
 * pointer = from + `rows` rows of `row`: bytes, or an extent of floats (a mask's row stride may
 * be a run-time size). How a thread's share of query rows starts.
 */
export function skipRows(ctx: KernelContext, pointer: Local, from: Local, rows: Local, row: number | Extent): void {
  const { asm } = ctx;
  asm.get(from).get(rows);
  if (typeof row === 'number') asm.i32Const(row);
  else if (row.perSample === 0) asm.i32Const(row.fixed * 4);
  else { pushAffine(ctx, row); asm.i32Const(4).i32('i32.mul'); }
  asm.i32('i32.mul').i32('i32.add').set(pointer);
}

export function emitFastAttention(ctx: KernelContext, kernel: AttentionKernel, scratchAt: number): void {
  const { asm } = ctx;
  const { d, dv, mask } = kernel;
  const sk = staticKeys(kernel);
  // A run-time Sk: the packed keys at the layout's tail (sized by the symbols), the rest in scratch.
  const tail = ctx.layout.tail;
  if (sk === undefined && tail === undefined) throw new Error('internal: attention over a run-time key length without a tail scratch');
  // Offsets in this thread's scratch (threads.ts): packed K (a static Sk), tile scores, O.
  const base = threadScratch(ctx, scratchAt);
  const panelsAt = 0;
  const scoresAt = sk === undefined ? 0 : panelsAt + packedKeyBytes(sk, d);
  const stride = scoreStride(kernel);
  const accAt = scoresAt + ROWS * stride;
  /** Pushes the scratch address at `offset`. */
  const scratch = (offset: number): void => pushAddress(asm, base, offset);
  const i32 = (name: string, value?: number): Local => {
    const local = asm.local('i32', name);
    if (value !== undefined) asm.i32Const(value).set(local);
    return local;
  };
  const v128 = (name: string): Local => asm.local('v128', name);
  const exp = new NonPositiveExp(asm);
  const q = addressLocal(ctx, kernel.q, 'q');
  const k = addressLocal(ctx, kernel.k, 'k');
  const v = addressLocal(ctx, kernel.v, 'v');
  const out = addressLocal(ctx, kernel.out, 'out');
  const maskAddr = mask === undefined ? undefined : addressLocal(ctx, mask.buffer, 'mask');
  const batches = extentLocal(ctx, productExtent(kernel.lead), 'batches');
  const sq = extentLocal(ctx, kernel.sq, 'sq');
  const [p, mi, qi, oi, vj, mj, sp, kk, mp, vp, oc, vc, blocks, rest] =
    ['p', 'mi', 'qi', 'oi', 'vj', 'mj', 'sp', 'kk', 'mp', 'vp', 'oc', 'vc', 'blocks', 'rest'].map((n) => i32(n)) as
    [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const qp = i32('qp');
  const depth = i32('depth', d);
  const skLocal = sk === undefined ? extentLocal(ctx, kernel.sk, 'sk') : undefined;
  const panels = tail === undefined || sk !== undefined ? undefined : threadTail(ctx, base);
  const fullTiles = i32('fullTiles', sk === undefined ? undefined : Math.floor(sk / TILE));
  if (skLocal !== undefined) asm.get(skLocal).i32Const(6).i32('i32.shr_u').set(fullTiles);
  // The mask's row stride in bytes: static, or r · stride per row of a block (a full [S, S] mask of a run-time S).
  const rowStatic = mask === undefined || mask.rowStride.perSample === 0 ? (mask?.rowStride.fixed ?? 0) * 4 : undefined;
  const rowOffsets = mask === undefined || rowStatic !== undefined ? [] : [1, 2, 3].map((r) => {
    const local = i32(`maskRow${r}`);
    pushAffine(ctx, mask.rowStride);
    asm.i32Const(4 * r).i32('i32.mul').set(local);
    return local;
  });
  /** Pushes the address of mask row r of the step at mp (the static part of the offset is the load's). */
  const maskRow = (r: number): number => {
    asm.get(mp);
    if (rowStatic !== undefined) return r * rowStatic;
    const offset = rowOffsets[r - 1];
    if (offset !== undefined) asm.get(offset).i32('i32.add');
    return 0;
  };
  const pairChunks = i32('pairChunks', Math.floor(dv / 8));
  const outVectors = i32('outVectors', dv / 4);
  asm.i32Const(0).set(p);
  const acc = Array.from({ length: 8 }, (_, i) => v128(`acc${i}`));
  const [kv0, kv1, splat] = ['kv0', 'kv1', 'splat'].map(v128) as [Local, Local, Local];
  const tops = [0, 1, 2, 3].map((r) => v128(`top${r}`));
  const alphas = [0, 1, 2, 3].map((r) => v128(`alpha${r}`));
  const [m, l, mUse, alpha, x, y, sum] = ['m', 'l', 'mUse', 'alpha', 'x', 'y', 'sum'].map(v128) as
    [Local, Local, Local, Local, Local, Local, Local];
  const scale = v128('scale');
  asm.f32x4Const(kernel.scale).set(scale);
  const laneOf = (vector: Local, lane: number): void => {
    asm.get(vector).get(vector).i8x16Shuffle(f32Lanes(lane, lane, lane, lane));
  };
  /** Accumulator of row r, key (or value) vector g. */
  const accOf = (r: number, g: number): Local => acc[r * 2 + g] as Local;

  /** Pushes the mask's vector for row r, keys 4g.. of the step at mp (`lanes` of them present). */
  const maskVector = (r: number, g: number, lanes: number): void => {
    if (mask === undefined) return;
    const base = g * 4 * mask.colStride * 4;
    if (mask.colStride === 0) asm.v128Load32Splat(maskRow(r) + base);
    else if (mask.colStride === 1 && lanes === 4) asm.v128Load(maskRow(r) + base);
    else {
      asm.v128Load32Splat(maskRow(r) + base);
      for (let lane = 1; lane < lanes; lane++) {
        const row = maskRow(r);
        asm.f32Load(row + base + lane * mask.colStride * 4).f32x4ReplaceLane(lane);
      }
    }
  };

  /** Scores of `rows` rows against 4·groups keys (the last group has `lanes` keys) to the tile scratch. */
  const scoreStep = (rows: number, groups: number, lanes: number): void => {
    const kvs = [kv0, kv1].slice(0, groups);
    // The depth loop stays a loop: fully unrolled, V8 keeps fewer values in registers (as emit-linear.ts measured).
    for (let r = 0; r < rows; r++) kvs.forEach((_, g) => asm.f32x4Const(0).set(accOf(r, g)));
    asm.get(qi).set(qp);
    countedLoop(ctx, depth, `depth_${rows}_${groups}_${lanes}`, () => {
      kvs.forEach((kv, g) => asm.get(kk).v128Load(g * d * 16).set(kv));
      for (let r = 0; r < rows; r++) {
        asm.get(qp).v128Load32Splat(r * d * 4).set(splat);
        kvs.forEach((kv, g) => {
          const target = accOf(r, g);
          if (ctx.relaxed) asm.get(splat).get(kv).get(target).f32x4RelaxedMadd().set(target);
          else asm.get(target).get(splat).get(kv).v128('f32x4.mul').v128('f32x4.add').set(target);
        });
      }
      advance(asm, kk, 16);
      advance(asm, qp, 4);
    });
    for (let r = 0; r < rows; r++) {
      kvs.forEach((_, g) => {
        const present = g === groups - 1 ? lanes : 4;
        asm.get(sp).get(accOf(r, g)).get(scale).v128('f32x4.mul');
        if (mask !== undefined) { maskVector(r, g, present); asm.v128('f32x4.add'); }
        // Keys past Sk: −Inf, weight 0.
        if (present < 4) asm.f32x4Const(-Infinity).i32x4Const(0).i32x4Const(-1).i8x16Shuffle(laneMask(present)).v128Bitselect();
        asm.v128Store(r * stride + g * 16);
      });
    }
    advance(asm, kk, (groups - 1) * d * 16);
    advance(asm, sp, groups * 16);
    if (mask !== undefined) advance(asm, mp, groups * 4 * mask.colStride * 4);
  };

  /** Four row vectors to one vector of their horizontal reductions (lane r: row r), or all lanes for one row. */
  const reduceRows = (vectors: readonly Local[], rows: number, op: 'f32x4.pmax' | 'f32x4.add'): void => {
    const [a, b, c, e] = vectors as [Local, Local, Local, Local];
    if (rows === 1) {
      asm.get(a).get(a).get(a).i8x16Shuffle(f32Lanes(2, 3, 0, 1)).v128(op).set(x);
      asm.get(x).get(x).get(x).i8x16Shuffle(f32Lanes(1, 0, 3, 2)).v128(op);
      return;
    }
    asm.get(a).get(b).i8x16Shuffle(f32Lanes(0, 1, 4, 5)).get(a).get(b).i8x16Shuffle(f32Lanes(2, 3, 6, 7)).v128(op).set(x);
    asm.get(c).get(e).i8x16Shuffle(f32Lanes(0, 1, 4, 5)).get(c).get(e).i8x16Shuffle(f32Lanes(2, 3, 6, 7)).v128(op).set(y);
    asm.get(x).get(y).i8x16Shuffle(f32Lanes(0, 2, 4, 6)).get(x).get(y).i8x16Shuffle(f32Lanes(1, 3, 5, 7)).v128(op);
  };

  /** The online softmax update for a tile of `len` keys whose scores are in scratch. */
  const softmax = (rows: number, len: number, label: string): void => {
    const vectors = Math.ceil(len / 4);
    for (let r = 0; r < rows; r++) {
      // Two max chains (pmax: one instruction; a NaN score still reaches the output through e^NaN).
      const row = scoresAt + r * stride;
      asm.get(base).v128Load(row).set(tops[r] as Local);
      if (vectors > 1) asm.get(base).v128Load(row + 16).set(y);
      for (let c = 2; c < vectors; c++) {
        const chain = c % 2 === 0 ? tops[r] as Local : y;
        asm.get(chain).get(base).v128Load(row + c * 16).v128('f32x4.pmax').set(chain);
      }
      if (vectors > 1) asm.get(tops[r] as Local).get(y).v128('f32x4.pmax').set(tops[r] as Local);
    }
    reduceRows(tops, rows, 'f32x4.pmax');
    asm.get(m).v128('f32x4.max').set(x);
    // A row with every key so far at −Inf uses 0 for m' (weights e^−Inf = 0, α = 0, no NaN).
    asm.f32x4Const(0).get(x).get(x).f32x4Const(-Infinity).v128('f32x4.eq').v128Bitselect().set(mUse);
    asm.get(m).get(mUse).v128('f32x4.sub').set(y);
    exp.push(y);
    asm.set(alpha).get(x).set(m);
    const count = i32(`expVectors_${label}`, vectors);
    for (let r = 0; r < rows; r++) {
      laneOf(mUse, r);
      asm.set(splat).f32x4Const(0).set(tops[r] as Local);
      scratch(scoresAt + r * stride);
      asm.set(sp);
      countedLoop(ctx, count, `exp${r}_${label}`, () => {
        asm.get(sp).v128Load(0).get(splat).v128('f32x4.sub').set(y);
        exp.push(y);
        asm.set(y).get(sp).get(y).v128Store(0);
        asm.get(tops[r] as Local).get(y).v128('f32x4.add').set(tops[r] as Local);
        advance(asm, sp, 16);
      });
    }
    reduceRows(tops, rows, 'f32x4.add');
    asm.set(sum).get(l).get(alpha).v128('f32x4.mul').get(sum).v128('f32x4.add').set(l);
  };

  /** O[rows, 4·groups columns at oc] = α·O + P·V over `len` keys (V's columns at vc). */
  const valueStep = (rows: number, groups: number, len: number | Local, label: string): void => {
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < groups; g++) {
        asm.get(oc).v128Load(r * dv * 4 + g * 16).get(alphas[r] as Local).v128('f32x4.mul').set(accOf(r, g));
      }
    }
    const keys = typeof len === 'number' ? i32(`keys_${label}`, len) : len;
    scratch(scoresAt);
    asm.set(sp).get(vc).set(vp);
    const kvs = [kv0, kv1].slice(0, groups);
    countedLoop(ctx, keys, `pv_${label}`, () => {
      kvs.forEach((kv, g) => asm.get(vp).v128Load(g * 16).set(kv));
      for (let r = 0; r < rows; r++) {
        asm.get(sp).v128Load32Splat(r * stride).set(splat);
        kvs.forEach((kv, g) => {
          const target = accOf(r, g);
          if (ctx.relaxed) asm.get(splat).get(kv).get(target).f32x4RelaxedMadd().set(target);
          else asm.get(target).get(splat).get(kv).v128('f32x4.mul').v128('f32x4.add').set(target);
        });
      }
      advance(asm, sp, 4);
      advance(asm, vp, dv * 4);
    });
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < groups; g++) asm.get(oc).get(accOf(r, g)).v128Store(r * dv * 4 + g * 16);
    }
  };

  /**
   * One tile of `len` keys, or with `rest` the run-time remainder tile (1–63 keys): its scores
   * first all −Inf, then whole steps of eight keys (the packed keys past Sk are zeros), the
   * scores past Sk set back to −Inf, the softmax over the whole tile, and P·V over `rest` keys.
   */
  const tile = (rows: number, len: number, label: string, rest?: Local): void => {
    if (rest !== undefined) {
      const fill = i32(`fill_${label}`, rows * stride / 16);
      scratch(scoresAt);
      asm.set(sp);
      countedLoop(ctx, fill, `fill_${label}`, () => { asm.get(sp).f32x4Const(-Infinity).v128Store(0); advance(asm, sp, 16); });
    }
    scratch(scoresAt);
    asm.set(sp);
    if (mask !== undefined) asm.get(mj).set(mp);
    const steps = i32(`steps_${label}`, rest === undefined ? Math.floor(len / 8) : undefined);
    if (rest !== undefined) asm.get(rest).i32Const(7).i32('i32.add').i32Const(3).i32('i32.shr_u').set(steps);
    countedLoop(ctx, steps, `score_${label}`, () => scoreStep(rows, 2, 4));
    if (rest === undefined) {
      if (len % 8 >= 4) scoreStep(rows, 1, 4);
      if (len % 4 !== 0) scoreStep(rows, 1, len % 4);
    } else {
      // Keys rest .. ⌈rest/8⌉·8 − 1 were scored against zero panels: −Inf again (weight 0).
      const past = i32(`past_${label}`);
      asm.get(rest).i32Const(-8).i32('i32.and').i32Const(8).i32('i32.add').get(rest).i32('i32.sub').i32Const(7).i32('i32.and').set(past);
      asm.get(rest).i32Const(2).i32('i32.shl');
      scratch(scoresAt);
      asm.i32('i32.add').set(sp);
      countedLoop(ctx, past, `past_${label}`, () => {
        for (let r = 0; r < rows; r++) asm.get(sp).f32Const(-Infinity).f32Store(r * stride);
        advance(asm, sp, 4);
      });
    }
    softmax(rows, len, label);
    for (let r = 0; r < rows; r++) { laneOf(alpha, r); asm.set(alphas[r] as Local); }
    scratch(accAt);
    asm.set(oc).get(vj).set(vc);
    countedLoop(ctx, pairChunks, `chunks_${label}`, () => {
      valueStep(rows, 2, rest ?? len, `${label}2`);
      advance(asm, oc, 32);
      advance(asm, vc, 32);
    });
    if (dv % 8 !== 0) valueStep(rows, 1, rest ?? len, `${label}1`);
    advance(asm, vj, len * dv * 4);
    if (mask !== undefined) advance(asm, mj, len * mask.colStride * 4);
  };

  /** One block of `rows` query rows at qi (output at oi, mask rows at mi) over all keys. */
  const block = (rows: number): void => {
    asm.f32x4Const(-Infinity).set(m).f32x4Const(0).set(l).get(v).set(vj);
    if (panels === undefined) scratch(panelsAt);
    else asm.get(panels);
    asm.set(kk);
    scratch(accAt);
    asm.set(oc);
    if (mask !== undefined) asm.get(mi).set(mj);
    const zeros = i32(`zeros_${rows}`, rows * dv / 4);
    countedLoop(ctx, zeros, `zero_${rows}`, () => { asm.get(oc).f32x4Const(0).v128Store(0); advance(asm, oc, 16); });
    countedLoop(ctx, fullTiles, `tiles_${rows}`, () => tile(rows, TILE, `full${rows}`));
    if (sk !== undefined && sk % TILE !== 0) tile(rows, sk % TILE, `last${rows}`);
    if (skLocal !== undefined) {
      const rest = i32(`rest_${rows}`);
      asm.get(skLocal).i32Const(TILE - 1).i32('i32.and').tee(rest).if();
      tile(rows, TILE, `rest${rows}`, rest);
      asm.end();
    }
    for (let r = 0; r < rows; r++) {
      laneOf(l, r);
      asm.set(splat);
      scratch(accAt + r * dv * 4);
      asm.set(oc).get(oi).set(vp);
      countedLoop(ctx, outVectors, `out${r}_${rows}`, () => {
        asm.get(vp).get(oc).v128Load(0).get(splat).v128('f32x4.div').v128Store(r * dv * 4);
        advance(asm, oc, 16);
        advance(asm, vp, 16);
      });
    }
  };

  const rowsDone = (rows: number): void => {
    advance(asm, qi, rows * d * 4);
    advance(asm, oi, rows * dv * 4);
    if (mask !== undefined) advanceBy(ctx, mi, mask.rowStride, rows * 4);
  };

  // Threads split each head's query rows in whole blocks (each packs the head's K itself).
  const share = emitShare(ctx, sq, ROWS, 'rows');
  const mine = i32('mine');
  asm.get(share.end).get(share.start).i32('i32.sub').set(mine);
  const skip = (pointer: Local, from: Local, row: number | Extent): void => skipRows(ctx, pointer, from, share.start, row);
  countedLoop(ctx, batches, 'batch', () => {
    if (maskAddr !== undefined && mask !== undefined) {
      emitMaskOffset(ctx, kernel, maskAddr, p, mi);
      skip(mi, mi, mask.rowStride);
    }
    emitPackKeys(ctx, sk ?? skLocal ?? 0, d, k, panels ?? base, acc.slice(0, 4), acc.slice(4, 8));
    skip(qi, q, d * 4);
    skip(oi, out, dv * 4);
    asm.get(mine).i32Const(2).i32('i32.shr_u').set(blocks).get(mine).i32Const(3).i32('i32.and').set(rest);
    countedLoop(ctx, blocks, 'blocks', () => { block(ROWS); rowsDone(ROWS); });
    countedLoop(ctx, rest, 'rest', () => { block(1); rowsDone(1); });
    asm.get(q).get(sq).i32Const(d * 4).i32('i32.mul').i32('i32.add').set(q);
    asm.get(out).get(sq).i32Const(dv * 4).i32('i32.mul').i32('i32.add').set(out);
    advanceBy(ctx, k, kernel.sk, d * 4);
    advanceBy(ctx, v, kernel.sk, dv * 4);
    asm.get(p).i32Const(1).i32('i32.add').set(p);
  });
}

/** Shuffle bytes taking lanes below `present` from the second vector (all ones), the rest from the first (zeros). */
function laneMask(present: number): number[] {
  return f32Lanes(...[0, 1, 2, 3].map((lane) => (lane < present ? 4 : 0)));
}
