// Stable softmax: one workgroup per row of the [outer, size, inner] view (grid-stride over
// rows), two tree reductions in workgroup memory (the row's max, then the sum of
// exp(x - max)), then every element is written as exp(x - max) / sum. Its `subgroups` variant
// does both reductions with subgroup operations (subgroup-reduce.ts).

import { CodeWriter } from '../writer.ts';
import type { Extent, SoftmaxKernel } from '../affine-kernels.ts';
import { bufferBase, extentExpr, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { SUBGROUP_BUILTINS, workgroupReduce } from './subgroup-reduce.ts';

const WORKGROUP = 64;
/** The most negative finite f32: the neutral element of max without needing -Inf. */
const LOWEST = '-3.40282346638528859812e+38f';

export function softmaxShader(kernel: SoftmaxKernel, layout: KernelLayout): ShaderPlan {
  const portable = softmaxCode(kernel, layout, false);
  return {
    code: portable,
    dispatch: [{ items: rowsOf(kernel), per: 1 }, { items: { perSample: 0, fixed: 1 }, per: 1 }],
    invocations: WORKGROUP,
    workgroupBytes: 4 * WORKGROUP,
    variants: { subgroups: softmaxCode(kernel, layout, true) },
  };
}

function rowsOf(kernel: SoftmaxKernel): Extent {
  return { ...kernel.outer, perSample: kernel.outer.perSample * kernel.inner, fixed: kernel.outer.fixed * kernel.inner };
}

function softmaxCode(kernel: SoftmaxKernel, layout: KernelLayout, subgroups: boolean): string {
  const inner = kernel.inner;
  const xArray = kernel.x.kind === 'const' ? 'consts' : 'data';
  const x = (s: string): string => `${xArray}[${bufferBase(kernel.x, layout)} + start + ${s} * ${u32(inner)}]`;
  const w = new CodeWriter();
  w.line(`var<workgroup> red: array<f32, ${WORKGROUP}>;`);
  w.line('');
  w.line(`@compute @workgroup_size(${WORKGROUP})`);
  const builtins = subgroups ? `, ${SUBGROUP_BUILTINS}` : '';
  w.block('fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, ' +
    `@builtin(num_workgroups) groups: vec3u${builtins}) {`, () => {
    w.line(`let rows = ${extentExpr(rowsOf(kernel))};`);
    w.line(`let size = ${extentExpr(kernel.size)};`);
    w.block('for (var row = wid.x; row < rows; row = row + groups.x) {', () => {
      w.line(`let start = (row / ${u32(inner)}) * size * ${u32(inner)} + row % ${u32(inner)};`);
      w.line(`var best = ${LOWEST};`);
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => w.line(`best = max(best, ${x('s')});`));
      workgroupReduce(w, { value: 'best', combine: 'max', result: 'top', size: WORKGROUP, subgroups });
      w.line('var sum = 0f;');
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => w.line(`sum = sum + exp(${x('s')} - top);`));
      workgroupReduce(w, { value: 'sum', combine: 'sum', result: 'total', size: WORKGROUP, subgroups });
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => {
        w.line(`data[${bufferBase(kernel.out, layout)} + start + s * ${u32(inner)}] = exp(${x('s')} - top) / total;`);
      });
    });
  });
  return shaderModule(kernel, w.toString(), subgroups ? ['subgroups'] : []);
}
