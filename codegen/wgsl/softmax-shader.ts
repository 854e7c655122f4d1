// Stable softmax: one workgroup per row of the [outer, size, inner] view (grid-stride over
// rows), two tree reductions in workgroup memory (the row's max, then the sum of
// exp(x - max)), then every element is written as exp(x - max) / sum.

import { CodeWriter } from '../writer.ts';
import type { SoftmaxKernel } from '../affine-kernels.ts';
import { bufferBase, extentExpr, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';

const WORKGROUP = 64;
/** The most negative finite f32: the neutral element of max without needing -Inf. */
const LOWEST = '-3.40282346638528859812e+38f';

function reduce(w: CodeWriter, combine: (a: string, b: string) => string): void {
  w.block(`for (var width = ${u32(WORKGROUP / 2)}; width > 0u; width = width / 2u) {`, () => {
    w.block('if (li < width) {', () => {
      w.line(`red[li] = ${combine('red[li]', 'red[li + width]')};`);
    });
    w.line('workgroupBarrier();');
  });
}

export function softmaxShader(kernel: SoftmaxKernel, layout: KernelLayout): ShaderPlan {
  const inner = kernel.inner;
  const rowsExtent = { ...kernel.outer, perSample: kernel.outer.perSample * inner, fixed: kernel.outer.fixed * inner };
  const xArray = kernel.x.kind === 'const' ? 'consts' : 'data';
  const x = (s: string): string => `${xArray}[${bufferBase(kernel.x, layout)} + start + ${s} * ${u32(inner)}]`;
  const w = new CodeWriter();
  w.line(`var<workgroup> red: array<f32, ${WORKGROUP}>;`);
  w.line('');
  w.line(`@compute @workgroup_size(${WORKGROUP})`);
  w.block('fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, ' +
    '@builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let rows = ${extentExpr(rowsExtent)};`);
    w.line(`let size = ${extentExpr(kernel.size)};`);
    w.block('for (var row = wid.x; row < rows; row = row + groups.x) {', () => {
      w.line(`let start = (row / ${u32(inner)}) * size * ${u32(inner)} + row % ${u32(inner)};`);
      w.line(`var best = ${LOWEST};`);
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => w.line(`best = max(best, ${x('s')});`));
      w.line('red[li] = best;');
      w.line('workgroupBarrier();');
      reduce(w, (a, b) => `max(${a}, ${b})`);
      w.line('let top = red[0];');
      w.line('workgroupBarrier();');
      w.line('var sum = 0f;');
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => w.line(`sum = sum + exp(${x('s')} - top);`));
      w.line('red[li] = sum;');
      w.line('workgroupBarrier();');
      reduce(w, (a, b) => `${a} + ${b}`);
      w.line('let total = red[0];');
      w.line('workgroupBarrier();');
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => {
        w.line(`data[${bufferBase(kernel.out, layout)} + start + s * ${u32(inner)}] = exp(${x('s')} - top) / total;`);
      });
    });
  });
  return {
    code: shaderModule(kernel, w.toString()),
    dispatch: [{ items: rowsExtent, per: 1 }, { items: { perSample: 0, fixed: 1 }, per: 1 }],
    invocations: WORKGROUP,
    workgroupBytes: 4 * WORKGROUP,
  };
}
