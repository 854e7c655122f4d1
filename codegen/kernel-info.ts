// One descriptor per kernel kind: the buffers it reads, the constant it wants packed for its
// micro-kernel (if any), the scalar bodies it evaluates and its flop count. Backends, weight
// planners and benchmarks ask this table instead of switching on the kind by hand, and the
// mapped type makes a new kernel kind without a descriptor a type error.

import type { ScalarExpr } from '../ir/scalar.ts';
import { evaluateSize } from '../ir/memory-plan.ts';
import type { SymSize } from '../ir/sym-size.ts';
import type * as K from './kernels.ts';

// The descriptors read either form of the kernel list (codegen/kernels.ts).
type Kernel = K.Kernel<K.SizeForm>;
type KernelKind = K.KernelKind;
type BufferRef = K.BufferRef<K.SizeForm>;
type ConvKernel = K.ConvKernel<K.SizeForm>;
type LoweredProgram = K.LoweredProgram<K.SizeForm>;

export interface KernelInfo<T extends Kernel> {
  /** Every buffer the kernel reads in its plain row-major layout (not the packed weight). */
  reads(kernel: T): readonly BufferRef[];
  /** The operand a target may store in a layout of its own (linear's weight panels). */
  packedWeight?(kernel: T): BufferRef | undefined;
  /** The scalar bodies evaluated per element (to find the math functions a target must ship). */
  bodies(kernel: T): readonly ScalarExpr[];
  /** Floating-point operations at `batch`: 2 per multiply-add, 1 per other result or tap. */
  flops(kernel: T, batch: number): number;
}

/** A size at `batch`: every symbol bound to it (the flop counts of benchmarks). */
export function extentAt(extent: K.AffineExtent | SymSize | number, batch: number): number {
  if (typeof extent === 'number') return extent;
  if ('perSample' in extent) return extent.perSample * batch + extent.fixed;
  return evaluateSize(extent, batch);
}

/**
 * A dense convolution (one group, forward taps) runs on the linear micro-kernels, so targets
 * may pack its weight [M, C, ...taps] as a [M, C·taps] matrix.
 */
export function isDense(kernel: ConvKernel): boolean {
  return kernel.groups === 1 && kernel.spatial.every((axis) => axis.divisor === 1 && axis.dilation > 0 && axis.padBegin >= 0);
}

function product(values: readonly number[]): number {
  return values.reduce((n, v) => n * v, 1);
}

const KERNEL_INFO: { readonly [K in KernelKind]: KernelInfo<Extract<Kernel, { kind: K }>> } = {
  elementwise: {
    reads: (k) => k.operands.map((a) => a.buffer),
    bodies: (k) => [k.body],
    flops: (k, batch) => product(k.extents.map((e) => extentAt(e, batch))),
  },
  linear: {
    reads: (k) => [k.x, ...k.epilogue.operands.map((a) => a.buffer)],
    packedWeight: (k) => k.weight,
    bodies: (k) => [k.epilogue.body],
    flops: (k, batch) => 2 * extentAt(k.rows, batch) * k.inFeatures * k.outFeatures,
  },
  matmul: {
    reads: (k) => [k.a, k.b],
    bodies: () => [],
    flops: (k, batch) => 2 * product(k.batch.map((e) => extentAt(e, batch))) * extentAt(k.m, batch) * extentAt(k.k, batch) * extentAt(k.n, batch),
  },
  softmax: {
    reads: (k) => [k.x],
    bodies: () => [],
    flops: (k, batch) => extentAt(k.outer, batch) * extentAt(k.size, batch) * extentAt(k.inner, batch),
  },
  conv: {
    reads: (k) => [k.x, ...(isDense(k) ? [] : [k.weight]), ...k.epilogue.operands.map((a) => a.buffer)],
    packedWeight: (k) => (isDense(k) ? k.weight : undefined),
    bodies: (k) => [k.epilogue.body],
    flops: (k, batch) => {
      const outputs = extentAt(k.batch, batch) * k.outChannels * product(k.spatial.map((a) => a.out));
      return 2 * outputs * k.groupIn * product(k.spatial.map((a) => a.taps));
    },
  },
  reduce: {
    reads: (k) => [k.x],
    bodies: () => [],
    flops: (k, batch) => product(k.axes.map((a) => extentAt(a.out, batch) * extentAt(a.taps, batch))),
  },
  gather: {
    reads: (k) => k.sources.map((s) => s.buffer),
    bodies: () => [],
    flops: () => 0,
  },
  lookup: {
    reads: (k) => [k.data, k.ids],
    bodies: () => [],
    flops: () => 0,
  },
  recurrence: {
    reads: (k) => [k.x, k.r, k.bias, ...[k.inputWeight, k.initialH, k.initialC, k.peepholes].filter((b) => b !== undefined)],
    bodies: (k) => k.bodies.flatMap((b) => [b.h, ...(b.c === undefined ? [] : [b.c]), ...(b.reset === undefined ? [] : [b.reset])]),
    // Per step and direction: the hidden product (2·G·H·H), the input product when unprojected, ~10 per unit.
    flops: (k, batch) => {
      const gh = k.gates * k.hidden;
      const perStep = 2 * gh * k.hidden + (k.inputWeight === undefined ? 0 : 2 * gh * (k.xWidth)) + 10 * k.hidden;
      return k.directions * extentAt(k.batch, batch) * k.steps * perStep;
    },
  },
  layer_norm: {
    reads: (k) => [k.x, ...[k.residual, k.scale, k.bias].filter((ref) => ref !== undefined)],
    bodies: () => [],
    flops: (k, batch) => 8 * extentAt(k.rows, batch) * k.size,
  },
  attention: {
    reads: (k) => [k.q, k.k, k.v, ...(k.mask === undefined ? [] : [k.mask.buffer])],
    bodies: () => [],
    flops: (k, batch) => {
      const rows = product(k.lead.map((e) => extentAt(e, batch))) * extentAt(k.sq, batch);
      return rows * extentAt(k.sk, batch) * (2 * k.d + 2 * k.dv + 4);
    },
  },
  resize: {
    reads: (k) => [k.x],
    bodies: () => [],
    flops: (k, batch) => 3 * extentAt(k.planes, batch) * product(k.taps.map((t) => t.i0.length)) * 2 ** k.taps.length,
  },
};

/** The descriptor of a kernel's kind. */
export function kernelInfo<T extends Kernel>(kernel: T): KernelInfo<T> {
  return KERNEL_INFO[kernel.kind] as unknown as KernelInfo<T>;
}

/** Every buffer a kernel reads, in any layout. */
export function kernelReads<F extends K.SizeForm>(kernel: K.Kernel<F>): readonly K.BufferRef<F>[] {
  const info = kernelInfo(kernel);
  const packed = info.packedWeight?.(kernel);
  const reads = info.reads(kernel) as readonly K.BufferRef<F>[];
  return packed === undefined ? reads : [...reads, packed as K.BufferRef<F>];
}

export function kernelBodies(kernel: Kernel): readonly ScalarExpr[] {
  return kernelInfo(kernel).bodies(kernel);
}

export function kernelFlops(kernel: Kernel, batch: number): number {
  return kernelInfo(kernel).flops(kernel, batch);
}

/** The constant a kernel wants in a packed layout, if it has one. */
export function packedWeightOf(kernel: Kernel): BufferRef | undefined {
  const info = kernelInfo(kernel);
  return info.packedWeight?.(kernel);
}

/**
 * Which constants a program reads row-major and which it wants packed for a kernel; a
 * constant can be both. A packed operand that is not a constant is returned in `unpackable`
 * (a target that packs at compile time must refuse it).
 */
export function constantUses<F extends K.SizeForm>(program: K.LoweredProgram<F>): { raw: Set<number>; packed: Set<number>; unpackable: K.Kernel<F>[] } {
  const raw = new Set<number>();
  const packed = new Set<number>();
  const unpackable: K.Kernel<F>[] = [];
  for (const kernel of program.kernels) {
    const info = kernelInfo(kernel);
    for (const ref of info.reads(kernel)) if (ref.kind === 'const') raw.add(ref.index);
    const weight = info.packedWeight?.(kernel);
    if (weight === undefined) continue;
    if (weight.kind === 'const') packed.add(weight.index);
    else unpackable.push(kernel);
  }
  return { raw, packed, unpackable };
}
