// The tiled `linear` kernel: out[r, c] = epilogue(sum_k x[r, k] * w[c, k]). A workgroup of
// 16 × 8 invocations (128: the compatibility-mode limit) owns a BM × BN output tile and walks
// K in steps of BK through workgroup memory; each invocation accumulates TM × TN outputs
// (rows ty + 8i, columns tx + 16j, so neighbouring invocations touch neighbouring memory).
// Bias and activation run in the epilogue, rendered from the lowered scalar body. The f16
// variant stages f16 tiles and forms f16 dot products of four (f16-products.ts).

import { operandsOf } from '../../ir/scalar.ts';
import { CodeWriter } from '../writer.ts';
import type { Extent, LinearKernel } from '../affine-kernels.ts';
import { f16TileLoop, tileType, toTile } from './f16-products.ts';
import { bufferBase, element, extentExpr, renderBody, shaderModule, stridedIndex, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';

const WX = 16;
const WY = 8;
const BK = 16;

export interface LinearTiles {
  readonly tm: number;
  readonly tn: number;
}

/** Fewer outputs per invocation when the matrix is small, so little of a tile is wasted. */
export function linearTiles(rows: Extent, outFeatures: number): LinearTiles {
  const perInvocation = (count: number, lanes: number): number => (count > 2 * lanes ? 4 : count > lanes ? 2 : 1);
  const tm = rows.perSample !== 0 ? 4 : perInvocation(rows.fixed, WY);
  return { tm, tn: perInvocation(outFeatures, WX) };
}

export function linearShader(kernel: LinearKernel, layout: KernelLayout): ShaderPlan {
  const { tm, tn } = linearTiles(kernel.rows, kernel.outFeatures);
  const bm = WY * tm;
  const bn = WX * tn;
  return {
    code: linearCode(kernel, layout, false),
    dispatch: [{ items: { perSample: 0, fixed: kernel.outFeatures }, per: bn }, { items: kernel.rows, per: bm }],
    invocations: WX * WY,
    workgroupBytes: 4 * (bk(bm) + bk(bn)),
    variants: { f16: linearCode(kernel, layout, true) },
  };
}

/** The shader; `f16`: tiles staged as f16 and dot products of four in f16 (f16-products.ts). */
function linearCode(kernel: LinearKernel, layout: KernelLayout, f16: boolean): string {
  const { tm, tn } = linearTiles(kernel.rows, kernel.outFeatures);
  const bm = WY * tm;
  const bn = WX * tn;
  const n = kernel.outFeatures;
  const k = kernel.inFeatures;
  const xBase = bufferBase(kernel.x, layout);
  const wBase = bufferBase(kernel.weight, layout);
  const w = new CodeWriter();
  w.line(`var<workgroup> xs: array<${tileType(f16)}, ${bk(bm)}>;`);
  w.line(`var<workgroup> ws: array<${tileType(f16)}, ${bk(bn)}>;`);
  w.line('');
  w.line(`@compute @workgroup_size(${WX}, ${WY})`);
  w.block('fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, ' +
    '@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let rows = ${extentExpr(kernel.rows)};`);
    w.line(`let c0 = wid.x * ${u32(bn)};`);
    w.block(`for (var r0 = wid.y * ${u32(bm)}; r0 < rows; r0 = r0 + groups.y * ${u32(bm)}) {`, () => {
      w.line(`var acc: array<array<f32, ${tn}>, ${tm}>;`);
      w.block(`for (var k0 = 0u; k0 < ${u32(k)}; k0 = k0 + ${u32(BK)}) {`, () => {
        const array = (kind: string): string => (kind === 'const' ? 'consts' : 'data');
        loadTile(w, { tile: 'xs', size: bm, start: 'r0', bound: 'rows', base: xBase, array: array(kernel.x.kind), k, f16 });
        loadTile(w, { tile: 'ws', size: bn, start: 'c0', bound: u32(n), base: wBase, array: array(kernel.weight.kind), k, f16 });
        w.line('workgroupBarrier();');
        const aOffsets = Array.from({ length: tm }, (_, i) => `lid.y + ${u32(WY * i)}`);
        const bOffsets = Array.from({ length: tn }, (_, j) => `lid.x + ${u32(WX * j)}`);
        if (f16) {
          f16TileLoop(w, { depth: BK, aTile: 'xs', aStride: bm, bTile: 'ws', bStride: bn, aOffsets, bOffsets, acc: (i, j) => `acc[${i}][${j}]` });
        } else {
          w.block(`for (var kk = 0u; kk < ${u32(BK)}; kk = kk + 1u) {`, () => {
            aOffsets.forEach((offset, i) => w.line(`let a${i} = xs[kk * ${u32(bm)} + ${offset}];`));
            bOffsets.forEach((offset, j) => w.line(`let b${j} = ws[kk * ${u32(bn)} + ${offset}];`));
            for (let i = 0; i < tm; i++) {
              for (let j = 0; j < tn; j++) w.line(`acc[${i}][${j}] = fma(a${i}, b${j}, acc[${i}][${j}]);`);
            }
          });
        }
        w.line('workgroupBarrier();');
      });
      epilogue(w, kernel, layout, tm, tn);
    });
  });
  return shaderModule(kernel, w.toString(), f16 ? ['f16'] : []);
}

function bk(size: number): number {
  return size * BK;
}

/** A block of a row-major [bound, k] matrix to stage in workgroup memory. */
interface TileLoad {
  /** The workgroup array. */
  readonly tile: string;
  /** Rows of the block (BM or BN). */
  readonly size: number;
  /** WGSL expressions: the block's first row and the matrix's row count. */
  readonly start: string;
  readonly bound: string;
  /** Where the matrix starts in which storage array. */
  readonly base: string;
  readonly array: string;
  readonly k: number;
  /** Stage as f16. */
  readonly f16: boolean;
}

/**
 * Copies rows start.. and columns k0..k0+BK of the matrix into the tile, transposed to
 * [BK][size] so the inner loop reads consecutive rows; out-of-range elements are zero.
 * Consecutive invocations read consecutive columns (coalesced).
 */
function loadTile(w: CodeWriter, load: TileLoad): void {
  const threads = WX * WY;
  w.block(`for (var q = 0u; q < ${u32((load.size * BK) / threads)}; q = q + 1u) {`, () => {
    w.line(`let e = li + q * ${u32(threads)};`);
    w.line(`let m = e / ${u32(BK)};`);
    w.line(`let kk = e % ${u32(BK)};`);
    w.line(`let row = ${load.start} + m;`);
    w.line('let col = k0 + kk;');
    w.line('var value = 0f;');
    w.block(`if (row < ${load.bound} && col < ${u32(load.k)}) {`, () => {
      w.line(`value = ${load.array}[${load.base} + row * ${u32(load.k)} + col];`);
    });
    w.line(`${load.tile}[kk * ${u32(load.size)} + m] = ${toTile('value', load.f16)};`);
  });
}

/** Bias, activation and store for each of the invocation's outputs, as loops (small shaders). */
function epilogue(w: CodeWriter, kernel: LinearKernel, layout: KernelLayout, tm: number, tn: number): void {
  const n = kernel.outFeatures;
  const rendered = renderBody(kernel.epilogue.body);
  const used = operandsOf(kernel.epilogue.body).filter((index) => index > 0);
  w.block(`for (var i = 0u; i < ${u32(tm)}; i = i + 1u) {`, () => {
    w.block(`for (var j = 0u; j < ${u32(tn)}; j = j + 1u) {`, () => {
      w.line(`let r = r0 + lid.y + i * ${u32(WY)};`);
      w.line(`let c = c0 + lid.x + j * ${u32(WX)};`);
      w.block(`if (r < rows && c < ${u32(n)}) {`, () => {
        w.line('let v0 = acc[i][j];');
        for (const index of used) {
          const access = kernel.epilogue.operands[index - 1];
          if (access === undefined) continue;
          const rowStrides = access.strides.slice(0, -1);
          const colStride = access.strides[access.strides.length - 1] ?? 0;
          const rowPart = stridedIndex('r', kernel.rowShape, rowStrides);
          const colPart = colStride === 0 ? '0u' : colStride === 1 ? 'c' : `c * ${u32(colStride)}`;
          w.line(`let v${index} = ${element(access.buffer, `${rowPart} + ${colPart}`, layout)};`);
        }
        w.all(rendered.statements);
        w.line(`data[${bufferBase(kernel.out, layout)} + r * ${u32(n)} + c] = ${rendered.value};`);
      });
    });
  });
}
