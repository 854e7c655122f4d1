// Dense convolutions in JS as an implicit GEMM on the linear kernel's register blocks: the
// rows of a block are ROWS (or ROWS / 2, or 1) neighbouring output positions of one output
// row, its columns COLS output channels of the weight packed like linear's ([M/COLS][C·taps][COLS]), and the
// contraction runs over (channel, taps) in the interpreter's order, reading x through a table
// of tap offsets. A padded input is first copied into a zeroed scratch image, so the inner
// loop has no bounds tests. Grouped, depthwise and transposed convolutions take the plain
// loops of kernel-window.ts. Sums are f64 in the interpreter's order: results are bit-exact.

import { isDense } from '../kernel-info.ts';
import type { ConvKernel } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { COLS, emitBlock, emitColumns, emitPanels, ROWS, type BlockSpec } from './kernel-linear.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

function product(values: readonly number[]): number {
  return values.reduce((n, v) => n * v, 1);
}

/** Whether the conv takes the register-blocked path (the descriptor packs its weight then). */
export const isDenseConv = isDense;

/** The input image as the inner loop reads it: padded sizes and whether a copy is needed. */
function paddedImage(kernel: ConvKernel): { sizes: number[]; begin: number[]; copy: boolean } {
  const sizes: number[] = [];
  const begin: number[] = [];
  let copy = false;
  for (const axis of kernel.spatial) {
    const last = (axis.out - 1) * axis.stride + (axis.taps - 1) * axis.dilation - axis.padBegin;
    const end = Math.max(0, last - (axis.size - 1));
    if (axis.padBegin > 0 || end > 0) copy = true;
    sizes.push(axis.size + axis.padBegin + end);
    begin.push(axis.padBegin);
  }
  return { sizes, begin, copy };
}

export function emitDenseConv(kernel: ConvKernel, scope: KernelScope, body: CodeWriter): void {
  if (kernel.weight.kind !== 'const') throw new Error('internal: a dense conv needs a packed constant weight');
  const x = scope.use(kernel.x);
  const out = scope.use(kernel.out);
  const image = paddedImage(kernel);
  const channels = kernel.inChannels;
  const plane = product(image.sizes);
  const inPlane = product(kernel.spatial.map((a) => a.size));
  const taps = kernel.spatial.map((a) => a.taps);
  const outSizes = kernel.spatial.map((a) => a.out);
  const outPlane = product(outSizes);
  const rank = kernel.spatial.length;
  const rowStrides = image.sizes.map((_, a) => product(image.sizes.slice(a + 1)));
  // Offset of each contraction step (channel, taps…) from the window's origin in the image.
  const offsets: number[] = [];
  for (let c = 0; c < channels; c++) {
    for (let t = 0; t < product(taps); t++) {
      let rest = t;
      let at = c * plane;
      for (let a = rank - 1; a >= 0; a--) {
        const tap = rest % (taps[a] ?? 1);
        rest = Math.floor(rest / (taps[a] ?? 1));
        at += tap * (kernel.spatial[a]?.dilation ?? 1) * (rowStrides[a] ?? 1);
      }
      offsets.push(at);
    }
  }
  const tapOffsets = scope.table('tapOffsets', offsets, 'Int32Array');
  const source = image.copy ? scope.scratch(channels * plane) : x.array;
  const last = kernel.spatial[rank - 1];
  const lastStride = last?.stride ?? 1;
  const operands = kernel.epilogue.operands.map((access) => ({ ...scope.use(access.buffer), access }));
  const coords = (r: number): string[] => ['n', '', ...kernel.spatial.map((_, a) => (a === rank - 1 ? plus('q', String(r)) : `o${a}`))];
  const spec: BlockSpec = {
    k: offsets.length, x: { array: source },
    weight: { array: scope.array(`packed:${kernel.weight.index}`), base: '0', packed: true },
    out: { array: out.array }, acc: scope.accumulators(ROWS * COLS), epilogue: kernel.epilogue, operands,
    xAt: (r, k) => `x${r}_ + ${tapOffsets}[${k}]`,
    outAt: (r, col) => plus('y_', times(col, outPlane), String(r)),
    operandAt: (op, r, col) => {
      const parts = coords(r);
      parts[1] = col;
      return plus(op.base, ...parts.map((coord, i) => times(coord, op.access.strides[i] ?? 0)));
    },
  };
  body.block(`for (let n = 0; n < ${renderExtent(kernel.batch)}; n++) {`, () => {
    const imageBase = plus(x.base, times('n', channels * inPlane));
    if (image.copy) emitPaddedCopy(kernel, image, body, source, x.array, imageBase);
    else body.line(`const xb = ${imageBase};`);
    const outerLoops = (a: number): void => {
      if (a < rank - 1) {
        body.block(`for (let o${a} = 0; o${a} < ${outSizes[a]}; o${a}++) {`, () => outerLoops(a + 1));
        return;
      }
      // The window origin of output row (o0…) and the output offset of its first position.
      const origin = plus(image.copy ? '0' : 'xb', ...kernel.spatial.slice(0, -1).map((axis, i) => times(`o${i}`, axis.stride * (rowStrides[i] ?? 1))));
      const outRow = plus(out.base, times('n', kernel.outChannels * outPlane), ...outSizes.slice(0, -1).map((_, i) => times(`o${i}`, product(outSizes.slice(i + 1)))));
      body.line(`const row = ${origin};`);
      body.line(`const yRow = ${outRow};`);
      const width = last?.out ?? 1;
      const blocked = width - (width % ROWS);
      const halved = width - (width % (ROWS / 2));
      const positions = (rows: number, start: string): void => {
        body.line(`const y_ = yRow + ${start};`);
        for (let r = 0; r < rows; r++) body.line(`const x${r}_ = row + ${times(plus(start, String(r)), lastStride)};`);
        if (rows === 1) emitColumns(kernel.outChannels, body, COLS, (cols, colStart) => emitBlock(spec, body, 1, cols, colStart));
        else emitPanels(spec, kernel.outChannels, body, (cols, colStart, stored) => emitBlock(spec, body, rows, cols, colStart, stored));
      };
      // Blocks of ROWS positions, then at most one of ROWS / 2, then one position at a time.
      if (blocked > 0) {
        body.block(`for (let q = 0; q < ${blocked}; q += ${ROWS}) {`, () => positions(ROWS, 'q'));
      }
      if (halved > blocked) {
        body.block('{', () => {
          body.line(`const q = ${blocked};`);
          positions(ROWS / 2, 'q');
        });
      }
      if (halved < width) {
        body.block(`for (let q = ${halved}; q < ${width}; q++) {`, () => positions(1, 'q'));
      }
    };
    outerLoops(0);
  });
}

/** Zeroes the scratch image and copies image n into its interior, one input row at a time. */
function emitPaddedCopy(kernel: ConvKernel, image: ReturnType<typeof paddedImage>, body: CodeWriter, scratch: string, input: string, base: string): void {
  const rank = kernel.spatial.length;
  const plane = product(image.sizes);
  const width = kernel.spatial[rank - 1]?.size ?? 1;
  body.line(`${scratch}.fill(0, 0, ${kernel.inChannels * plane});`);
  body.block(`for (let c = 0; c < ${kernel.inChannels}; c++) {`, () => {
    const copyRows = (a: number, from: string, to: string): void => {
      if (a === rank - 1) {
        body.line(`${scratch}.set(${input}.subarray(${from}, ${plus(from, String(width))}), ${plus(to, String(image.begin[a] ?? 0))});`);
        return;
      }
      const inStride = product(kernel.spatial.slice(a + 1).map((s) => s.size));
      const padStride = product(image.sizes.slice(a + 1));
      body.block(`for (let i${a} = 0; i${a} < ${kernel.spatial[a]?.size ?? 1}; i${a}++) {`, () => {
        copyRows(a + 1, plus(from, times(`i${a}`, inStride)), plus(to, times(plus(`i${a}`, String(image.begin[a] ?? 0)), padStride)));
      });
    };
    const inPlane = product(kernel.spatial.map((s) => s.size));
    copyRows(0, plus(base, times('c', inPlane)), times('c', plane));
  });
}
