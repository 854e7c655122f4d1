// The reduce kernel (max/avg pooling, global pooling, reduce_*): one invocation per output
// element walks its window, axis by axis in loops of literal length, skipping padding taps,
// combines with sum, max or min in f32, and finishes with the mean's divisor where asked.

import { productExtent, type ReduceAxis, type ReduceKernel, type WindowAxis } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { arrayOf, bufferBase, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { declareCoords, i32, windowIsPadded, windowOrigin, windowTap } from './window-index.ts';

const COMBINE: { readonly [C in ReduceKernel['combine']]: { init: string; step: (acc: string, value: string) => string } } = {
  sum: { init: '0f', step: (acc, value) => `${acc} + ${value}` },
  // Padding never wins: start from the infinity (the interpreter's Math.max(-Infinity, …)).
  max: { init: '-fg_inf()', step: (acc, value) => `max(${acc}, ${value})` },
  min: { init: 'fg_inf()', step: (acc, value) => `min(${acc}, ${value})` },
};

/** An axis read straight at its output coordinate (a plane, the batch, a kept axis). */
function isStraight(axis: ReduceAxis): boolean {
  return axis.taps === 1 && axis.stride === 1 && axis.padBegin === 0;
}

function windowOf(axis: ReduceAxis): WindowAxis {
  return { out: axis.out.fixed, taps: axis.taps, stride: axis.stride, dilation: axis.dilation, padBegin: axis.padBegin, divisor: 1, size: axis.size };
}

export function reduceShader(kernel: ReduceKernel, layout: KernelLayout): ShaderPlan {
  const total = productExtent(kernel.axes.map((a) => a.out));
  const combine = COMBINE[kernel.combine];
  const x = arrayOf(kernel.x);
  return gridStrideShader(kernel, total, (w) => {
    const coords = declareCoords(w, 'i', kernel.axes.map((a) => a.out), 'o');
    w.line(`var acc = ${combine.init};`);
    // A mean over a window that never meets padding divides by its literal size.
    const padded = kernel.axes.some((a) => !isStraight(a) && windowIsPadded(windowOf(a)));
    if (kernel.finish === 'mean' && padded) w.line('var count = 0u;');
    const offsets: string[] = [];
    const open = (index: number): void => {
      const axis = kernel.axes[index];
      const o = coords[index] ?? '0u';
      if (axis === undefined) {
        w.line(`acc = ${combine.step('acc', `${x}[${bufferBase(kernel.x, layout)} + ${offsets.length === 0 ? '0u' : offsets.join(' + ')}]`)};`);
        if (kernel.finish === 'mean' && padded) w.line('count = count + 1u;');
        return;
      }
      const scaled = (expr: string): string => (axis.inStride === 1 ? expr : `${expr} * ${u32(axis.inStride)}`);
      if (isStraight(axis)) {
        offsets.push(scaled(o));
        open(index + 1);
        offsets.pop();
        return;
      }
      const inner = (tap: string): void => {
        const window = windowTap(windowOf(axis), windowOrigin(axis, o), tap, `in${index}`);
        w.line(`let in${index} = ${window.numerator};`);
        if (window.valid !== undefined) w.line(`if (!(${window.valid})) { continue; }`);
        offsets.push(scaled(`u32(${window.index})`));
        open(index + 1);
        offsets.pop();
      };
      w.block(`for (var tap${index} = 0u; tap${index} < ${u32(axis.taps)}; tap${index} = tap${index} + 1u) {`, () => inner(`tap${index}`));
    };
    open(0);
    const value = finish(w, kernel, coords, padded);
    w.line(`data[${bufferBase(kernel.out, layout)} + i] = ${value};`);
  });
}

/** The stored value: acc, or acc divided by the mean's count (declaring what that needs). */
function finish(w: CodeWriter, kernel: ReduceKernel, coords: readonly string[], padded: boolean): string {
  switch (kernel.finish) {
    case 'none': return 'acc';
    case 'mean': {
      if (padded) return 'acc / f32(count)';
      const count = kernel.axes.reduce((n, a) => n * a.taps, 1);
      return `acc / f32(${u32(count)})`;
    }
    case 'mean-padded': {
      // avg_pool's count_include_pad: the window clipped to the padded input, per axis.
      const factors: string[] = [];
      kernel.axes.forEach((axis, index) => {
        if (isStraight(axis)) return;
        w.line(`let start${index} = ${windowOrigin(axis, coords[index] ?? '0u')};`);
        w.line(`let span${index} = min(start${index} + ${i32(axis.taps)}, ${i32(axis.size + axis.padEnd)}) - start${index};`);
        factors.push(`span${index}`);
      });
      return factors.length === 0 ? 'acc' : `acc / f32(${factors.join(' * ')})`;
    }
  }
}
