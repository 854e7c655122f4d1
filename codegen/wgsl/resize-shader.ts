// The resize kernel ((bi)linear interpolation): one invocation per output element reads the
// 2^rank corners its per-axis taps name and blends them, axis by axis, with the weights λ and
// 1 − λ. Taps and weights are WGSL `const` arrays indexed by the output coordinate; 1 − λ is
// computed in f64 at compile time and rounded once. The blend itself is f32.

import { productExtent, staticExtent, type ResizeKernel } from '../affine-kernels.ts';
import { arrayOf, bufferBase, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { declareCoords, f32 } from './window-index.ts';

function tables(kernel: ResizeKernel): string[] {
  return kernel.taps.flatMap((taps, a) => {
    const length = taps.i0.length;
    const ints = (values: readonly number[]): string => values.map(u32).join(', ');
    const floats = (values: readonly number[]): string => values.map(f32).join(', ');
    return [
      `const lo${a} = array<u32, ${length}>(${ints(taps.i0)});`,
      `const hi${a} = array<u32, ${length}>(${ints(taps.i1)});`,
      `const wlo${a} = array<f32, ${length}>(${floats(taps.lambda.map((l) => 1 - l))});`,
      `const whi${a} = array<f32, ${length}>(${floats(taps.lambda)});`,
    ];
  });
}

export function resizeShader(kernel: ResizeKernel, layout: KernelLayout): ShaderPlan {
  const outSize = kernel.taps.map((t) => t.i0.length);
  const inPlane = kernel.inSize.reduce((n, s) => n * s, 1);
  const total = productExtent([kernel.planes, ...outSize.map(staticExtent)]);
  return gridStrideShader(kernel, total, (w) => {
    const [plane = 'o0', ...coords] = declareCoords(w, 'i', [kernel.planes, ...outSize.map(staticExtent)], 'o');
    w.line(`let base = ${bufferBase(kernel.x, layout)} + ${plane} * ${u32(inPlane)};`);
    coords.forEach((o, a) => {
      const stride = kernel.inSize.slice(a + 1).reduce((n, s) => n * s, 1);
      const scaled = (name: string): string => (stride === 1 ? `${name}${a}[${o}]` : `${name}${a}[${o}] * ${u32(stride)}`);
      w.line(`let lo${a}_at = ${scaled('lo')};`);
      w.line(`let hi${a}_at = ${scaled('hi')};`);
    });
    w.line(`data[${bufferBase(kernel.out, layout)} + i] = ${blend(kernel, coords)};`);
  }, tables(kernel));
}

/** lerp over the first axis of lerps over the rest: wlo·(…lo…) + whi·(…hi…). */
function blend(kernel: ResizeKernel, coords: readonly string[]): string {
  const x = arrayOf(kernel.x);
  const corner = (axis: number, offsets: readonly string[]): string => {
    if (axis === coords.length) return `${x}[base + ${offsets.join(' + ')}]`;
    const o = coords[axis] ?? '0u';
    const low = corner(axis + 1, [...offsets, `lo${axis}_at`]);
    const high = corner(axis + 1, [...offsets, `hi${axis}_at`]);
    return `(wlo${axis}[${o}] * ${low} + whi${axis}[${o}] * ${high})`;
  };
  return corner(0, []);
}
