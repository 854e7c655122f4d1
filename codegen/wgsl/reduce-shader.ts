// The reduce kernel (max/avg pooling, global pooling, reduce_*): one invocation per output
// element walks its window, axis by axis in loops of literal length, skipping padding taps,
// combines with sum, max or min in f32, and finishes with the mean's divisor where asked.
// Large windows without padding (global pooling of big maps, reduce_* over long axes) get a
// workgroup per output instead: 64 invocations stride over the taps, then a tree in
// workgroup memory (or, in the `subgroups` variant, subgroup operations) combines their
// partial results.

import { productExtent, staticExtent, type ReduceAxis, type ReduceKernel, type WindowAxis } from '../affine-kernels.ts';
import { CodeWriter } from '../writer.ts';
import { arrayOf, bufferBase, extentExpr, gridStrideShader, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { SUBGROUP_BUILTINS, workgroupReduce } from './subgroup-reduce.ts';
import { declareCoords, i32, tapNumerator, windowIsPadded, windowOrigin, windowTap } from './window-index.ts';

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

/** Taps per window from which a workgroup shares each output. */
const WIDE_TAPS = 256;
const WIDE_WORKGROUP = 64;

export function reduceShader(kernel: ReduceKernel, layout: KernelLayout): ShaderPlan {
  const windowed = kernel.axes.filter((a) => !isStraight(a));
  const taps = windowed.reduce((n, a) => n * a.taps, 1);
  const padded = windowed.some((a) => windowIsPadded(windowOf(a)));
  if (taps >= WIDE_TAPS && !padded && kernel.finish !== 'mean-padded') return wideReduceShader(kernel, layout, taps);
  return narrowReduceShader(kernel, layout, padded);
}

/** One output per invocation; `padded`: some window meets padding (so a mean counts its taps). */
function narrowReduceShader(kernel: ReduceKernel, layout: KernelLayout, padded: boolean): ShaderPlan {
  const total = productExtent(kernel.axes.map((a) => a.out));
  const combine = COMBINE[kernel.combine];
  const x = arrayOf(kernel.x);
  return gridStrideShader(kernel, total, (w) => {
    const coords = declareCoords(w, 'i', kernel.axes.map((a) => a.out), 'o');
    w.line(`var acc = ${combine.init};`);
    // A mean over a window that never meets padding divides by its literal size.
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
      const tap = `tap${index}`;
      w.block(`for (var ${tap} = 0u; ${tap} < ${u32(axis.taps)}; ${tap} = ${tap} + 1u) {`, () => {
        const window = windowTap(windowOf(axis), windowOrigin(axis, o), tap, `in${index}`);
        w.line(`let in${index} = ${window.numerator};`);
        if (window.valid !== undefined) w.line(`if (!(${window.valid})) { continue; }`);
        offsets.push(scaled(`u32(${window.index})`));
        open(index + 1);
        offsets.pop();
      });
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

/** A workgroup per output: invocation li combines taps li, li + 64, …; then the workgroup combines the 64. */
function wideReduceShader(kernel: ReduceKernel, layout: KernelLayout, taps: number): ShaderPlan {
  const total = productExtent(kernel.axes.map((a) => a.out));
  return {
    code: wideReduceCode(kernel, layout, taps, false),
    dispatch: [{ items: total, per: 1 }, { items: staticExtent(1), per: 1 }],
    invocations: WIDE_WORKGROUP,
    workgroupBytes: 4 * WIDE_WORKGROUP,
    variants: { subgroups: wideReduceCode(kernel, layout, taps, true) },
  };
}

function wideReduceCode(kernel: ReduceKernel, layout: KernelLayout, taps: number, subgroups: boolean): string {
  const total = productExtent(kernel.axes.map((a) => a.out));
  const combine = COMBINE[kernel.combine];
  const x = arrayOf(kernel.x);
  const windowed = kernel.axes.map((axis, index) => ({ axis, index })).filter(({ axis }) => !isStraight(axis));
  const w = new CodeWriter();
  w.line(`var<workgroup> red: array<f32, ${WIDE_WORKGROUP}>;`);
  w.line('');
  w.line(`@compute @workgroup_size(${WIDE_WORKGROUP})`);
  const builtins = subgroups ? `, ${SUBGROUP_BUILTINS}` : '';
  w.block(`fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u${builtins}) {`, () => {
    w.line(`let total = ${extentExpr(total)};`);
    w.block('for (var i = wid.x; i < total; i = i + groups.x) {', () => {
      const coords = declareCoords(w, 'i', kernel.axes.map((a) => a.out), 'o');
      w.line(`var acc = ${combine.init};`);
      w.block(`for (var k = li; k < ${u32(taps)}; k = k + ${u32(WIDE_WORKGROUP)}) {`, () => {
        const tapCoords = declareCoords(w, 'k', windowed.map(({ axis }) => staticExtent(axis.taps)), 'tap');
        const offsets = kernel.axes.map((axis, index) => {
          const position = windowed.findIndex((entry) => entry.index === index);
          const o = coords[index] ?? '0u';
          // Unpadded: the tap is always inside the input, no test.
          const at = position < 0 ? o : `u32(${tapNumerator(axis, windowOrigin(axis, o), tapCoords[position] ?? '0u')})`;
          return axis.inStride === 1 ? at : `${at} * ${u32(axis.inStride)}`;
        });
        w.line(`acc = ${combine.step('acc', `${x}[${bufferBase(kernel.x, layout)} + ${offsets.join(' + ')}]`)};`);
      });
      workgroupReduce(w, { value: 'acc', combine: kernel.combine, result: 'whole', size: WIDE_WORKGROUP, subgroups });
      w.block('if (li == 0u) {', () => {
        const value = kernel.finish === 'mean' ? `whole / f32(${u32(taps)})` : 'whole';
        w.line(`data[${bufferBase(kernel.out, layout)} + i] = ${value};`);
      });
    });
  });
  return shaderModule(kernel, w.toString(), subgroups ? ['subgroups'] : []);
}
