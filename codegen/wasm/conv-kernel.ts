// Convolution (and transposed convolution) as an implicit GEMM on the micro-kernel of
// linear-kernel.ts, in the NCHW layout of the bundle's edges. Per image and group:
//   out[m, p] = epilogue(sum_k W[m, k] · patch[k, p]),  k = (c, ky, kx), p = output position,
// i.e. the micro-kernel's x rows are the weight's rows (W[M, C/g·taps], PyTorch's layout read
// in place: one splat per row and K step) and its panels are a few output positions (8 in a
// 4 × 8 register block), whose output rows (channels) are contiguous in NCHW, so results
// store as whole vectors. Panels:
//  - pointwise (1×1, stride 1, no padding): read straight from the input, K steps one input
//    plane apart: the linear micro-kernel on the image;
//  - padded (any forward window): the image is first copied with explicit padding and its
//    columns split by the stride (padded-input.ts); a panel is 8 outputs of one output row
//    (or two short rows), packed with one f32x4 copy per channel, tap and vector: no bounds
//    tests, no per-element work;
//  - packed (transposed convolution): panels packed into scratch through tap tables
//    (conv-pack.ts).
// Depthwise convolutions have a kernel of their own (depthwise-kernel.ts).
// Threads split the output channels of each group in whole register blocks; each packs its
// own panels (and its own padded copy) in a scratch region of its own (threads.ts); depthwise
// convolutions split their channels.

import type { ConvKernel, WindowAxis } from '../affine-kernels.ts';
import { convEpilogue, convEpilogueFuses } from './conv-epilogue.ts';
import { emitPack, tapTable, type PackPlan } from './conv-pack.ts';
import { isDepthwise, prepareDepthwiseKernel } from './depthwise-kernel.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, pushAddress, type Address, type KernelContext } from './kernel-context.ts';
import {
  contiguousDepth, createGemm, emitPanel, rowVectors, type GemmState, type MicroKernelShape, type PanelVector,
} from './linear-kernel.ts';
import { emitPaddedCopy, emitZero, paddable, paddedGeometry, rowOffset, tapOffset, type PaddedGeometry } from './padded-input.ts';
import type { StaticData } from './static-data.ts';
import { emitShare, threadScratch } from './threads.ts';

/**
 * The conv's register block, chosen with test/bench/wasm/conv-layers.ts: 4 rows (output
 * channels) × 8 outputs measured 52–56 GFLOP/s on the 3×3 64→64 layer where linear's 2 × 16
 * measured 28 (a K = 576 panel of 16 floats is 36 KB, past L1; of 8, 18 KB), and the same on
 * the 1×1 and 7×7 layers; 3×16, 5×8, 6×8 and 4×12 were slower (registers spill).
 */
const MICRO_KERNEL: MicroKernelShape = { rowsPerBlock: 4, panelWidth: 8, unroll: 1 };

const TRIVIAL_AXIS: WindowAxis = { out: 1, taps: 1, stride: 1, dilation: 1, padBegin: 0, divisor: 1, size: 1 };

/** The spatial axes as exactly two (a 1-D convolution gets a leading axis of size 1). */
export function planarAxes(kernel: ConvKernel): readonly [WindowAxis, WindowAxis] {
  const [first, second] = kernel.spatial;
  if (first === undefined || kernel.spatial.length > 2) throw new Error('internal: conv needs 1 or 2 spatial axes');
  return second === undefined ? [TRIVIAL_AXIS, first] : [first, second];
}

function isPointwise(rows: WindowAxis, columns: WindowAxis): boolean {
  return [rows, columns].every((a) => a.taps === 1 && a.stride === 1 && a.padBegin === 0 && a.divisor === 1 && a.out === a.size);
}

/** How one image's panels are made: where a group's input starts and how each panel is emitted. */
interface PanelSource {
  /** Bytes from one group's input to the next. */
  readonly groupBytes: number;
  /** Once per call, before any image (zeroing a padded copy). */
  prologue(ctx: KernelContext): void;
  /** Per image: pushes nothing, returns the local holding the image's (copied) input. */
  image(ctx: KernelContext, xn: Local): Local;
  /** Every panel of one image and group, the group's input at `xg`. */
  panels(ctx: KernelContext, gemm: GemmState, xg: Local): void;
}

/** Whether the kernel splits between threads: when its epilogue is fused (no pass over all of the output after). */
export function convSplits(kernel: ConvKernel): boolean {
  return convEpilogueFuses(kernel);
}

export function prepareConvKernel(kernel: ConvKernel, statics: StaticData): (ctx: KernelContext) => void {
  const [rows, columns] = planarAxes(kernel);
  const inPlane = rows.size * columns.size;
  if (paddable(rows) && paddable(columns) && isDepthwise(kernel)) return prepareDepthwiseKernel(kernel, rows, columns, statics);
  if (isPointwise(rows, columns)) {
    return (ctx) => emitConv(ctx, kernel, {
      groupBytes: kernel.groupIn * inPlane * 4,
      prologue: () => {},
      image: (_, xn) => xn,
      panels: (c, gemm, xg) => emitPointwisePanels(c, gemm, xg, inPlane, kernel.groupIn),
    });
  }
  if (paddable(rows) && paddable(columns)) {
    const g = paddedGeometry(rows, columns);
    const panel = (kernel.inChannels * g.planeFloats * 4 + 15) & ~15;
    const depth = kernel.groupIn * rows.taps * columns.taps;
    statics.reserveScratch(panel + depth * MICRO_KERNEL.panelWidth * 4);
    return (ctx) => {
      const scratch = threadScratch(ctx, statics.scratchAddress);
      const panelAt = ctx.asm.local('i32', 'panel_at');
      ctx.asm.get(scratch).i32Const(panel).i32('i32.add').set(panelAt);
      emitConv(ctx, kernel, {
        groupBytes: kernel.groupIn * g.planeFloats * 4,
        prologue: (c) => emitZero(c, scratch, kernel.inChannels * g.planeFloats),
        image: (c, xn) => {
          emitPaddedCopy(c, g, xn, scratch, kernel.inChannels);
          return scratch;
        },
        panels: (c, gemm, xg) => emitPaddedPanels(c, gemm, xg, g, kernel.groupIn, panelAt),
      });
    };
  }
  const depth = kernel.groupIn * rows.taps * columns.taps;
  statics.reserveScratch(depth * MICRO_KERNEL.panelWidth * 4);
  const tables = { rows: statics.table(tapTable(rows, columns.size)), columns: statics.table(tapTable(columns, 1)) };
  return (ctx) => {
    const plan: PackPlan = { rows, columns, groupIn: kernel.groupIn, tables, scratch: threadScratch(ctx, statics.scratchAddress) };
    emitConv(ctx, kernel, {
      groupBytes: kernel.groupIn * inPlane * 4,
      prologue: () => {},
      image: (_, xn) => xn,
      panels: (c, gemm, xg) => emitPackedPanels(c, gemm, xg, plan, depth),
    });
  };
}

/** The loops over images and groups around the panels; the epilogue is fused into the micro-kernel. */
function emitConv(ctx: KernelContext, kernel: ConvKernel, source: PanelSource): void {
  const { asm } = ctx;
  const [rows, columns] = planarAxes(kernel);
  const inPlane = rows.size * columns.size;
  const outPlane = rows.out * columns.out;
  const perGroup = kernel.outChannels / kernel.groups;
  const depth = kernel.groupIn * rows.taps * columns.taps;
  const x = addressLocal(ctx, kernel.x, 'x');
  const out = addressLocal(ctx, kernel.out, 'out');
  const weight = addressLocal(ctx, kernel.weight, 'w');
  const groupRowBytes = asm.local('i32', 'grow');
  const fused = convEpilogue(ctx, kernel, groupRowBytes, out);
  const gemm = createGemm(asm, {
    shape: MICRO_KERNEL, xRowBytes: depth * 4, yRowBytes: outPlane * 4, relaxed: ctx.relaxed, rowCount: perGroup,
    ...(fused.epilogue === undefined ? {} : { epilogue: fused.epilogue }),
  }, { rows: asm.local('i32', 'm'), x: asm.local('i32', 'wg'), y: asm.local('i32', 'yg') });
  // This thread's output channels of each group: whole register blocks (all when alone).
  const channels = asm.local('i32', 'per_group');
  asm.i32Const(perGroup).set(channels);
  const mine = emitShare(ctx, channels, MICRO_KERNEL.rowsPerBlock, 'm');
  asm.get(mine.end).get(mine.start).i32('i32.sub').set(gemm.rows);
  const firstRow = asm.local('i32', 'm_bytes');
  asm.get(mine.start).i32Const(2).i32('i32.shl').set(firstRow);
  asm.get(weight).get(mine.start).i32Const(depth * 4).i32('i32.mul').i32('i32.add').set(weight);
  asm.get(out).get(mine.start).i32Const(outPlane * 4).i32('i32.mul').i32('i32.add').set(out);
  const images = extentLocal(ctx, kernel.batch, 'images');
  const groups = asm.local('i32', 'groups');
  const xg = asm.local('i32', 'xg');
  const xn = asm.local('i32', 'xn');
  const yn = asm.local('i32', 'yn');
  source.prologue(ctx);
  asm.get(x).set(xn).get(out).set(yn);
  countedLoop(ctx, images, 'images', () => {
    const input = source.image(ctx, xn);
    asm.get(input).set(xg).get(weight).set(gemm.x).get(yn).set(gemm.y).get(firstRow).set(groupRowBytes);
    asm.i32Const(kernel.groups).set(groups);
    countedLoop(ctx, groups, 'groups', () => {
      source.panels(ctx, gemm, xg);
      advance(asm, xg, source.groupBytes);
      advance(asm, gemm.x, perGroup * depth * 4);
      advance(asm, gemm.y, perGroup * outPlane * 4);
      advance(asm, groupRowBytes, perGroup * 4);
    });
    advance(asm, xn, kernel.inChannels * inPlane * 4);
    advance(asm, yn, kernel.outChannels * outPlane * 4);
  });
  fused.after();
}

/**
 * Runs `panel(columns)` over `positions` consecutive outputs: full panels (`panelWidth`) in a loop
 * stepping `gemm.column` (and `pointer`, if given, by the same bytes), then the tail.
 */
function emitRowOfPanels(ctx: KernelContext, gemm: GemmState, positions: number, panel: (columns: number) => void, pointer?: Local): void {
  const { asm } = ctx;
  const width = MICRO_KERNEL.panelWidth;
  const full = Math.floor(positions / width);
  const tail = positions - full * width;
  if (full > 0) {
    const count = asm.local('i32', 'panels');
    asm.i32Const(full).set(count);
    countedLoop(ctx, count, 'panels', () => {
      panel(width);
      advance(asm, gemm.column, width * 4);
      if (pointer !== undefined) advance(asm, pointer, width * 4);
    });
  }
  if (tail > 0) panel(tail);
}

/** 1×1: panel k rows are the input planes, one plane apart. */
function emitPointwisePanels(ctx: KernelContext, gemm: GemmState, xg: Local, inPlane: number, depth: number): void {
  const { asm } = ctx;
  asm.i32Const(0).set(gemm.column);
  emitRowOfPanels(ctx, gemm, inPlane, (columns) => {
    asm.get(xg).get(gemm.column).i32('i32.add').set(gemm.panel);
    emitPanel(gemm, { vectors: rowVectors(columns), depth: (minUnroll) => contiguousDepth(depth, inPlane * 4, minUnroll) });
  });
}

function emitPackedPanels(ctx: KernelContext, gemm: GemmState, xg: Local, plan: PackPlan, depth: number): void {
  const { asm } = ctx;
  asm.i32Const(0).set(gemm.column);
  emitRowOfPanels(ctx, gemm, plan.rows.out * plan.columns.out, (columns) => {
    const width = Math.ceil(columns / 4) * 4;
    emitPack(ctx, plan, gemm.column, xg, columns, width);
    pushAddress(asm, plan.scratch);
    asm.set(gemm.panel);
    emitPanel(gemm, { vectors: rowVectors(columns), depth: (minUnroll) => contiguousDepth(depth, width * 4, minUnroll) });
  });
}

/**
 * Copies one panel out of the padded copy into scratch as [K][width], K = (c, ky, kx): per
 * input channel and tap, one f32x4 load and store per panel vector (the copy's stride phases
 * make a tap's outputs consecutive floats). The micro-kernel then reads the panel sequentially
 * (measured: reading the taps straight from the copy ran at a third of the speed, its loads
 * unaligned and spread over many lines for every register block).
 */
function emitPanelCopy(ctx: KernelContext, g: PaddedGeometry, groupIn: number, source: Local, vectors: readonly PanelVector[], panel: Address): void {
  const { asm } = ctx;
  const width = vectors.length * 4;
  const taps: number[] = [];
  for (let ky = 0; ky < g.rows.taps; ky++) for (let kx = 0; kx < g.columns.taps; kx++) taps.push(tapOffset(g, ky, kx) * 4);
  const src = asm.local('i32', 'src');
  const dst = asm.local('i32', 'dst');
  const channels = asm.local('i32', 'chans');
  asm.get(source).set(src);
  pushAddress(asm, panel);
  asm.set(dst).i32Const(groupIn).set(channels);
  countedLoop(ctx, channels, 'copy', () => {
    taps.forEach((offset, t) => {
      vectors.forEach((vector, v) => asm.get(dst).get(src).v128Load(offset + vector.load).v128Store((t * width + v * 4) * 4));
    });
    advance(asm, src, g.planeFloats * 4);
    advance(asm, dst, taps.length * width * 4);
  });
}

/** Rows with at most this many vectors may be unrolled in pairs (code size grows with it). */
const MAX_PAIRED_VECTORS = 15;

/**
 * Panels over a padded copy. A row whose vectors fill whole panels (or a long row) is cut into
 * panels in a loop, with a tail panel. Other rows go in units of rows whose vectors are dealt
 * into full panels, unrolled: short rows stacked (a 4-output row: two rows a panel), rows of an
 * odd number of vectors in pairs (28 outputs: 7 vectors a row, 7 full panels per two rows
 * instead of 3 full panels and a one-vector tail per row).
 */
function emitPaddedPanels(ctx: KernelContext, gemm: GemmState, xg: Local, g: PaddedGeometry, groupIn: number, panel: Address): void {
  const { asm } = ctx;
  const depth = groupIn * g.rows.taps * g.columns.taps;
  const width = g.columns.out;
  const perRow = Math.ceil(width / 4);
  const rowBytes = rowOffset(g, 1) * 4;
  const rowPointer = asm.local('i32', 'prow');
  const maxVectors = MICRO_KERNEL.panelWidth / 4;
  /** Copies the panel whose vectors sit at `source` + their load offsets, then runs the GEMM on it. */
  const run = (source: Local, vectors: readonly PanelVector[]): void => {
    emitPanelCopy(ctx, g, groupIn, source, vectors, panel);
    pushAddress(asm, panel);
    asm.set(gemm.panel);
    const packed = vectors.map((vector, v) => ({ load: v * 16, store: vector.store, lanes: vector.lanes }));
    emitPanel(gemm, { vectors: packed, depth: (minUnroll) => contiguousDepth(depth, packed.length * 16, minUnroll) });
  };
  asm.get(xg).set(rowPointer).i32Const(0).set(gemm.column);
  const inRows = 2 * perRow > maxVectors && (perRow % maxVectors === 0 || perRow > MAX_PAIRED_VECTORS || g.rows.out < 2);
  if (inRows) {
    const rowsLeft = asm.local('i32', 'ohs');
    const inRow = asm.local('i32', 'pcol');
    const rowStart = asm.local('i32', 'ystart');
    asm.i32Const(g.rows.out).set(rowsLeft).i32Const(0).set(rowStart);
    countedLoop(ctx, rowsLeft, 'outrows', () => {
      asm.get(rowPointer).set(inRow).get(rowStart).set(gemm.column);
      emitRowOfPanels(ctx, gemm, width, (columns) => {
        run(inRow, rowVectors(columns));
      }, inRow);
      advance(asm, rowPointer, rowBytes);
      advance(asm, rowStart, width * 4);
    });
    return;
  }
  /** The vectors of `rows` consecutive output rows, dealt into panels of up to maxVectors. */
  const panelsOf = (rows: number): PanelVector[][] => {
    const vectors: PanelVector[] = [];
    for (let r = 0; r < rows; r++) {
      for (const v of rowVectors(width)) vectors.push({ load: r * rowBytes + v.load, store: r * width * 4 + v.store, lanes: v.lanes });
    }
    return Array.from({ length: Math.ceil(vectors.length / maxVectors) }, (_, k) => vectors.slice(k * maxVectors, (k + 1) * maxVectors));
  };
  const unitRows = 2 * perRow > maxVectors ? 2 : Math.floor(maxVectors / perRow);
  const units = Math.floor(g.rows.out / unitRows);
  if (units > 0) {
    const count = asm.local('i32', 'units');
    asm.i32Const(units).set(count);
    countedLoop(ctx, count, 'outrows', () => {
      for (const vectors of panelsOf(unitRows)) run(rowPointer, vectors);
      advance(asm, rowPointer, unitRows * rowBytes);
      advance(asm, gemm.column, unitRows * width * 4);
    });
  }
  const left = g.rows.out - units * unitRows;
  if (left > 0) for (const vectors of panelsOf(left)) run(rowPointer, vectors);
}
