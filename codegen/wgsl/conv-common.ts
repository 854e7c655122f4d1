// What the conv kernel's three WGSL shaders share: the convolution's sizes, the nested loops
// over a window's taps, and the epilogue (bias, residual, activation from the lowered scalar
// body, as linear's) with the store.

import { operandsOf } from '../../ir/scalar.ts';
import type { ConvKernel } from '../affine-kernels.ts';
import { CodeWriter } from '../writer.ts';
import { bufferBase, element, renderBody, stridedIndex, u32, type KernelLayout } from './shader-common.ts';
import { tapLoop, windowOrigin } from './window-index.ts';

/** Sizes every conv shader needs, as numbers. */
export interface ConvSizes {
  /** Output positions per plane, input positions per plane, taps per window. */
  readonly positions: number;
  readonly inPlane: number;
  readonly taps: number;
  /** Output channels per group. */
  readonly perGroup: number;
  /** Input strides of the spatial axes (row-major). */
  readonly inStrides: readonly number[];
}

const product = (values: readonly number[]): number => values.reduce((n, v) => n * v, 1);

export function convSizes(kernel: ConvKernel): ConvSizes {
  const sizes = kernel.spatial.map((a) => a.size);
  return {
    positions: product(kernel.spatial.map((a) => a.out)),
    inPlane: product(sizes),
    taps: product(kernel.spatial.map((a) => a.taps)),
    perGroup: kernel.outChannels / kernel.groups,
    inStrides: sizes.map((_, a) => product(sizes.slice(a + 1))),
  };
}

/**
 * Nested loops over the taps of every spatial axis at output coordinates `outCoords` (u32
 * locals): taps in the padding are skipped, and a transposed window visits only the taps that
 * land on input positions. `body` receives the u32 offset of the tap in an input plane and the
 * u32 flat tap index (row-major over the window, as the weight stores it). With `axes`, only
 * the leading axes loop: the body gets the offset and tap index of the row that starts there.
 */
export function windowLoops(
  w: CodeWriter, kernel: ConvKernel, outCoords: readonly string[], body: (offset: string, tap: string) => void, axes = kernel.spatial.length,
): void {
  const { inStrides } = convSizes(kernel);
  const offsets: string[] = [];
  const taps: string[] = [];
  kernel.spatial.slice(0, axes).forEach((spec, axis) => w.line(`let org${axis} = ${windowOrigin(spec, outCoords[axis] ?? '0u')};`));
  const open = (axis: number): void => {
    const spec = kernel.spatial[axis];
    if (spec === undefined || axis >= axes) {
      body(offsets.length === 0 ? '0u' : offsets.join(' + '), taps.length === 0 ? '0u' : taps.join(' + '));
      return;
    }
    const tap = `tap${axis}`;
    const name = `in${axis}`;
    const loop = tapLoop(spec, `org${axis}`, tap, name);
    const visit = (): void => {
      w.block(loop.header, () => {
        w.line(`let ${name} = ${loop.tap.numerator};`);
        if (loop.tap.valid !== undefined) w.line(`if (!(${loop.tap.valid})) { continue; }`);
        const stride = inStrides[axis] ?? 1;
        offsets.push(stride === 1 ? `u32(${loop.tap.index})` : `u32(${loop.tap.index}) * ${u32(stride)}`);
        const tapStride = product(kernel.spatial.slice(axis + 1).map((a) => a.taps));
        taps.push(tapStride === 1 ? tap : `${tap} * ${u32(tapStride)}`);
        open(axis + 1);
        offsets.pop();
        taps.pop();
      });
    };
    if (loop.guard === undefined) visit();
    else w.block(`if (${loop.guard}) {`, visit);
  };
  open(0);
}

/** WGSL locals naming one output element: sample n, channel m, flat position p in the plane. */
export interface ConvOutput {
  readonly n: string;
  readonly m: string;
  readonly p: string;
  readonly acc: string;
}

/** The epilogue operands' index terms over [batch, outChannels, ...out] at `at`. */
function operandIndex(strides: readonly number[], kernel: ConvKernel, at: ConvOutput): string {
  const terms: string[] = [];
  const scaled = (name: string, stride: number): void => {
    if (stride !== 0) terms.push(stride === 1 ? name : `${name} * ${u32(stride)}`);
  };
  scaled(at.n, strides[0] ?? 0);
  scaled(at.m, strides[1] ?? 0);
  const spatial = strides.slice(2);
  if (spatial.some((s) => s !== 0)) {
    terms.push(stridedIndex(at.p, kernel.spatial.map((a) => ({ perSample: 0, fixed: a.out })), spatial));
  }
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

/** Reads the epilogue's operands, evaluates its body on `acc` and stores the output element. */
export function convEpilogue(w: CodeWriter, kernel: ConvKernel, layout: KernelLayout, at: ConvOutput): void {
  const { positions } = convSizes(kernel);
  const rendered = renderBody(kernel.epilogue.body);
  w.line(`let v0 = ${at.acc};`);
  for (const index of operandsOf(kernel.epilogue.body)) {
    const access = kernel.epilogue.operands[index - 1];
    if (index === 0 || access === undefined) continue;
    w.line(`let v${index} = ${element(access.buffer, operandIndex(access.strides, kernel, at), layout)};`);
  }
  w.all(rendered.statements);
  const outIndex = `(${at.n} * ${u32(kernel.outChannels)} + ${at.m}) * ${u32(positions)} + ${at.p}`;
  w.line(`data[${bufferBase(kernel.out, layout)} + ${outIndex}] = ${rendered.value};`);
}

/** The epilogue as a WGSL function `finish(n, m, p, acc)`, for shaders with several outputs per invocation. */
export function convFinishFunction(kernel: ConvKernel, layout: KernelLayout): string {
  const w = new CodeWriter();
  w.block('fn finish(n: u32, m: u32, p: u32, acc: f32) {', () => convEpilogue(w, kernel, layout, { n: 'n', m: 'm', p: 'p', acc: 'acc' }));
  return w.toString().trimEnd();
}
