// The tiled conv shader: a convolution as an implicit GEMM per group, out[r, m] = sum_k
// A[r, k] · W[m, k] with rows r = (sample, output position), k = (input channel, tap) and A
// read straight from the input (no im2col buffer), padding taps as zeros. A workgroup of
// 16 × 8 invocations owns BP positions × BM channels and walks k in steps of BK through
// workgroup memory; each invocation accumulates TP × TM outputs in registers (positions
// lid.x + 16i, so neighbouring invocations load and store neighbouring memory; channels
// lid.y + 8j). The f16 variant stages f16 tiles and forms f16 dot products of four
// (f16-products.ts).

import { scaleExtent, staticExtent, type ConvKernel, type Extent } from '../affine-kernels.ts';
import { CodeWriter } from '../writer.ts';
import { convFinishFunction, convSizes } from './conv-common.ts';
import { f16TileLoop, tileType, toTile } from './f16-products.ts';
import { arrayOf, bufferBase, extentExpr, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { declareCoords, windowOrigin, windowTap } from './window-index.ts';

const WX = 16;
const WY = 8;
const THREADS = WX * WY;
const BK = 16;

export interface ConvTiles {
  /** Output positions and output channels per invocation. */
  readonly tp: number;
  readonly tm: number;
}

/** Fewer outputs per invocation when there are few, so little of a tile is wasted. */
export function convTiles(rows: Extent, perGroup: number): ConvTiles {
  const perInvocation = (count: number, lanes: number): number => (count > 2 * lanes ? 4 : count > lanes ? 2 : 1);
  const tp = rows.perSample !== 0 ? 4 : perInvocation(rows.fixed, WX);
  return { tp, tm: perInvocation(perGroup, WY) };
}

interface Tile {
  readonly kernel: ConvKernel;
  readonly layout: KernelLayout;
  /** Positions and channels of the workgroup's block; k per group. */
  readonly bp: number;
  readonly bm: number;
  readonly depth: number;
  /** Tiles staged as f16, dot products of four in f16 (f16-products.ts). */
  readonly f16: boolean;
}

export function convGemmShader(kernel: ConvKernel, layout: KernelLayout): ShaderPlan {
  const { positions, perGroup } = convSizes(kernel);
  const rows = scaleExtent(kernel.batch, positions);
  const { tp, tm } = convTiles(rows, perGroup);
  const bp = WX * tp;
  const bm = WY * tm;
  return {
    code: convGemmCode(kernel, layout, false),
    dispatch: [{ items: rows, per: bp }, { items: staticExtent(kernel.groups * Math.ceil(perGroup / bm) * bm), per: bm }],
    invocations: THREADS,
    workgroupBytes: 4 * BK * (bp + bm),
    variants: { f16: convGemmCode(kernel, layout, true) },
  };
}

function convGemmCode(kernel: ConvKernel, layout: KernelLayout, f16: boolean): string {
  const { positions, perGroup, taps } = convSizes(kernel);
  const rows = scaleExtent(kernel.batch, positions);
  const { tp, tm } = convTiles(rows, perGroup);
  const tile: Tile = { kernel, layout, bp: WX * tp, bm: WY * tm, depth: kernel.groupIn * taps, f16 };
  const { bp, bm } = tile;
  const tilesPerGroup = Math.ceil(perGroup / bm);
  const w = new CodeWriter();
  w.line(`var<workgroup> xs: array<${tileType(f16)}, ${BK * bp}>;`);
  w.line(`var<workgroup> ws: array<${tileType(f16)}, ${BK * bm}>;`);
  w.line('');
  // The epilogue once, called for each of an invocation's outputs.
  w.line(convFinishFunction(kernel, layout));
  w.line('');
  w.line(`@compute @workgroup_size(${WX}, ${WY})`);
  w.block('fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, ' +
    '@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let rows = ${extentExpr(rows)};`);
    w.line(`let g = wid.y / ${u32(tilesPerGroup)};`);
    w.line(`let m0 = (wid.y % ${u32(tilesPerGroup)}) * ${u32(bm)};`);
    w.block(`for (var r0 = wid.x * ${u32(bp)}; r0 < rows; r0 = r0 + groups.x * ${u32(bp)}) {`, () => {
      inputRow(w, tile);
      // One scalar per output, so the accumulators stay in registers.
      for (let j = 0; j < tm; j++) for (let i = 0; i < tp; i++) w.line(`var acc${j}_${i} = 0f;`);
      w.block(`for (var k0 = 0u; k0 < ${u32(tile.depth)}; k0 = k0 + ${u32(BK)}) {`, () => {
        loadInputTile(w, tile);
        loadWeightTile(w, tile);
        w.line('workgroupBarrier();');
        const aOffsets = Array.from({ length: tp }, (_, i) => `lid.x + ${u32(WX * i)}`);
        const bOffsets = Array.from({ length: tm }, (_, j) => `lid.y + ${u32(WY * j)}`);
        if (f16) {
          f16TileLoop(w, { depth: BK, aTile: 'xs', aStride: bp, bTile: 'ws', bStride: bm, aOffsets, bOffsets, acc: (i, j) => `acc${j}_${i}` });
        } else {
          w.block(`for (var kk = 0u; kk < ${u32(BK)}; kk = kk + 1u) {`, () => {
            aOffsets.forEach((offset, i) => w.line(`let a${i} = xs[kk * ${u32(bp)} + ${offset}];`));
            bOffsets.forEach((offset, j) => w.line(`let b${j} = ws[kk * ${u32(bm)} + ${offset}];`));
            for (let j = 0; j < tm; j++) {
              for (let i = 0; i < tp; i++) w.line(`acc${j}_${i} = fma(a${i}, b${j}, acc${j}_${i});`);
            }
          });
        }
        w.line('workgroupBarrier();');
      });
      for (let i = 0; i < tp; i++) w.line(`let row${i} = r0 + lid.x + ${u32(WX * i)};`);
      for (let j = 0; j < tm; j++) w.line(`let col${j} = m0 + lid.y + ${u32(WY * j)};`);
      for (let j = 0; j < tm; j++) {
        for (let i = 0; i < tp; i++) {
          w.block(`if (row${i} < rows && col${j} < ${u32(perGroup)}) {`, () => {
            w.line(`finish(row${i} / ${u32(positions)}, g * ${u32(perGroup)} + col${j}, row${i} % ${u32(positions)}, acc${j}_${i});`);
          });
        }
      }
    });
  });
  return shaderModule(kernel, w.toString(), f16 ? ['f16'] : []);
}

/** A 1×1 window at stride 1 without padding: A's row is the input plane itself, read at p. */
function isPointwise(kernel: ConvKernel): boolean {
  return kernel.spatial.every((a) => a.taps === 1 && a.stride === 1 && a.padBegin === 0 && a.size === a.out);
}

/**
 * The row of A this invocation stages: A is staged as xs[kk][position] with consecutive
 * invocations on consecutive positions, and since THREADS is a multiple of BP an invocation
 * keeps one position (li % BP) for the whole walk over k: its sample, plane and window
 * origins are decoded once per block of rows.
 */
function inputRow(w: CodeWriter, tile: Tile): void {
  const { kernel, layout, bp } = tile;
  const { positions, inPlane } = convSizes(kernel);
  w.line(`let pp = li % ${u32(bp)};`);
  w.line(`let kq = li / ${u32(bp)};`);
  w.line('let rr = r0 + pp;');
  w.line(`let p = rr % ${u32(positions)};`);
  if (!isPointwise(kernel)) {
    const coords = declareCoords(w, 'p', kernel.spatial.map((a) => staticExtent(a.out)), 'o');
    kernel.spatial.forEach((axis, a) => w.line(`let org${a} = ${windowOrigin(axis, coords[a] ?? '0u')};`));
  }
  const plane = `(rr / ${u32(positions)}) * ${u32(kernel.inChannels)} + g * ${u32(kernel.groupIn)}`;
  w.line(`let xrow = ${bufferBase(kernel.x, layout)} + (${plane}) * ${u32(inPlane)};`);
}

/** Stages A[r0.., k0..k0+BK]: the invocation's position at k = kq, kq + THREADS/BP, …; padding loads zero. */
function loadInputTile(w: CodeWriter, tile: Tile): void {
  const { kernel, bp, depth } = tile;
  const { inPlane, taps, inStrides } = convSizes(kernel);
  w.block(`for (var q = 0u; q < ${u32((bp * BK) / THREADS)}; q = q + 1u) {`, () => {
    w.line(`let kk = kq + q * ${u32(THREADS / bp)};`);
    w.line('let k = k0 + kk;');
    w.line('var value = 0f;');
    w.block(`if (${depth % BK === 0 ? 'rr < rows' : `rr < rows && k < ${u32(depth)}`}) {`, () => {
      if (isPointwise(kernel)) {
        w.line(`value = ${arrayOf(kernel.x)}[xrow + k * ${u32(inPlane)} + p];`);
        return;
      }
      const tapCoords = declareCoords(w, `(k % ${u32(taps)})`, kernel.spatial.map((a) => staticExtent(a.taps)), 'ta');
      const checks: string[] = [];
      const offsets: string[] = [`(k / ${u32(taps)}) * ${u32(inPlane)}`];
      kernel.spatial.forEach((axis, a) => {
        const tap = windowTap(axis, `org${a}`, tapCoords[a] ?? '0u', `in${a}`);
        w.line(`let in${a} = ${tap.numerator};`);
        if (tap.valid !== undefined) checks.push(tap.valid);
        const stride = inStrides[a] ?? 1;
        offsets.push(stride === 1 ? `u32(${tap.index})` : `u32(${tap.index}) * ${u32(stride)}`);
      });
      const load = `value = ${arrayOf(kernel.x)}[xrow + ${offsets.join(' + ')}];`;
      if (checks.length === 0) w.line(load);
      else w.block(`if (${checks.join(' && ')}) {`, () => w.line(load));
    });
    w.line(`xs[kk * ${u32(bp)} + pp] = ${toTile('value', tile.f16)};`);
  });
}

/** Stages W[m0.., k0..k0+BK] of the group as ws[kk][channel]; consecutive invocations read consecutive k. */
function loadWeightTile(w: CodeWriter, tile: Tile): void {
  const { kernel, layout, bm, depth } = tile;
  const { perGroup } = convSizes(kernel);
  w.block(`for (var q = 0u; q < ${u32((bm * BK) / THREADS)}; q = q + 1u) {`, () => {
    w.line(`let kk = li % ${u32(BK)};`);
    w.line(`let mm = li / ${u32(BK)} + q * ${u32(THREADS / BK)};`);
    w.line('let ml = m0 + mm;');
    w.line('let k = k0 + kk;');
    w.line('var value = 0f;');
    w.block(`if (ml < ${u32(perGroup)} && k < ${u32(depth)}) {`, () => {
      w.line(`value = ${arrayOf(kernel.weight)}[${bufferBase(kernel.weight, layout)} + (g * ${u32(perGroup)} + ml) * ${u32(depth)} + k];`);
    });
    w.line(`ws[kk * ${u32(bm)} + mm] = ${toTile('value', tile.f16)};`);
  });
}
