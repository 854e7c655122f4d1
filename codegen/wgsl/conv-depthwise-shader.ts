// The depthwise conv shader (one input channel per output channel: depthwise convolutions and
// convolutions of a single-channel input). Each invocation computes up to TW neighbouring
// outputs along the last axis: per row of the window it loads the input span those outputs
// share into registers once, and the row's weights once, then runs TW × K fmas unrolled
// (3×3 stride 1 with TW = 4: 6 loads instead of 12 per row). Rows that fall in the padding
// are skipped whole; loads past an edge read zero. Long windows fall back to one output per
// invocation over loops of literal length.

import { productExtent, scaleExtent, staticExtent, type ConvKernel, type WindowAxis } from '../affine-kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { convEpilogue, convFinishFunction, convSizes, windowLoops } from './conv-common.ts';
import { arrayOf, bufferBase, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { affineI32, declareCoords, i32, windowOrigin } from './window-index.ts';

/** Outputs per invocation along the last axis, and the most unrolled fmas per window row. */
const TW = 4;
const MAX_ROW_FMAS = 32;

export function convDepthwiseShader(kernel: ConvKernel, layout: KernelLayout): ShaderPlan {
  const last = kernel.spatial[kernel.spatial.length - 1];
  if (last === undefined || last.taps * Math.min(TW, last.out) > MAX_ROW_FMAS) return plainDepthwise(kernel, layout);
  return blockedDepthwise(kernel, layout, last);
}

/** `xc`: the input plane output channel m reads (the group's only channel); `wm`: its weights. */
function planeBases(w: CodeWriter, kernel: ConvKernel, layout: KernelLayout): void {
  const { inPlane, taps, perGroup } = convSizes(kernel);
  w.line(`let xc = ${bufferBase(kernel.x, layout)} + (n * ${u32(kernel.inChannels)} + m / ${u32(perGroup)}) * ${u32(inPlane)};`);
  w.line(`let wm = ${bufferBase(kernel.weight, layout)} + m * ${u32(taps)};`);
}

function blockedDepthwise(kernel: ConvKernel, layout: KernelLayout, last: WindowAxis): ShaderPlan {
  const width = Math.min(TW, last.out);
  const blocks = Math.ceil(last.out / width);
  const outer = kernel.spatial.slice(0, -1);
  const outerPositions = outer.reduce((n, a) => n * a.out, 1);
  const perChannel = outerPositions * blocks;
  const total = productExtent([scaleExtent(kernel.batch, kernel.outChannels), staticExtent(perChannel)]);
  const x = arrayOf(kernel.x);
  const weights = arrayOf(kernel.weight);
  // The span of the row the block reads, relative to the first output's window origin.
  const reach = Array.from({ length: width }, (_, o) => Array.from({ length: last.taps }, (_, t) => o * last.stride + t * last.dilation)).flat();
  const low = Math.min(...reach);
  const high = Math.max(...reach);
  const firstIndex = low - last.padBegin;
  const lastIndex = (blocks - 1) * width * last.stride + high - last.padBegin;
  const checks = [...(firstIndex < 0 ? ['>= 0i'] : []), ...(lastIndex >= last.size ? [`< ${i32(last.size)}`] : [])];
  return gridStrideShader(kernel, total, (w) => {
    w.line(`let n = i / ${u32(kernel.outChannels * perChannel)};`);
    w.line(`let m = (i / ${u32(perChannel)}) % ${u32(kernel.outChannels)};`);
    w.line(`let block = i % ${u32(blocks)};`);
    w.line(`let po = (i / ${u32(blocks)}) % ${u32(outerPositions)};`);
    const coords = declareCoords(w, 'po', outer.map((a) => staticExtent(a.out)), 'o');
    planeBases(w, kernel, layout);
    w.line(`let first = block * ${u32(width)};`);
    w.line(`let orgl = ${windowOrigin(last, 'first')};`);
    for (let o = 0; o < width; o++) w.line(`var acc${o} = 0f;`);
    windowLoops(w, kernel, coords, (offset, tap) => {
      w.line(`let xrow = xc + ${offset};`);
      w.line(`let wrow = wm + ${tap};`);
      for (let j = low; j <= high; j++) {
        const name = `x${j - low}`;
        if (!reach.includes(j)) continue;
        if (checks.length === 0) {
          w.line(`let ${name} = ${x}[xrow + u32(${affineI32([{ expr: 'orgl', scale: 1 }], j)})];`);
          continue;
        }
        w.line(`var ${name} = 0f;`);
        w.line(`let at${j - low} = ${affineI32([{ expr: 'orgl', scale: 1 }], j)};`);
        w.block(`if (${checks.map((c) => `at${j - low} ${c}`).join(' && ')}) {`, () => w.line(`${name} = ${x}[xrow + u32(at${j - low})];`));
      }
      for (let t = 0; t < last.taps; t++) w.line(`let w${t} = ${weights}[wrow + ${u32(t)}];`);
      for (let o = 0; o < width; o++) {
        for (let t = 0; t < last.taps; t++) w.line(`acc${o} = fma(x${o * last.stride + t * last.dilation - low}, w${t}, acc${o});`);
      }
    }, outer.length);
    for (let o = 0; o < width; o++) {
      w.block(`if (first + ${u32(o)} < ${u32(last.out)}) {`, () => {
        w.line(`finish(n, m, po * ${u32(last.out)} + first + ${u32(o)}, acc${o});`);
      });
    }
  }, [convFinishFunction(kernel, layout)]);
}

/** One output per invocation, the window's taps in loops. */
function plainDepthwise(kernel: ConvKernel, layout: KernelLayout): ShaderPlan {
  const { positions } = convSizes(kernel);
  const total = productExtent([scaleExtent(kernel.batch, kernel.outChannels), staticExtent(positions)]);
  const x = arrayOf(kernel.x);
  const weights = arrayOf(kernel.weight);
  return gridStrideShader(kernel, total, (w) => {
    w.line(`let n = i / ${u32(kernel.outChannels * positions)};`);
    w.line(`let m = (i / ${u32(positions)}) % ${u32(kernel.outChannels)};`);
    w.line(`let p = i % ${u32(positions)};`);
    const coords = declareCoords(w, 'p', kernel.spatial.map((a) => staticExtent(a.out)), 'o');
    planeBases(w, kernel, layout);
    w.line('var acc = 0f;');
    windowLoops(w, kernel, coords, (offset, tap) => {
      w.line(`acc = fma(${x}[xc + ${offset}], ${weights}[wm + ${tap}], acc);`);
    });
    convEpilogue(w, kernel, layout, { n: 'n', m: 'm', p: 'p', acc: 'acc' });
  });
}
