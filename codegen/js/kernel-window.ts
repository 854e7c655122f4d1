// Windowed kernels in JS: convolution (plain loops over output channel, output position,
// input channel and taps, f64 sums in the interpreter's order, so results match it bit for
// bit) and windowed reductions (pooling, reduce_*). Window sizes are literals; the symbols
// (the batch, a reduced sequence axis) are read at run time. Bounds tests are emitted only on axes whose window can leave the input.

import { JS_SYNTAX, renderExpr } from '../expr-render.ts';
import { constValue, sameSize } from '../../ir/sym-size.ts';
import { isStaticExtent, staticExtent, type ConvKernel, type ReduceAxis, type ReduceKernel, type WindowAxis } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

function product(values: readonly number[]): number {
  return values.reduce((n, v) => n * v, 1);
}

/** Whether some tap of this axis can fall outside the input (or between strided inputs). */
function needsCheck(axis: WindowAxis): boolean {
  if (axis.divisor !== 1) return true;
  const first = -axis.padBegin + Math.min(0, (axis.taps - 1) * axis.dilation);
  const last = (axis.out - 1) * axis.stride - axis.padBegin + Math.max(0, (axis.taps - 1) * axis.dilation);
  return first < 0 || last >= axis.size;
}

/**
 * Opens the tap loop of window axis `a`: binds `i{a}` to the input index of output `o{a}`,
 * skipping taps in the padding. `body` runs inside.
 */
function tapLoop(body: CodeWriter, axis: WindowAxis, a: number, inner: () => void): void {
  body.block(`for (let t${a} = 0; t${a} < ${axis.taps}; t${a}++) {`, () => {
    const position = plus(times(`o${a}`, axis.stride), times(`t${a}`, axis.dilation), String(-axis.padBegin)).replace(/\+ -/g, '- ');
    if (axis.divisor === 1) {
      body.line(`const i${a} = ${position};`);
      if (needsCheck(axis)) body.line(`if (i${a} < 0 || i${a} >= ${axis.size}) continue;`);
    } else {
      body.line(`const s${a} = ${position};`);
      body.line(`if (s${a} < 0 || s${a} % ${axis.divisor} !== 0) continue;`);
      body.line(`const i${a} = s${a} / ${axis.divisor};`);
      body.line(`if (i${a} >= ${axis.size}) continue;`);
    }
    inner();
  });
}

export function emitConv(kernel: ConvKernel, scope: KernelScope, body: CodeWriter): void {
  const x = scope.use(kernel.x);
  const w = scope.use(kernel.weight);
  const out = scope.use(kernel.out);
  const operands = kernel.epilogue.operands.map((access) => ({ ...scope.use(access.buffer), strides: access.strides }));
  const inSizes = kernel.spatial.map((axis) => axis.size);
  const taps = kernel.spatial.map((axis) => axis.taps);
  const plane = product(inSizes);
  const perGroup = kernel.outChannels / kernel.groups;
  const coords = ['n', 'm', ...kernel.spatial.map((_, a) => `o${a}`)];
  body.line(`let o = ${out.base};`);
  body.block(`for (let n = 0; n < ${renderExtent(kernel.batch)}; n++) {`, () => {
    body.block(`for (let m = 0; m < ${kernel.outChannels}; m++) {`, () => {
      const group = kernel.groups === 1 ? '0' : `Math.floor(m / ${perGroup})`;
      body.line(`const xg = ${plus(x.base, times('n', kernel.inChannels * plane), times(group, kernel.groupIn * plane))};`);
      body.line(`const wm = ${plus(w.base, times('m', kernel.groupIn * product(taps)))};`);
      const spatialLoop = (a: number): void => {
        if (a === kernel.spatial.length) {
          body.line('let acc = 0;');
          body.block(`for (let c = 0; c < ${kernel.groupIn}; c++) {`, () => {
            body.line(`const xc = ${plus('xg', times('c', plane))};`);
            body.line(`const wc = ${plus('wm', times('c', product(taps)))};`);
            const tapLoops = (t: number): void => {
              const axis = kernel.spatial[t];
              if (axis === undefined) {
                const xAt = plus('xc', ...kernel.spatial.map((_, i) => times(`i${i}`, product(inSizes.slice(i + 1)))));
                const wAt = plus('wc', ...kernel.spatial.map((_, i) => times(`t${i}`, product(kernel.spatial.slice(i + 1).map((s) => s.taps)))));
                body.line(`acc += ${x.array}[${xAt}] * ${w.array}[${wAt}];`);
                return;
              }
              tapLoop(body, axis, t, () => tapLoops(t + 1));
            };
            tapLoops(0);
          });
          const rendered = renderExpr(kernel.epilogue.body, JS_SYNTAX, {
            // The sum rounded to f32, as the interpreter stores it before its epilogue.
            operand: (index) => {
              if (index === 0) return 'Math.fround(acc)';
              const op = operands[index - 1];
              if (op === undefined) throw new Error('internal: conv epilogue operand out of range');
              return `${op.array}[${plus(op.base, ...coords.map((coord, i) => times(coord, op.strides[i] ?? 0)))}]`;
            },
            localPrefix: 'e',
          });
          body.all(rendered.statements);
          body.line(`${out.array}[o++] = ${rendered.value};`);
          return;
        }
        const axis = kernel.spatial[a];
        body.block(`for (let o${a} = 0; o${a} < ${axis?.out ?? 1}; o${a}++) {`, () => spatialLoop(a + 1));
      };
      spatialLoop(0);
    });
  });
}

function isPlain(axis: ReduceAxis): boolean {
  return sameSize(axis.taps, staticExtent(1)) && axis.stride === 1 && axis.padBegin === 0 && axis.padEnd === 0;
}

/** A reduce axis with static sizes as a window axis (a symbolic one is a full reduction). */
function reduceWindow(axis: ReduceAxis): WindowAxis {
  return {
    out: constValue(axis.out), taps: constValue(axis.taps), stride: axis.stride, dilation: axis.dilation, padBegin: axis.padBegin,
    divisor: 1, size: constValue(axis.size),
  };
}

/** A full reduction over a symbolic axis (mean over S): every tap, never out of bounds. */
function symbolicTapLoop(body: CodeWriter, axis: ReduceAxis, a: number, inner: () => void): void {
  body.block(`for (let i${a} = 0; i${a} < ${renderExtent(axis.taps)}; i${a}++) {`, inner);
}

export function emitReduce(kernel: ReduceKernel, scope: KernelScope, body: CodeWriter): void {
  const x = scope.use(kernel.x);
  const out = scope.use(kernel.out);
  const windowed = kernel.axes.map((axis, a) => ({ axis, a })).filter(({ axis }) => !isPlain(axis));
  const init = { sum: '0', max: '-Infinity', min: 'Infinity' }[kernel.combine];
  body.line(`let o = ${out.base};`);
  const outLoop = (a: number): void => {
    if (a === kernel.axes.length) {
      body.line(`let acc = ${init};`);
      if (kernel.finish === 'mean') body.line('let count = 0;');
      const taps = (k: number): void => {
        const entry = windowed[k];
        if (entry === undefined) {
          const at = plus(x.base, ...kernel.axes.map((axis, i) => times(isPlain(axis) ? `o${i}` : `i${i}`, axis.inStride)));
          const value = `${x.array}[${at}]`;
          body.line(kernel.combine === 'sum' ? `acc += ${value};` : `acc = Math.${kernel.combine}(acc, ${value});`);
          if (kernel.finish === 'mean') body.line('count++;');
          return;
        }
        if (isStaticExtent(entry.axis.taps) && isStaticExtent(entry.axis.size)) tapLoop(body, reduceWindow(entry.axis), entry.a, () => taps(k + 1));
        else symbolicTapLoop(body, entry.axis, entry.a, () => taps(k + 1));
      };
      taps(0);
      body.line(`${out.array}[o++] = ${finish(kernel)};`);
      return;
    }
    const axis = kernel.axes[a];
    body.block(`for (let o${a} = 0; o${a} < ${renderExtent(axis?.out ?? staticExtent(1))}; o${a}++) {`, () => outLoop(a + 1));
  };
  outLoop(0);
}

/** The result expression: the combined value, or the sum divided by avg_pool's divisor. */
function finish(kernel: ReduceKernel): string {
  if (kernel.finish === 'none') return 'acc';
  if (kernel.finish === 'mean') return 'acc / count';
  // count_include_pad: each axis' window clipped to the padded input, whatever it covers.
  const factors = kernel.axes.flatMap((axis, a) => {
    if (isPlain(axis)) return [];
    const start = `o${a} * ${axis.stride} - ${axis.padBegin}`;
    return [`(Math.min(${start} + ${renderExtent(axis.taps)}, ${constValue(axis.size) + axis.padEnd}) - (${start}))`];
  });
  return `acc / (${factors.length === 0 ? '1' : factors.join(' * ')})`;
}
