// Depthwise convolution (one input channel per group, a few outputs per channel): a GEMM row
// of K = taps would leave the micro-kernel idle, so each channel is its own stencil. The
// channel's plane is copied with explicit padding and stride phases (padded-input.ts), then
// every output row runs four output columns per f32x4 vector, four vectors at a time (four
// independent add chains); each tap is one load at an immediate offset times the tap's weight,
// splatted once per output channel and kept in a local for windows of up to 16 taps. The
// epilogue is the conv's (conv-epilogue.ts), on the same vectors, its per-channel operands
// (bias, PReLU slope) splatted once per channel too. NCHW throughout: a
// channels-on-lanes layout would need conversions at every other kernel. Threads split the
// input channels, each with its own padded plane (threads.ts).

import type { ConvKernel, WindowAxis } from '../affine-kernels.ts';
import { convEpilogue } from './conv-epilogue.ts';
import { addressLocal, advance, countedLoop, extentLocal, pushAddress, type Address, type KernelContext } from './kernel-context.ts';
import { emitStore, rowVectors, type PanelVector } from './linear-kernel.ts';
import { emitPaddedCopy, emitZero, paddedGeometry, rowOffset, tapOffset, type PaddedGeometry } from './padded-input.ts';
import type { StaticData } from './static-data.ts';
import { emitShare, threadScratch } from './threads.ts';

/** Output vectors per inner iteration (independent accumulators). */
const BLOCK = 4;
/** Windows of up to this many taps keep their splatted weights in locals. */
const HOISTED_TAPS = 16;

/** One input channel per group, at most four output channels each. */
export function isDepthwise(kernel: ConvKernel): boolean {
  return kernel.groupIn === 1 && kernel.outChannels / kernel.groups <= 4;
}

export function prepareDepthwiseKernel(kernel: ConvKernel, rows: WindowAxis, columns: WindowAxis, statics: StaticData): (ctx: KernelContext) => void {
  const g = paddedGeometry(rows, columns);
  statics.reserveScratch(g.planeFloats * 4);
  return (ctx) => emitDepthwise(ctx, kernel, g, threadScratch(ctx, statics.scratchAddress));
}

function emitDepthwise(ctx: KernelContext, kernel: ConvKernel, g: PaddedGeometry, scratch: Address): void {
  const { asm } = ctx;
  const taps: number[] = [];
  for (let ky = 0; ky < g.rows.taps; ky++) for (let kx = 0; kx < g.columns.taps; kx++) taps.push(tapOffset(g, ky, kx) * 4);
  const multiplier = kernel.outChannels / kernel.groups;
  const x = addressLocal(ctx, kernel.x, 'x');
  const out = addressLocal(ctx, kernel.out, 'out');
  const weights0 = addressLocal(ctx, kernel.weight, 'w');
  const weight = asm.local('i32', 'wm');
  const zero = asm.local('i32', 'zero');
  asm.i32Const(0).set(zero);
  const fused = convEpilogue(ctx, kernel, zero, out);
  const channel = asm.local('i32', 'm');
  const weights = taps.length <= HOISTED_TAPS ? taps.map(() => asm.local('v128', 'wt')) : [];
  const acc = Array.from({ length: BLOCK }, () => asm.local('v128', 'acc'));
  const value = asm.local('v128', 'v');
  const y = asm.local('i32', 'y');
  const row = asm.local('i32', 'row');
  const p = asm.local('i32', 'p');
  const images = extentLocal(ctx, kernel.batch, 'images');
  const channels = asm.local('i32', 'channels');
  const copies = asm.local('i32', 'mult');
  const outRows = asm.local('i32', 'ohs');
  const blocks = asm.local('i32', 'blocks');
  const width = g.columns.out;
  const fullBlocks = Math.floor(width / (4 * BLOCK));

  /** acc_v = Σ_t w_t · input[p + vector v's tap t], then the epilogue and the store at y. */
  const block = (vectors: readonly PanelVector[]): void => {
    taps.forEach((offset, t) => {
      vectors.forEach((vector, v) => {
        const target = acc[v];
        if (target === undefined) return;
        if (t > 0 && !ctx.relaxed) asm.get(target);
        const hoisted = weights[t];
        if (hoisted !== undefined) asm.get(hoisted);
        else asm.get(weight).v128Load32Splat(t * 4);
        asm.get(p).v128Load(offset + vector.load);
        if (t === 0) asm.v128('f32x4.mul');
        else if (ctx.relaxed) asm.get(target).f32x4RelaxedMadd();
        else asm.v128('f32x4.mul').v128('f32x4.add');
        asm.set(target);
      });
    });
    vectors.forEach((vector, v) => {
      const target = acc[v];
      if (target === undefined) return;
      if (fused.epilogue !== undefined) {
        fused.epilogue(asm, target, { row: channel, r: 0, column: zero, columnByte: 0, at: y, offset: vector.store });
        asm.set(value);
      }
      emitStore(asm, y, fused.epilogue !== undefined ? value : target, vector.store, vector.lanes);
    });
  };

  // This thread's input channels [start, end) of every image (all of them when it runs alone).
  const inPlane = g.rows.size * g.columns.size * 4;
  const outPlane = g.rows.out * g.columns.out * 4;
  const total = asm.local('i32', 'in_channels');
  asm.i32Const(kernel.inChannels).set(total);
  const share = emitShare(ctx, total, 1, 'dw');
  const xn = asm.local('i32', 'xn');
  const yn = asm.local('i32', 'yn');
  const firstWeight = asm.local('i32', 'w_first');
  const firstChannel = asm.local('i32', 'm_first');
  asm.get(x).get(share.start).i32Const(inPlane).i32('i32.mul').i32('i32.add').set(xn);
  asm.get(out).get(share.start).i32Const(multiplier * outPlane).i32('i32.mul').i32('i32.add').set(yn);
  asm.get(weights0).get(share.start).i32Const(multiplier * taps.length * 4).i32('i32.mul').i32('i32.add').set(firstWeight);
  asm.get(share.start).i32Const(multiplier).i32('i32.mul').set(firstChannel);
  emitZero(ctx, scratch, g.planeFloats);
  countedLoop(ctx, images, 'images', () => {
    asm.get(xn).set(x).get(yn).set(y).get(firstWeight).set(weight).get(firstChannel).set(channel);
    asm.get(share.end).get(share.start).i32('i32.sub').set(channels);
    countedLoop(ctx, channels, 'channels', () => {
      emitPaddedCopy(ctx, g, x, scratch, 1);
      asm.i32Const(multiplier).set(copies);
      countedLoop(ctx, copies, 'outputs', () => {
        weights.forEach((local, t) => asm.get(weight).v128Load32Splat(t * 4).set(local));
        fused.hoist?.(channel);
        pushAddress(asm, scratch);
        asm.set(row).i32Const(g.rows.out).set(outRows);
        countedLoop(ctx, outRows, 'outrows', () => {
          asm.get(row).set(p);
          if (fullBlocks > 0) {
            asm.i32Const(fullBlocks).set(blocks);
            countedLoop(ctx, blocks, 'blocks', () => {
              block(rowVectors(4 * BLOCK));
              advance(asm, p, 16 * BLOCK);
              advance(asm, y, 16 * BLOCK);
            });
          }
          const rest = width - fullBlocks * 4 * BLOCK;
          if (rest > 0) {
            block(rowVectors(rest));
            advance(asm, y, rest * 4);
          }
          advance(asm, row, rowOffset(g, 1) * 4);
        });
        advance(asm, weight, taps.length * 4);
        advance(asm, channel, 1);
      });
      advance(asm, x, inPlane);
    });
    advance(asm, xn, kernel.inChannels * inPlane);
    advance(asm, yn, kernel.outChannels * outPlane);
  });
  fused.after();
}
