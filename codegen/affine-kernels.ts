// The kernel list in its affine form, for backends that handle one symbolic batch on axis 0
// (WASM and WGSL, for now): every Ext is perSample·batch + fixed and every Num a number.
// `toAffineProgram` projects what lowering makes onto it, or says why it cannot.

import { CompileError } from '../ir/errors.ts';
import { coefficientOf, constSize, constValue, formatSize, isConstSize, monomialKey, mulSizes, sameSize, type SymSize } from '../ir/sym-size.ts';
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
export type LookupKernel = K.LookupKernel<'affine'>;
export type RecurrenceKernel = K.RecurrenceKernel<'affine'>;
export type LayerNormKernel = K.LayerNormKernel<'affine'>;
export type AttentionKernel = K.AttentionKernel<'affine'>;
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
  return { ...extent, perSample: extent.perSample * factor, fixed: extent.fixed * factor };
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
 * Projects a lowered program onto the affine form: every size must be c·M + f for one
 * monomial M of the whole program (the batch N, or a product such as N·S for a model that
 * works token by token on [N, S, D]), which the target then treats as its batch, and every
 * stride static. Otherwise refused (a CompileError naming the target): sizes in two
 * monomials (mean pooling over S next to [N, S, D]) or symbolic strides (a transpose
 * moving S).
 */
export function toAffineProgram(program: K.LoweredProgram, target: string): LoweredProgram {
  const refuse = (what: string): never => {
    throw new CompileError(`the ${target} target supports one symbolic batch dim on axis 0 only (for now); this graph has ${what} (the JS target and the interpreter take several symbols; --dim fixes one at compile time)`);
  };
  // First pass: the monomials of every size.
  const monomials = new Set<string>();
  const record = (size: SymSize): Extent => {
    for (const term of size) if (term.symbols.length > 0) monomials.add(monomialKey(term.symbols));
    return ZERO_EXTENT;
  };
  const num = (size: SymSize): number => (isConstSize(size) ? constValue(size) : refuse(`the symbolic stride ${formatSize(size)}`));
  project(program, record, num, refuse);
  // Attention over a symbolic key length packs its keys into a scratch sized by the symbols:
  // the run-time-size layout places it (codegen/runtime-layout.ts).
  if (program.kernels.some((k) => k.kind === 'attention' && !isConstSize(k.sk))) refuse('attention over a symbolic key length');
  if (monomials.size > 1) refuse(`sizes in ${[...monomials].join(' and ')}`);
  const [batch] = monomials;
  const batchTerms = batch === undefined ? [] : batch.split('*');
  const ext = (size: SymSize): Extent => {
    const perSample = batch === undefined ? 0 : coefficientOf(size, batchTerms);
    return { perSample, fixed: coefficientOf(size, []) };
  };
  return { ...project(program, ext, num, refuse), ...(batch !== undefined ? { batchSymbol: batch } : {}) };
}

/**
 * The affine kernels assume what one batch on axis 0 guaranteed: in a list of extents only
 * the first depends on the batch (inner ones give the static strides of the output).
 */
function leadingOnly(extents: readonly Extent[], refuse: (what: string) => never): Extent[] {
  if (extents.some((e, i) => i > 0 && e.perSample !== 0)) refuse('a symbolic size inside a loop nest (a symbol on an inner axis)');
  return [...extents];
}

/**
 * linear's rowShape [N, S, …] folded to [N·S, …] where every epilogue operand steps through
 * those axes as one (the affine kernels decompose rows with static inner dims only).
 */
function mergeLinearRows(k: K.LinearKernel): K.LinearKernel {
  let last = -1;
  k.rowShape.forEach((e, i) => { if (!isConstSize(e)) last = i; });
  if (last <= 0) return k;
  const mergeable = k.epilogue.operands.every((op) => {
    for (let a = 0; a < last; a++) {
      if (!sameSize(op.strides[a] ?? [], mulSizes(op.strides[a + 1] ?? [], k.rowShape[a + 1] ?? constSize(1)))) return false;
    }
    return true;
  });
  if (!mergeable) return k;
  const operands = k.epilogue.operands.map((op) => ({ ...op, strides: op.strides.slice(last) }));
  return { ...k, rowShape: [mulSizes(...k.rowShape.slice(0, last + 1)), ...k.rowShape.slice(last + 1)], epilogue: { ...k.epilogue, operands } };
}

/**
 * One kernel in the affine form: `ext` maps its counts and offsets, `num` its strides and
 * static sizes; `refuse` is called with what does not fit (an inner symbolic axis). Also used
 * per kernel by the several-symbols projection (codegen/runtime-program.ts).
 */
export function projectKernel(k: K.Kernel, ext: (size: SymSize) => Extent, num: (size: SymSize) => number, refuse: (what: string) => never): Kernel {
  const lead = (sizes: readonly SymSize[]): Extent[] => leadingOnly(sizes.map(ext), refuse);
  const ref = (r: K.BufferRef): BufferRef => (r.kind === 'arena' ? { kind: 'arena', offset: ext(r.offset) } : r);
  const access = (a: K.Access): Access => ({ buffer: ref(a.buffer), strides: a.strides.map(num) });
  const epilogue = (e: K.LinearKernel['epilogue']): LinearKernel['epilogue'] => ({ body: e.body, operands: e.operands.map(access) });
  switch (k.kind) {
    case 'elementwise': return { ...k, out: ref(k.out), extents: lead(k.extents), operands: k.operands.map(access) };
    case 'linear': {
      const merged = mergeLinearRows(k);
      return { ...merged, out: ref(k.out), rows: ext(k.rows), rowShape: lead(merged.rowShape), x: ref(k.x), weight: ref(k.weight), epilogue: epilogue(merged.epilogue) };
    }
    case 'matmul': return {
      ...k, out: ref(k.out), batch: lead(k.batch), aBatchStrides: k.aBatchStrides.map(num), bBatchStrides: k.bBatchStrides.map(num),
      m: k.batch.length > 0 ? leadingOnly([staticExtent(0), ext(k.m)], refuse)[1] ?? ZERO_EXTENT : ext(k.m), k: num(k.k), n: num(k.n), a: ref(k.a), b: ref(k.b),
    };
    case 'softmax': return { ...k, out: ref(k.out), outer: ext(k.outer), size: ext(k.size), inner: num(k.inner), x: ref(k.x) };
    case 'conv': return { ...k, out: ref(k.out), batch: ext(k.batch), x: ref(k.x), weight: ref(k.weight), epilogue: epilogue(k.epilogue) };
    case 'reduce': return {
      ...k, out: ref(k.out), x: ref(k.x),
      axes: k.axes.map((a, i) => ({ ...a, out: i === 0 ? ext(a.out) : (leadingOnly([ZERO_EXTENT, ext(a.out)], refuse)[1] ?? ZERO_EXTENT), taps: num(a.taps), size: num(a.size), inStride: num(a.inStride) })),
    };
    case 'gather': return {
      ...k, out: ref(k.out), extents: lead(k.extents),
      sources: k.sources.map((source) => ({ ...source, buffer: ref(source.buffer), strides: source.strides.map(num) })),
    };
    case 'resize': return { ...k, out: ref(k.out), planes: ext(k.planes), x: ref(k.x) };
    case 'lookup': return {
      ...k, out: ref(k.out), outer: ext(k.outer), count: ext(k.count), data: ref(k.data), ids: ref(k.ids), idsStrides: k.idsStrides.map(num),
    };
    case 'recurrence': {
      const opt = <Key extends 'inputWeight' | 'initialH' | 'initialC' | 'peepholes'>(key: Key): Partial<Record<Key, BufferRef>> => {
        const r = k[key];
        return r === undefined ? {} : ({ [key]: ref(r) } as Record<Key, BufferRef>);
      };
      const { inputWeight: _w, initialH: _h, initialC: _c, peepholes: _p, ...rest } = k;
      return {
        ...rest, out: ref(k.out), batch: ext(k.batch), x: ref(k.x), r: ref(k.r), bias: ref(k.bias),
        ...opt('inputWeight'), ...opt('initialH'), ...opt('initialC'), ...opt('peepholes'),
      };
    }
    case 'layer_norm': {
      const { residual, scale, bias, ...rest } = k;
      return {
        ...rest, out: ref(k.out), rows: ext(k.rows), x: ref(k.x), ...(residual === undefined ? {} : { residual: ref(residual) }),
        ...(scale === undefined ? {} : { scale: ref(scale) }), ...(bias === undefined ? {} : { bias: ref(bias) }),
      };
    }
    case 'attention': {
      const { mask, ...rest } = k;
      return {
        ...rest, out: ref(k.out), lead: lead(k.lead), sq: ext(k.sq), sk: ext(k.sk), q: ref(k.q), k: ref(k.k), v: ref(k.v),
        ...(mask === undefined ? {} : {
          mask: { buffer: ref(mask.buffer), leadStrides: mask.leadStrides.map(ext), rowStride: ext(mask.rowStride), colStride: num(mask.colStride) },
        }),
      };
    }
  }
}

function project(program: K.LoweredProgram, ext: (size: SymSize) => Extent, num: (size: SymSize) => number, refuse: (what: string) => never): LoweredProgram {
  const kernel = (k: K.Kernel): Kernel => projectKernel(k, ext, num, refuse);
  // Inputs and outputs: elements per unit of the batch when batched (as the affine bundles expect).
  const tensor = (t: K.LoweredTensor): LoweredTensor => ({ name: t.name, shape: t.shape, size: ext(t.size), dtype: t.dtype });
  return {
    name: program.name, symbols: program.symbols,
    inputs: program.inputs.map(tensor), outputs: program.outputs.map(tensor), constants: program.constants,
    arenaSize: ext(program.arenaSize), kernels: program.kernels.map(kernel),
  };
}
