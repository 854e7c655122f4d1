// The direct conv shader, for any window (transposed convolutions included): one invocation
// per output element walks the window's taps that land on input positions (skipping padding;
// a transposed window steps through its taps by phase, see tapLoop) and sums its group's input
// channels at each. Simple, not tiled.

import { productExtent, scaleExtent, staticExtent, type ConvKernel } from '../affine-kernels.ts';
import { convEpilogue, convSizes, windowLoops } from './conv-common.ts';
import { arrayOf, bufferBase, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { declareCoords } from './window-index.ts';

export function convDirectShader(kernel: ConvKernel, layout: KernelLayout): ShaderPlan {
  const { positions, inPlane, taps, perGroup } = convSizes(kernel);
  const total = productExtent([scaleExtent(kernel.batch, kernel.outChannels), staticExtent(positions)]);
  const x = arrayOf(kernel.x);
  const weights = arrayOf(kernel.weight);
  return gridStrideShader(kernel, total, (w) => {
    w.line(`let n = i / ${u32(kernel.outChannels * positions)};`);
    w.line(`let m = (i / ${u32(positions)}) % ${u32(kernel.outChannels)};`);
    w.line(`let p = i % ${u32(positions)};`);
    const coords = declareCoords(w, 'p', kernel.spatial.map((a) => staticExtent(a.out)), 'o');
    w.line(`let xg = ${bufferBase(kernel.x, layout)} + (n * ${u32(kernel.inChannels)} + (m / ${u32(perGroup)}) * ${u32(kernel.groupIn)}) * ${u32(inPlane)};`);
    w.line(`let wm = ${bufferBase(kernel.weight, layout)} + m * ${u32(kernel.groupIn * taps)};`);
    w.line('var acc = 0f;');
    windowLoops(w, kernel, coords, (offset, tap) => {
      w.line(`let xt = xg + ${offset};`);
      w.line(`let wt = wm + ${tap};`);
      w.block(`for (var c = 0u; c < ${u32(kernel.groupIn)}; c = c + 1u) {`, () => {
        w.line(`acc = fma(${x}[xt + c * ${u32(inPlane)}], ${weights}[wt + c * ${u32(taps)}], acc);`);
      });
    });
    convEpilogue(w, kernel, layout, { n: 'n', m: 'm', p: 'p', acc: 'acc' });
  });
}
