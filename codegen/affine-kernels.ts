// The kernel list in its affine form, for backends that handle one symbolic batch on axis 0
// (WASM and WGSL, for now): every Ext is perSample·batch + fixed and every Num a number.
// `toAffineProgram` projects what lowering makes onto it, or says why it cannot.

import { CompileError } from '../ir/errors.ts';
import { coefficientOf, constValue, formatSize, isConstSize, sameSize, type SymSize } from '../ir/sym-size.ts';
import type * as K from './kernels.ts';

export type AffineExtent = K.AffineExtent;
export type Extent = K.AffineExtent;
export type BufferRef = K.BufferRef<'affine'>;
export type Access = K.Access<'affine'>;
export type ElementwiseKernel = K.ElementwiseKernel<'affine'>;
export type LinearKernel = K.LinearKernel<'affine'>;
export type MatmulKernel = K.MatmulKernel<'affine'>;
export type SoftmaxKernel = K.SoftmaxKernel<'affine'>;
export type WindowAxis = K.WindowAxis;
export type ConvKernel = K.ConvKernel<'affine'>;
export type ReduceAxis = K.ReduceAxis<'affine'>;
export type ReduceKernel = K.ReduceKernel<'affine'>;
export type AxisMap = K.AxisMap;
export type GatherSource = K.GatherSource<'affine'>;
export type GatherKernel = K.GatherKernel<'affine'>;
export type ResizeKernel = K.ResizeKernel<'affine'>;
export type Kernel = K.Kernel<'affine'>;
export type KernelKind = K.KernelKind;
export type LoweredConstant = K.LoweredConstant;
export type LoweredTensor = K.LoweredTensor<'affine'>;
export type LoweredProgram = K.LoweredProgram<'affine'>;

export const ZERO_EXTENT: Extent = { perSample: 0, fixed: 0 };

export function staticExtent(value: number): Extent {
  return { perSample: 0, fixed: value };
}

export function scaleExtent(extent: Extent, factor: number): Extent {
  return { perSample: extent.perSample * factor, fixed: extent.fixed * factor };
}

/** The product of extents; at most one of them may depend on the batch. */
export function productExtent(extents: readonly Extent[]): Extent {
  let result: Extent = staticExtent(1);
  for (const extent of extents) {
    if (extent.perSample !== 0 && result.perSample !== 0) throw new Error('internal: product of two batched extents');
    result = extent.perSample !== 0 ? scaleExtent(extent, result.fixed) : scaleExtent(result, extent.fixed);
  }
  return result;
}

export function isStaticExtent(extent: Extent): boolean {
  return extent.perSample === 0;
}

/**
 * Projects a lowered program onto the affine form. Refused (a CompileError naming the
 * target) when the program has several symbols, or a size that is not affine in its one
 * symbol (a symbol off axis 0 makes strides symbolic).
 */
export function toAffineProgram(program: K.LoweredProgram, target: string): LoweredProgram {
  const [batch, ...others] = program.symbols;
  const refuse = (what: string): never => {
    throw new CompileError(`the ${target} target supports one symbolic batch dim on axis 0 only (for now); this graph has ${what} (the JS target and the interpreter take several symbols)`);
  };
  if (others.length > 0) refuse(`symbols ${program.symbols.join(', ')}`);
  const ext = (size: SymSize): Extent => {
    const perSample = batch === undefined ? 0 : coefficientOf(size, [batch]);
    const fixed = coefficientOf(size, []);
    const rebuilt = batch === undefined || perSample === 0 ? [] : [{ coeff: perSample, symbols: [batch] }];
    if (!sameSize(size, fixed === 0 ? rebuilt : [{ coeff: fixed, symbols: [] }, ...rebuilt])) refuse(`the size ${formatSize(size)}`);
    return { perSample, fixed };
  };
  const num = (size: SymSize): number => (isConstSize(size) ? constValue(size) : refuse(`the symbolic stride ${formatSize(size)}`));
  const ref = (r: K.BufferRef): BufferRef => (r.kind === 'arena' ? { kind: 'arena', offset: ext(r.offset) } : r);
  const access = (a: K.Access): Access => ({ buffer: ref(a.buffer), strides: a.strides.map(num) });
  const epilogue = (e: K.LinearKernel['epilogue']): LinearKernel['epilogue'] => ({ body: e.body, operands: e.operands.map(access) });
  const kernel = (k: K.Kernel): Kernel => {
    switch (k.kind) {
      case 'elementwise': return { ...k, out: ref(k.out), extents: k.extents.map(ext), operands: k.operands.map(access) };
      case 'linear': return { ...k, out: ref(k.out), rows: ext(k.rows), rowShape: k.rowShape.map(ext), x: ref(k.x), weight: ref(k.weight), epilogue: epilogue(k.epilogue) };
      case 'matmul': return {
        ...k, out: ref(k.out), batch: k.batch.map(ext), aBatchStrides: k.aBatchStrides.map(num), bBatchStrides: k.bBatchStrides.map(num),
        m: ext(k.m), k: num(k.k), n: num(k.n), a: ref(k.a), b: ref(k.b),
      };
      case 'softmax': return { ...k, out: ref(k.out), outer: ext(k.outer), size: ext(k.size), inner: num(k.inner), x: ref(k.x) };
      case 'conv': return { ...k, out: ref(k.out), batch: ext(k.batch), x: ref(k.x), weight: ref(k.weight), epilogue: epilogue(k.epilogue) };
      case 'reduce': return {
        ...k, out: ref(k.out), x: ref(k.x),
        axes: k.axes.map((a) => ({ ...a, out: ext(a.out), taps: num(a.taps), size: num(a.size), inStride: num(a.inStride) })),
      };
      case 'gather': return {
        ...k, out: ref(k.out), extents: k.extents.map(ext),
        sources: k.sources.map((source) => ({ ...source, buffer: ref(source.buffer), strides: source.strides.map(num) })),
      };
      case 'resize': return { ...k, out: ref(k.out), planes: ext(k.planes), x: ref(k.x) };
    }
  };
  const tensor = (t: K.LoweredTensor): LoweredTensor => {
    const size = ext(t.size);
    // Inputs and outputs: elements per sample when batched (as the affine bundles expect).
    return { name: t.name, shape: t.shape, size };
  };
  return {
    name: program.name, symbols: program.symbols, ...(batch !== undefined ? { batchSymbol: batch } : {}),
    inputs: program.inputs.map(tensor), outputs: program.outputs.map(tensor), constants: program.constants,
    arenaSize: ext(program.arenaSize), kernels: program.kernels.map(kernel),
  };
}
