// The backend-neutral kernel list that lowering produces and every renderer (JS, WGSL, WASM)
// consumes: static shapes and strides, buffer locations, scalar bodies. Only the symbolic
// batch is unknown at compile time; every size that depends on it is an Extent.

import type { AffineSize } from '../ir/memory-plan.ts';
import type { ScalarExpr } from '../ir/scalar.ts';
import type { Shape, StaticShape } from '../ir/types.ts';

/** A count that may depend on the batch: perSample * batch + fixed (a loop bound, an offset). */
export type Extent = AffineSize;

/** Where a tensor lives at run time. Arena offsets are in f32 elements, affine in the batch. */
export type BufferRef =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'const'; readonly index: number }
  | { readonly kind: 'arena'; readonly offset: Extent }
  | { readonly kind: 'output'; readonly index: number };

/**
 * An operand read inside a loop nest: element (i_0, …, i_n) of the nest is at
 * `sum(i_a * strides[a])` from the start of the buffer (stride 0 on broadcast axes).
 */
export interface Access {
  readonly buffer: BufferRef;
  readonly strides: readonly number[];
}

interface KernelBase {
  /** The node value this kernel computes: model-supplied text, for comments only (escape it). */
  readonly label: string;
  /** The IR op it came from (`linear`, `fused_elementwise`, `transpose`, …). */
  readonly op: string;
  /** Written contiguously, row-major over the kernel's output shape. */
  readonly out: BufferRef;
}

/**
 * A loop nest over `extents` (contiguous axes already merged, so a same-shape elementwise op
 * is one flat loop) computing `body` over the operands $0..$n. Layout ops that move data
 * (transpose, a reshape that cannot alias) are this kernel with the body `$0`.
 */
export interface ElementwiseKernel extends KernelBase {
  readonly kind: 'elementwise';
  readonly extents: readonly Extent[];
  readonly operands: readonly Access[];
  readonly body: ScalarExpr;
}

/**
 * out[r, j] = epilogue(sum_k x[r, k] * weight[j, k], operands…) for r < rows, j < outFeatures.
 * `weight` is [outFeatures, inFeatures] row-major (PyTorch layout). In the epilogue, $0 is the
 * dot product and $1.. are `epilogue.operands`, whose strides run over `[...rowShape,
 * outFeatures]` (bias: [0, …, 0, 1]); `rowShape` factors `rows` into the output's leading dims.
 */
export interface LinearKernel extends KernelBase {
  readonly kind: 'linear';
  readonly rows: Extent;
  readonly rowShape: readonly Extent[];
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly x: BufferRef;
  readonly weight: BufferRef;
  readonly epilogue: { readonly body: ScalarExpr; readonly operands: readonly Access[] };
}

/**
 * Batched matrix product: for each p over `batch` (strides per batch axis for a and b, in
 * elements), out[p, i, j] = sum_t a[p, i, t] * b[p, t, j], with a [m, k] and b [k, n] blocks
 * row-major. `m` may be the symbolic batch (a 2-D batched left operand).
 */
export interface MatmulKernel extends KernelBase {
  readonly kind: 'matmul';
  readonly batch: readonly Extent[];
  readonly aBatchStrides: readonly number[];
  readonly bBatchStrides: readonly number[];
  readonly m: Extent;
  readonly k: number;
  readonly n: number;
  readonly a: BufferRef;
  readonly b: BufferRef;
}

/** Stable softmax over the middle axis of an [outer, size, inner] view of x (and out). */
export interface SoftmaxKernel extends KernelBase {
  readonly kind: 'softmax';
  readonly outer: Extent;
  readonly size: Extent;
  readonly inner: number;
  readonly x: BufferRef;
}

export type Kernel = ElementwiseKernel | LinearKernel | MatmulKernel | SoftmaxKernel;
export type KernelKind = Kernel['kind'];

export interface LoweredConstant {
  /** The const node's value name (model text: comments only). */
  readonly label: string;
  readonly shape: StaticShape;
  readonly data: Float32Array;
}

export interface LoweredTensor {
  /** The public name (model text: escape it wherever it appears). */
  readonly name: string;
  /** The IR shape, symbolic batch as a string on axis 0. */
  readonly shape: Shape;
  /** Elements per sample if batched, else the whole size. */
  readonly size: Extent;
}

export interface LoweredProgram {
  readonly name: string;
  /** The symbolic batch dim (e.g. "N"), if any input has one. */
  readonly batchSymbol?: string;
  readonly inputs: readonly LoweredTensor[];
  readonly outputs: readonly LoweredTensor[];
  readonly constants: readonly LoweredConstant[];
  /** Size of the one scratch arena, in f32 elements. */
  readonly arenaSize: Extent;
  /** In execution order. */
  readonly kernels: readonly Kernel[];
}

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
