// One descriptor per kernel kind: the buffers it reads, the constant it wants packed for its
// micro-kernel (if any), the scalar bodies it evaluates and its flop count. Backends, weight
// planners and benchmarks ask this table instead of switching on the kind by hand, and the
// mapped type makes a new kernel kind without a descriptor a type error.

import type { ScalarExpr } from '../ir/scalar.ts';
import type { BufferRef, ConvKernel, Extent, Kernel, KernelKind, LoweredProgram } from './kernels.ts';

export interface KernelInfo<K extends Kernel> {
  /** Every buffer the kernel reads in its plain row-major layout (not the packed weight). */
  reads(kernel: K): readonly BufferRef[];
  /** The operand a target may store in a layout of its own (linear's weight panels). */
  packedWeight?(kernel: K): BufferRef | undefined;
  /** The scalar bodies evaluated per element (to find the math functions a target must ship). */
  bodies(kernel: K): readonly ScalarExpr[];
  /** Floating-point operations at `batch`: 2 per multiply-add, 1 per other result or tap. */
  flops(kernel: K, batch: number): number;
}

export function extentAt(extent: Extent, batch: number): number {
  return extent.perSample * batch + extent.fixed;
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
    flops: (k, batch) => 2 * product(k.batch.map((e) => extentAt(e, batch))) * extentAt(k.m, batch) * k.k * k.n,
  },
  softmax: {
    reads: (k) => [k.x],
    bodies: () => [],
    flops: (k, batch) => extentAt(k.outer, batch) * extentAt(k.size, batch) * k.inner,
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
    flops: (k, batch) => product(k.axes.map((a) => extentAt(a.out, batch) * a.taps)),
  },
  gather: {
    reads: (k) => k.sources.map((s) => s.buffer),
    bodies: () => [],
    flops: () => 0,
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
      return rows * k.sk * (2 * k.d + 2 * k.dv + 4);
    },
  },
  resize: {
    reads: (k) => [k.x],
    bodies: () => [],
    flops: (k, batch) => 3 * extentAt(k.planes, batch) * product(k.taps.map((t) => t.i0.length)) * 2 ** k.taps.length,
  },
};

/** The descriptor of a kernel's kind. */
export function kernelInfo<K extends Kernel>(kernel: K): KernelInfo<K> {
  return KERNEL_INFO[kernel.kind] as unknown as KernelInfo<K>;
}

/** Every buffer a kernel reads, in any layout. */
export function kernelReads(kernel: Kernel): readonly BufferRef[] {
  const info = kernelInfo(kernel);
  const packed = info.packedWeight?.(kernel);
  return packed === undefined ? info.reads(kernel) : [...info.reads(kernel), packed];
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
export function constantUses(program: LoweredProgram): { raw: Set<number>; packed: Set<number>; unpackable: Kernel[] } {
  const raw = new Set<number>();
  const packed = new Set<number>();
  const unpackable: Kernel[] = [];
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
