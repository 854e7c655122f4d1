// The elementwise kernel (single ops, fused chains, and layout copies): one invocation per
// output element in a grid-stride loop, operands read through their literal strides.

import { operandsOf } from '../../ir/scalar.ts';
import { CodeWriter } from '../writer.ts';
import { productExtent, type ElementwiseKernel } from '../affine-kernels.ts';
import { accessElement, bufferBase, extentExpr, renderBody, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';

const WORKGROUP = 64;

export function elementwiseShader(kernel: ElementwiseKernel, layout: KernelLayout): ShaderPlan {
  const total = productExtent(kernel.extents);
  const rendered = renderBody(kernel.body);
  const w = new CodeWriter();
  w.line(`@compute @workgroup_size(${WORKGROUP})`);
  w.block('fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let total = ${extentExpr(total)};`);
    w.block(`for (var i = gid.x; i < total; i = i + groups.x * ${u32(WORKGROUP)}) {`, () => {
      for (const index of operandsOf(kernel.body)) {
        const access = kernel.operands[index];
        if (access === undefined) continue;
        w.line(`let v${index} = ${accessElement(access, 'i', kernel.extents, layout)};`);
      }
      w.all(rendered.statements);
      w.line(`data[${bufferBase(kernel.out, layout)} + i] = ${rendered.value};`);
    });
  });
  return {
    code: shaderModule(kernel, w.toString()),
    dispatch: [{ items: total, per: WORKGROUP }, { items: { perSample: 0, fixed: 1 }, per: 1 }],
    invocations: WORKGROUP,
    workgroupBytes: 0,
  };
}
