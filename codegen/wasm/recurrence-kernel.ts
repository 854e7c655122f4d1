// The recurrence kernel in wasm, mirroring the JS one (codegen/js/kernel-recurrence.ts): per
// direction (unrolled) and batch row, a loop over the row's steps; the gates' dot products
// run on f32x4 lanes along R's contiguous rows when their length is a multiple of 4 (else
// they accumulate in f64 in index order like the interpreter), then the cell bodies run
// through the shared SIMD expression emitter on four hidden units at once (one splatted unit
// per vector when H is not a multiple of 4). The state lives in the output's Y_h/Y_c rows, the step's gate parts in the shared scratch
// region: nothing is allocated per step.

import type { ScalarExpr } from '../../ir/scalar.ts';
import type { BufferRef, RecurrenceKernel } from '../affine-kernels.ts';
import type { FunctionAssembler, Local } from './function-assembler.ts';
import { prepareVectorExpr } from './expr-emit.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { TableWriter, type StaticData, type StaticTable } from './static-data.ts';

/** for (i = from; i < to; i++) body(), both bounds pushed by callbacks. */
function forRange(asm: FunctionAssembler, i: Local, from: () => void, to: () => void, label: string, body: () => void): void {
  from();
  asm.set(i);
  asm.block(`${label}_done`).loop(label);
  asm.get(i);
  to();
  asm.i32('i32.ge_s').brIf(1);
  body();
  asm.get(i).i32Const(1).i32('i32.add').set(i).br(0);
  asm.end().end();
}

export function prepareRecurrenceKernel(kernel: RecurrenceKernel, statics: StaticData): (ctx: KernelContext) => void {
  const GH = kernel.gates * kernel.hidden;
  statics.reserveScratch((2 * GH + 2 * kernel.hidden) * 4);
  let lens: StaticTable | undefined;
  if (kernel.sequenceLens !== undefined) {
    const table = new TableWriter();
    for (const n of kernel.sequenceLens) table.i32(n);
    lens = statics.table(table);
  }
  return (ctx) => emitRecurrence(ctx, kernel, statics.scratchAddress, lens);
}

function emitRecurrence(ctx: KernelContext, k: RecurrenceKernel, scratch: number, lens: StaticTable | undefined): void {
  const { asm } = ctx;
  const { hidden: H, gates: G, steps: T, directions: D } = k;
  const GH = G * H;
  const rows = T + k.states;
  const local = (ref: BufferRef | undefined, name: string): Local | undefined => (ref === undefined ? undefined : addressLocal(ctx, ref, name));
  const out = addressLocal(ctx, k.out, 'out');
  const x = addressLocal(ctx, k.x, 'x');
  const r = addressLocal(ctx, k.r, 'r');
  const bias = addressLocal(ctx, k.bias, 'bias');
  const w = local(k.inputWeight, 'w');
  const h0 = local(k.initialH, 'h0');
  const c0 = local(k.initialC, 'c0');
  const peep = local(k.peepholes, 'peep');
  const B = extentLocal(ctx, k.batch, 'B');
  const [b, s, t, j, row, kk, len] = ['b', 's', 't', 'j', 'row', 'k', 'len'].map((name) => asm.local('i32', name)) as [Local, Local, Local, Local, Local, Local, Local];
  const [hAt, cAt, xAt, yAt, at, src, mat] = ['hAt', 'cAt', 'xAt', 'yAt', 'at', 'src', 'mat'].map((name) => asm.local('i32', name)) as [Local, Local, Local, Local, Local, Local, Local];
  const acc = asm.local('f64', 'acc');
  const [vacc, vacc2] = [asm.local('v128', 'vacc'), asm.local('v128', 'vacc2')];
  const [p, q, chunks] = [asm.local('i32', 'p'), asm.local('i32', 'q'), asm.local('i32', 'chunks')];
  const block = [0, 1, 2, 3].map((i) => asm.local('v128', `blk${i}`));
  const hv = asm.local('v128', 'hv');
  const cNew = asm.local('v128', 'cNew');
  const hNew = asm.local('v128', 'hNew');

  /** Pushes out + (((row·D + d)·B + b)·H)·4 (layout 0) or out + (((b·rows + row)·D + d)·H)·4. */
  const pushOutAt = (pushRow: () => void, d: number): void => {
    asm.get(out);
    if (k.layout === 0) {
      pushRow();
      asm.i32Const(D).i32('i32.mul').i32Const(d).i32('i32.add').get(B).i32('i32.mul').get(b).i32('i32.add');
    } else {
      asm.get(b).i32Const(rows).i32('i32.mul');
      pushRow();
      asm.i32('i32.add').i32Const(D).i32('i32.mul').i32Const(d).i32('i32.add');
    }
    asm.i32Const(H * 4).i32('i32.mul').i32('i32.add');
  };
  /** Pushes base + state(d, b)·4 for initial_h/initial_c. */
  const pushStateAt = (base: Local, d: number): void => {
    asm.get(base);
    if (k.layout === 0) asm.i32Const(d).get(B).i32('i32.mul').get(b).i32('i32.add');
    else asm.get(b).i32Const(D).i32('i32.mul').i32Const(d).i32('i32.add');
    asm.i32Const(H * 4).i32('i32.mul').i32('i32.add');
  };
  /**
   * scratch[dst + row] = f32(f32(Σ_k src[k]·mat[row·n + k]) + bias[biasAt + row]) for row <
   * count; `src` and `mat` hold byte addresses set by the caller.
   */
  const products = (dst: number, count: number, n: number, biasFloats: number): void => {
    if (n % 4 === 0 && count % 4 === 0) {
      blockProducts(dst, count, n, biasFloats);
      return;
    }
    forRange(asm, row, () => asm.i32Const(0), () => asm.i32Const(count), 'row', () => {
      // at = mat + row·n·4
      asm.get(mat).get(row).i32Const(n * 4).i32('i32.mul').i32('i32.add').set(at);
      // The destination's address, then the sum (rounded to f32), then the bias.
      asm.i32Const(scratch + dst * 4).get(row).i32Const(4).i32('i32.mul').i32('i32.add');
      if (n % 4 === 0) vectorDot(n);
      else scalarDot(n);
      asm.get(bias).get(row).i32Const(4).i32('i32.mul').i32('i32.add').f32Load(biasFloats * 4);
      asm.f32('f32.add').f32Store(0);
    });
  };
  /**
   * Four rows at a time: each f32x4 of src is loaded once for four row accumulators (rows
   * n·4 bytes apart, immediate offsets), then each accumulator's lanes are added and the
   * bias added. f32 sums in another order than the interpreter's: see vectorDot.
   */
  const blockProducts = (dst: number, count: number, n: number, biasFloats: number): void => {
    forRange(asm, row, () => asm.i32Const(0), () => asm.i32Const(count / 4), 'rows4', () => {
      for (const a of block) asm.f32x4Const(0).set(a);
      asm.get(src).set(p);
      asm.get(mat).get(row).i32Const(4 * n * 4).i32('i32.mul').i32('i32.add').set(q);
      asm.i32Const(n / 4).set(chunks);
      countedLoop(ctx, chunks, 'bdot', () => {
        asm.get(p).v128Load(0).set(hv);
        block.forEach((a, i) => { asm.get(a).get(hv).get(q).v128Load(i * n * 4).v128('f32x4.mul').v128('f32x4.add').set(a); });
        advance(asm, p, 16);
        advance(asm, q, 16);
      });
      // at = byte offset of the block's first row (row·16), for the stores and the bias.
      asm.get(row).i32Const(16).i32('i32.mul').set(at);
      block.forEach((a, i) => {
        asm.i32Const(scratch + dst * 4).get(at).i32('i32.add');
        asm.get(a).f32x4ExtractLane(0).get(a).f32x4ExtractLane(1).f32('f32.add');
        asm.get(a).f32x4ExtractLane(2).get(a).f32x4ExtractLane(3).f32('f32.add').f32('f32.add');
        asm.get(bias).get(at).i32('i32.add').f32Load((biasFloats + i) * 4);
        asm.f32('f32.add').f32Store(i * 4);
      });
    });
  };
  /** Pushes f32(Σ src[k]·at[k]) summed in f64 in index order (the interpreter's sum). */
  const scalarDot = (n: number): void => {
    asm.f64Const(0).set(acc);
    forRange(asm, kk, () => asm.i32Const(0), () => asm.i32Const(n), 'dot', () => {
      asm.get(acc);
      asm.get(src).get(kk).i32Const(4).i32('i32.mul').i32('i32.add').f32Load(0).f32('f64.promote_f32');
      asm.get(at).get(kk).i32Const(4).i32('i32.mul').i32('i32.add').f32Load(0).f32('f64.promote_f32');
      asm.f32('f64.mul').f32('f64.add').set(acc);
    });
    asm.get(acc).f32('f32.demote_f64');
  };
  /**
   * Pushes Σ src[k]·at[k] for n a multiple of 4: f32x4 partial sums (two accumulators when n
   * is a multiple of 8), then the lanes added. An f32 sum in another order than the
   * interpreter's f64 one: within the recurrent tolerance (src/tolerance.ts), and 4–8 times
   * fewer instructions than the scalar loop, which dominated a step.
   */
  const vectorDot = (n: number): void => {
    const pairs = n % 8 === 0;
    asm.f32x4Const(0).set(vacc).f32x4Const(0).set(vacc2);
    asm.get(src).set(p).get(at).set(q);
    asm.i32Const(pairs ? n / 8 : n / 4).set(chunks);
    countedLoop(ctx, chunks, 'vdot', () => {
      asm.get(vacc).get(p).v128Load(0).get(q).v128Load(0).v128('f32x4.mul').v128('f32x4.add').set(vacc);
      if (pairs) asm.get(vacc2).get(p).v128Load(16).get(q).v128Load(16).v128('f32x4.mul').v128('f32x4.add').set(vacc2);
      advance(asm, p, pairs ? 32 : 16);
      advance(asm, q, pairs ? 32 : 16);
    });
    asm.get(vacc).get(vacc2).v128('f32x4.add').set(vacc);
    asm.get(vacc).f32x4ExtractLane(0).get(vacc).f32x4ExtractLane(1).f32('f32.add');
    asm.get(vacc).f32x4ExtractLane(2).get(vacc).f32x4ExtractLane(3).f32('f32.add').f32('f32.add');
  };

  // The cell bodies run on four units at once when H is a multiple of 4, else one unit per
  // (splatted) vector.
  const lanes = H % 4 === 0 ? 4 : 1;
  const load = (offset: number): void => { if (lanes === 4) asm.v128Load(offset); else asm.v128Load32Splat(offset); };
  const store = (offset: number): void => { if (lanes === 4) asm.v128Store(offset); else asm.v128Store32Lane(offset, 0); };
  /** Scalar loops over the units (state init, padding) step one unit at a time. */
  const perScalarUnit = (label: string, body: () => void): void => {
    forRange(asm, j, () => asm.i32Const(0), () => asm.i32Const(H), label, () => {
      asm.get(j).i32Const(4).i32('i32.mul').set(at);
      body();
    });
  };

  for (let d = 0; d < D; d++) {
    const bodies = k.bodies[d];
    if (bodies === undefined) continue;
    /** Pushes operand $index of the cell bodies for the units at `at` (4 of them, or 1 splatted). */
    const operand = (index: number): void => {
      if (index < G) {
        if (w !== undefined) { asm.i32Const(scratch).get(at).i32('i32.add'); load((GH + index * H) * 4); }
        else { asm.get(xAt).get(at).i32('i32.add'); load((d * GH + index * H) * 4); }
      } else if (index < 2 * G) {
        asm.i32Const(scratch).get(at).i32('i32.add'); load((index - G) * H * 4);
      } else if (index === 2 * G) {
        asm.get(hAt).get(at).i32('i32.add'); load(0);
      } else if (index === 2 * G + 1) {
        asm.get(cAt).get(at).i32('i32.add'); load(0);
      } else if (index < 2 * G + 5) {
        if (peep === undefined) asm.f32x4Const(0);
        else { asm.get(peep).get(at).i32('i32.add'); load((d * 3 * H + (index - 2 * G - 2) * H) * 4); }
      } else if (index === 2 * G + 5) {
        asm.get(cNew);
      } else {
        asm.i32Const(scratch).get(at).i32('i32.add'); load(2 * GH * 4);
      }
    };
    const prepared = (expr: ScalarExpr | undefined): (() => void) | undefined => {
      if (expr === undefined) return undefined;
      const emit = prepareVectorExpr(asm, expr);
      return () => emit({ operand, library: ctx.library });
    };
    const [emitC, emitReset, emitH] = [prepared(bodies.c), prepared(bodies.reset), prepared(bodies.h)];
    /** Runs `body` per group of `lanes` units, `at` = the group's first unit × 4 bytes. */
    const perUnit = (label: string, body: () => void): void => {
      forRange(asm, j, () => asm.i32Const(0), () => asm.i32Const(H / lanes), label, () => {
        asm.get(j).i32Const(4 * lanes).i32('i32.mul').set(at);
        body();
      });
    };

    forRange(asm, b, () => asm.i32Const(0), () => asm.get(B), `batch${d}`, () => {
      pushOutAt(() => asm.i32Const(T), d);
      asm.set(hAt);
      if (k.states > 1) {
        pushOutAt(() => asm.i32Const(T + 1), d);
        asm.set(cAt);
      }
      if (lens === undefined) asm.i32Const(T).set(len);
      else asm.i32Const(lens.address).get(b).i32Const(4).i32('i32.mul').i32('i32.add').i32Load(0).set(len);
      // Initial state (or zeros) into the state rows.
      perScalarUnit(`init${d}`, () => {
        asm.get(hAt).get(at).i32('i32.add');
        if (h0 === undefined) asm.f32Const(0);
        else { pushStateAt(h0, d); asm.get(at).i32('i32.add').f32Load(0); }
        asm.f32Store(0);
        if (k.states > 1) {
          asm.get(cAt).get(at).i32('i32.add');
          if (c0 === undefined) asm.f32Const(0);
          else { pushStateAt(c0, d); asm.get(at).i32('i32.add').f32Load(0); }
          asm.f32Store(0);
        }
      });
      // Y rows past the row's length are zero.
      forRange(asm, s, () => asm.get(len), () => asm.i32Const(T), `pad${d}`, () => {
        pushOutAt(() => asm.get(s), d);
        asm.set(yAt);
        perScalarUnit(`padj${d}`, () => { asm.get(yAt).get(at).i32('i32.add').f32Const(0).f32Store(0); });
      });
      forRange(asm, s, () => asm.i32Const(0), () => asm.get(len), `step${d}`, () => {
        if (k.reverse[d] === true) asm.get(len).i32Const(1).i32('i32.sub').get(s).i32('i32.sub').set(t);
        else asm.get(s).set(t);
        // xAt = x + row(t, b)·xWidth·4
        asm.get(x);
        if (k.layout === 0) asm.get(t).get(B).i32('i32.mul').get(b).i32('i32.add');
        else asm.get(b).i32Const(T).i32('i32.mul').get(t).i32('i32.add');
        asm.i32Const(k.xWidth * 4).i32('i32.mul').i32('i32.add').set(xAt);
        pushOutAt(() => asm.get(t), d);
        asm.set(yAt);
        const hiddenRows = G === 3 && !k.linearBeforeReset ? 2 * H : GH;
        asm.get(hAt).set(src);
        asm.get(r).i32Const(d * GH * H * 4).i32('i32.add').set(mat);
        products(0, hiddenRows, H, d * k.biasStride + k.hiddenBiasOffset);
        if (w !== undefined) {
          asm.get(xAt).set(src);
          asm.get(w).i32Const(d * GH * k.xWidth * 4).i32('i32.add').set(mat);
          products(GH, GH, k.xWidth, d * k.biasStride);
        }
        if (emitReset !== undefined) {
          perUnit(`reset${d}`, () => {
            asm.i32Const(scratch).get(at).i32('i32.add');
            emitReset();
            asm.tee(hNew); store(2 * GH * 4);
            asm.i32Const(scratch).get(at).i32('i32.add');
            asm.get(hNew).get(hAt).get(at).i32('i32.add'); load(0); asm.v128('f32x4.mul'); store((2 * GH + H) * 4);
          });
          if (!k.linearBeforeReset) {
            asm.i32Const(scratch + (2 * GH + H) * 4).set(src);
            asm.get(r).i32Const((d * GH * H + 2 * H * H) * 4).i32('i32.add').set(mat);
            products(2 * H, H, H, d * k.biasStride + k.hiddenBiasOffset + 2 * H);
          }
        }
        perUnit(`unit${d}`, () => {
          if (emitC !== undefined) { emitC(); asm.set(cNew); }
          emitH?.();
          asm.set(hNew);
          asm.get(yAt).get(at).i32('i32.add').get(hNew); store(0);
          asm.get(hAt).get(at).i32('i32.add').get(hNew); store(0);
          if (emitC !== undefined) { asm.get(cAt).get(at).i32('i32.add').get(cNew); store(0); }
        });
      });
    });
  }
}
