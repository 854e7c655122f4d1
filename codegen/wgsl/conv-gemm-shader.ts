// The tiled conv shader: a convolution as an implicit GEMM per group, out[r, m] = sum_k
// A[r, k] · W[m, k] with rows r = (sample, output position), k = (input channel, tap) and A
// read straight from the input (no im2col buffer), padding taps as zeros. A workgroup of
// 16 × 8 invocations owns BP positions × BM channels and walks k in steps of BK through
// workgroup memory; each invocation accumulates TP × TM outputs (positions lid.x + 16i, so
// neighbouring invocations load and store neighbouring memory; channels lid.y + 8j).

import type { ConvKernel, Extent } from '../kernels.ts';
import { scaleExtent, staticExtent } from '../kernels.ts';
import { CodeWriter } from '../writer.ts';
import { convEpilogue, convSizes } from './conv-common.ts';
import { arrayOf, bufferBase, extentExpr, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { declareCoords, windowTap } from './window-index.ts';

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

export function convGemmShader(kernel: ConvKernel, layout: KernelLayout): ShaderPlan {
  const { positions, perGroup, taps } = convSizes(kernel);
  const rows = scaleExtent(kernel.batch, positions);
  const { tp, tm } = convTiles(rows, perGroup);
  const bp = WX * tp;
  const bm = WY * tm;
  const depth = kernel.groupIn * taps;
  const tilesPerGroup = Math.ceil(perGroup / bm);
  const w = new CodeWriter();
  w.line(`var<workgroup> xs: array<f32, ${BK * bp}>;`);
  w.line(`var<workgroup> ws: array<f32, ${BK * bm}>;`);
  w.line('');
  w.line(`@compute @workgroup_size(${WX}, ${WY})`);
  w.block('fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, ' +
    '@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let rows = ${extentExpr(rows)};`);
    w.line(`let g = wid.y / ${u32(tilesPerGroup)};`);
    w.line(`let m0 = (wid.y % ${u32(tilesPerGroup)}) * ${u32(bm)};`);
    w.block(`for (var r0 = wid.x * ${u32(bp)}; r0 < rows; r0 = r0 + groups.x * ${u32(bp)}) {`, () => {
      w.line(`var acc: array<array<f32, ${tp}>, ${tm}>;`);
      w.block(`for (var k0 = 0u; k0 < ${u32(depth)}; k0 = k0 + ${u32(BK)}) {`, () => {
        loadInputTile(w, kernel, layout, bp);
        loadWeightTile(w, kernel, layout, bm);
        w.line('workgroupBarrier();');
        w.block(`for (var kk = 0u; kk < ${u32(BK)}; kk = kk + 1u) {`, () => {
          for (let i = 0; i < tp; i++) w.line(`let a${i} = xs[kk * ${u32(bp)} + lid.x + ${u32(WX * i)}];`);
          for (let j = 0; j < tm; j++) w.line(`let b${j} = ws[kk * ${u32(bm)} + lid.y + ${u32(WY * j)}];`);
          for (let j = 0; j < tm; j++) {
            for (let i = 0; i < tp; i++) w.line(`acc[${j}][${i}] = fma(a${i}, b${j}, acc[${j}][${i}]);`);
          }
        });
        w.line('workgroupBarrier();');
      });
      w.block(`for (var j = 0u; j < ${u32(tm)}; j = j + 1u) {`, () => {
        w.block(`for (var i = 0u; i < ${u32(tp)}; i = i + 1u) {`, () => {
          w.line(`let r = r0 + lid.x + i * ${u32(WX)};`);
          w.line(`let ml = m0 + lid.y + j * ${u32(WY)};`);
          w.block(`if (r < rows && ml < ${u32(perGroup)}) {`, () => {
            w.line(`let n = r / ${u32(positions)};`);
            w.line(`let p = r % ${u32(positions)};`);
            w.line(`let m = g * ${u32(perGroup)} + ml;`);
            convEpilogue(w, kernel, layout, { n: 'n', m: 'm', p: 'p', acc: 'acc[j][i]' });
          });
        });
      });
    });
  });
  return {
    code: shaderModule(kernel, w.toString()),
    dispatch: [{ items: rows, per: bp }, { items: staticExtent(kernel.groups * tilesPerGroup * bm), per: bm }],
    invocations: THREADS,
    workgroupBytes: 4 * BK * (bp + bm),
  };
}

/**
 * Stages A[r0.., k0..k0+BK] as xs[kk][position]: consecutive invocations take consecutive
 * positions (neighbouring input elements at stride 1). Each element decodes its sample,
 * output coordinates, channel and taps from literal sizes; padding taps load zero.
 */
function loadInputTile(w: CodeWriter, kernel: ConvKernel, layout: KernelLayout, bp: number): void {
  const { positions, inPlane, taps, inStrides } = convSizes(kernel);
  const depth = kernel.groupIn * taps;
  w.block(`for (var q = 0u; q < ${u32((bp * BK) / THREADS)}; q = q + 1u) {`, () => {
    w.line(`let e = li + q * ${u32(THREADS)};`);
    w.line(`let pp = e % ${u32(bp)};`);
    w.line(`let kk = e / ${u32(bp)};`);
    w.line('let r = r0 + pp;');
    w.line('let k = k0 + kk;');
    w.line('var value = 0f;');
    const bound = depth % BK === 0 ? 'r < rows' : `r < rows && k < ${u32(depth)}`;
    w.block(`if (${bound}) {`, () => {
      w.line(`let p = r % ${u32(positions)};`);
      const outCoords = declareCoords(w, 'p', kernel.spatial.map((a) => staticExtent(a.out)), 'o');
      const tapCoords = declareCoords(w, `(k % ${u32(taps)})`, kernel.spatial.map((a) => staticExtent(a.taps)), 'ta');
      const checks: string[] = [];
      const offsets: string[] = [];
      kernel.spatial.forEach((axis, a) => {
        const tap = windowTap(axis, outCoords[a] ?? '0u', tapCoords[a] ?? '0u', `in${a}`);
        w.line(`let in${a} = ${tap.numerator};`);
        if (tap.valid !== undefined) checks.push(tap.valid);
        const stride = inStrides[a] ?? 1;
        offsets.push(stride === 1 ? `u32(${tap.index})` : `u32(${tap.index}) * ${u32(stride)}`);
      });
      const channel = `(r / ${u32(positions)}) * ${u32(kernel.inChannels)} + g * ${u32(kernel.groupIn)} + k / ${u32(taps)}`;
      const load = `value = ${arrayOf(kernel.x)}[${bufferBase(kernel.x, layout)} + (${channel}) * ${u32(inPlane)} + ${offsets.join(' + ')}];`;
      if (checks.length === 0) w.line(load);
      else w.block(`if (${checks.join(' && ')}) {`, () => w.line(load));
    });
    w.line(`xs[kk * ${u32(bp)} + pp] = value;`);
  });
}

/** Stages W[m0.., k0..k0+BK] of the group as ws[kk][channel]; consecutive invocations read consecutive k. */
function loadWeightTile(w: CodeWriter, kernel: ConvKernel, layout: KernelLayout, bm: number): void {
  const { perGroup, taps } = convSizes(kernel);
  const depth = kernel.groupIn * taps;
  w.block(`for (var q = 0u; q < ${u32((bm * BK) / THREADS)}; q = q + 1u) {`, () => {
    w.line(`let e = li + q * ${u32(THREADS)};`);
    w.line(`let kk = e % ${u32(BK)};`);
    w.line(`let mm = e / ${u32(BK)};`);
    w.line('let ml = m0 + mm;');
    w.line('let k = k0 + kk;');
    w.line('var value = 0f;');
    w.block(`if (ml < ${u32(perGroup)} && k < ${u32(depth)}) {`, () => {
      w.line(`value = ${arrayOf(kernel.weight)}[${bufferBase(kernel.weight, layout)} + (g * ${u32(perGroup)} + ml) * ${u32(depth)} + k];`);
    });
    w.line(`ws[kk * ${u32(bm)} + mm] = value;`);
  });
}
