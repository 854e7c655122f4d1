// The batched `matmul` kernel: one invocation per output element in a grid-stride loop, a
// dot product of literal length k. (The hot contraction of our models is `linear`, which has
// the tiled kernel; matmul appears in attention-like graphs with small blocks.) The f16
// variant takes four k at a time as vec4<f16> dot products.

import { CodeWriter } from '../writer.ts';
import { F16_LANES } from './f16-products.ts';
import { productExtent, type MatmulKernel } from '../affine-kernels.ts';
import { bufferBase, extentExpr, shaderModule, stridedIndex, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';

const WORKGROUP = 64;

export function matmulShader(kernel: MatmulKernel, layout: KernelLayout): ShaderPlan {
  const total = productExtent([...kernel.batch, kernel.m, { perSample: 0, fixed: kernel.n }]);
  return {
    code: matmulCode(kernel, layout, false),
    dispatch: [{ items: total, per: WORKGROUP }, { items: { perSample: 0, fixed: 1 }, per: 1 }],
    invocations: WORKGROUP,
    workgroupBytes: 0,
    variants: { f16: matmulCode(kernel, layout, true) },
  };
}

/** The shader; `f16`: dot products of four k in f16 added to the f32 sum (f16-products.ts's budget). */
function matmulCode(kernel: MatmulKernel, layout: KernelLayout, f16: boolean): string {
  const { k, n } = kernel;
  const batch = productExtent(kernel.batch);
  const total = productExtent([...kernel.batch, kernel.m, { perSample: 0, fixed: n }]);
  const aArray = kernel.a.kind === 'const' ? 'consts' : 'data';
  const bArray = kernel.b.kind === 'const' ? 'consts' : 'data';
  const w = new CodeWriter();
  w.line(`@compute @workgroup_size(${WORKGROUP})`);
  w.block('fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let total = ${extentExpr(total)};`);
    w.line(`let m = ${extentExpr(kernel.m)};`);
    w.block(`for (var i = gid.x; i < total; i = i + groups.x * ${u32(WORKGROUP)}) {`, () => {
      w.line(`let j = i % ${u32(n)};`);
      w.line(`let row = (i / ${u32(n)}) % m;`);
      w.line(`let p = i / (${u32(n)} * m);`);
      const aBatch = batch.perSample === 0 && batch.fixed === 1 ? '0u' : stridedIndex('p', kernel.batch, kernel.aBatchStrides);
      const bBatch = batch.perSample === 0 && batch.fixed === 1 ? '0u' : stridedIndex('p', kernel.batch, kernel.bBatchStrides);
      w.line(`let a0 = ${bufferBase(kernel.a, layout)} + ${aBatch} + row * ${u32(k)};`);
      w.line(`let b0 = ${bufferBase(kernel.b, layout)} + ${bBatch} + j;`);
      w.line('var acc = 0f;');
      const a = (t: string): string => `${aArray}[a0 + ${t}]`;
      const b = (t: string): string => `${bArray}[b0 + (${t}) * ${u32(n)}]`;
      if (f16) {
        const whole = k - (k % F16_LANES);
        const lanes = (read: (t: string) => string): string => `vec4<f16>(vec4f(${[0, 1, 2, 3].map((lane) => read(`t + ${u32(lane)}`)).join(', ')}))`;
        w.block(`for (var t = 0u; t < ${u32(whole)}; t = t + ${u32(F16_LANES)}) {`, () => {
          w.line(`acc = acc + f32(dot(${lanes(a)}, ${lanes(b)}));`);
        });
        if (whole < k) w.block(`for (var t = ${u32(whole)}; t < ${u32(k)}; t = t + 1u) {`, () => w.line(`acc = acc + f32(f16(${a('t')}) * f16(${b('t')}));`));
      } else {
        w.block(`for (var t = 0u; t < ${u32(k)}; t = t + 1u) {`, () => w.line(`acc = fma(${a('t')}, ${b('t')}, acc);`));
      }
      w.line(`data[${bufferBase(kernel.out, layout)} + i] = acc;`);
    });
  });
  return shaderModule(kernel, w.toString(), f16 ? ['f16'] : []);
}
