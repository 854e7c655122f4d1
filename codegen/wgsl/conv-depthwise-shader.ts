// The depthwise conv shader (one input channel per output channel: depthwise convolutions and
// convolutions of a single-channel input): one invocation per output element, the window's
// taps in loops of literal length that the shader compiler can unroll, padded taps skipped
// per axis (a padded row is skipped whole).

import { productExtent, scaleExtent, staticExtent, type ConvKernel } from '../kernels.ts';
import { convEpilogue, convSizes, windowLoops } from './conv-common.ts';
import { arrayOf, bufferBase, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { declareCoords } from './window-index.ts';

export function convDepthwiseShader(kernel: ConvKernel, layout: KernelLayout): ShaderPlan {
  const { positions, inPlane, taps, perGroup } = convSizes(kernel);
  const total = productExtent([scaleExtent(kernel.batch, kernel.outChannels), staticExtent(positions)]);
  const x = arrayOf(kernel.x);
  const weights = arrayOf(kernel.weight);
  return gridStrideShader(kernel, total, (w) => {
    w.line(`let n = i / ${u32(kernel.outChannels * positions)};`);
    w.line(`let m = (i / ${u32(positions)}) % ${u32(kernel.outChannels)};`);
    w.line(`let p = i % ${u32(positions)};`);
    const coords = declareCoords(w, 'p', kernel.spatial.map((a) => staticExtent(a.out)), 'o');
    // Output channel m reads input channel m / perGroup (the group's only channel).
    w.line(`let xc = ${bufferBase(kernel.x, layout)} + (n * ${u32(kernel.inChannels)} + m / ${u32(perGroup)}) * ${u32(inPlane)};`);
    w.line(`let wm = ${bufferBase(kernel.weight, layout)} + m * ${u32(taps)};`);
    w.line('var acc = 0f;');
    windowLoops(w, kernel, coords, (offset, tap) => {
      w.line(`acc = fma(${x}[xc + ${offset}], ${weights}[wm + ${tap}], acc);`);
    });
    convEpilogue(w, kernel, layout, { n: 'n', m: 'm', p: 'p', acc: 'acc' });
  });
}
