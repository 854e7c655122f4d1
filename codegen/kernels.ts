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

/**
 * One axis of a sliding window: at output position o, tap t reads input index
 * (o * stride + t * dilation - padBegin) / divisor when that divides evenly and lies in
 * [0, size); other taps fall in the padding. `divisor` is 1 except for a transposed
 * convolution, which is a convolution whose input positions step by 1/stride (it has
 * stride 1, dilation -d and padBegin -p: tap t reads (o - t·d + p) / s).
 */
export interface WindowAxis {
  readonly out: number;
  readonly taps: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBegin: number;
  readonly divisor: number;
  /** Input size along the axis. */
  readonly size: number;
}

/**
 * A convolution as an implicit GEMM over NC* tensors (1 or 2 spatial axes):
 * out[n, m, o] = epilogue(sum_{c < groupIn, t} x[n, g·groupIn + c, in(o, t)] · w[m, c, t]) with
 * g = ⌊m / (outChannels / groups)⌋, padding taps contributing nothing. `weight` is
 * [outChannels, groupIn, ...taps] row-major. The epilogue is linear's: $0 is the rounded sum,
 * $1.. are `epilogue.operands`, whose strides run over [batch, outChannels, ...out].
 */
export interface ConvKernel extends KernelBase {
  readonly kind: 'conv';
  readonly batch: Extent;
  readonly groups: number;
  /** Input channels per group (the weight's axis 1). */
  readonly groupIn: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly spatial: readonly WindowAxis[];
  readonly x: BufferRef;
  readonly weight: BufferRef;
  readonly epilogue: { readonly body: ScalarExpr; readonly operands: readonly Access[] };
}

/** One axis of a reduction: a window axis whose input is read through `inStride`. */
export interface ReduceAxis {
  /**
   * Output extent. An axis with taps 1, stride 1 and no padding (a plane or batch axis, which
   * may be symbolic) reads o straight and is never bounds-checked.
   */
  readonly out: Extent;
  readonly taps: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padBegin: number;
  readonly padEnd: number;
  readonly size: number;
  readonly inStride: number;
}

/**
 * A windowed reduction, dense over its output extents: out[o] = finish(combine over the valid
 * taps t of x[sum_a in_a(o_a, t_a) · inStride_a]). Pooling, global pooling and reduce_* are all
 * this kernel: a reduced axis has out 1 and taps = size, an untouched one taps 1.
 * `finish` divides the sum: by the number of valid taps (mean, avg_pool), or by the window
 * clipped to the padded input (avg_pool's count_include_pad). Sums accumulate in f64 where the
 * target has it; max and min propagate NaN.
 */
export interface ReduceKernel extends KernelBase {
  readonly kind: 'reduce';
  readonly combine: 'sum' | 'max' | 'min';
  readonly finish: 'none' | 'mean' | 'mean-padded';
  readonly axes: readonly ReduceAxis[];
  readonly x: BufferRef;
}

/**
 * How one output axis of a gather reads its source: straight through (`identity`, the batch
 * axis among others), an affine index `i * scale + offset` valid in [0, size) (slices, constant
 * padding, concat regions), or a table fixed at compile time (reflect and edge padding,
 * nearest resizing), where -1 means the fill value.
 */
export type AxisMap =
  | { readonly kind: 'identity' }
  | { readonly kind: 'affine'; readonly scale: number; readonly offset: number; readonly size: number }
  | { readonly kind: 'table'; readonly indices: readonly number[] };

/** A source of a gather; with `region`, it covers only output indices [begin, end) of the kernel's `regionAxis`. */
export interface GatherSource {
  readonly buffer: BufferRef;
  /** Input strides (elements), one per output axis. */
  readonly strides: readonly number[];
  readonly maps: readonly AxisMap[];
  readonly region?: { readonly begin: number; readonly end: number };
}

/**
 * A layout op that moves elements, dense over `extents`: each output element reads the source
 * whose region along `regionAxis` holds it, at the index its axis maps give, or `fill` when a
 * map says padding. concat (one source per operand), slice, pad (every mode) and nearest
 * resize are this kernel.
 */
export interface GatherKernel extends KernelBase {
  readonly kind: 'gather';
  readonly extents: readonly Extent[];
  readonly regionAxis: number;
  readonly sources: readonly GatherSource[];
  readonly fill: number;
}

/**
 * Linear (bilinear for two axes) interpolation of the spatial axes of [planes, ...in]:
 * out[p, o] = sum over corners of prod_a (λ or 1-λ) · x[p, i0 or i1], per-axis taps fixed at
 * compile time (ir/ops/resize.ts), computed in f64 where the target has it.
 */
export interface ResizeKernel extends KernelBase {
  readonly kind: 'resize';
  readonly planes: Extent;
  readonly inSize: readonly number[];
  readonly taps: readonly { readonly i0: readonly number[]; readonly i1: readonly number[]; readonly lambda: readonly number[] }[];
  readonly x: BufferRef;
}

/**
 * layer_norm over contiguous rows of `size`: per row the mean and variance (f64 where the
 * target has it), n = (x − mean) / sqrt(var + epsilon), then n · scale + bias (each `size`
 * long, optional). With `residual`, the row normalized is the f32 sum x + residual (same
 * layout): layer_norm(add(x, r)) in one pass.
 */
export interface LayerNormKernel extends KernelBase {
  readonly kind: 'layer_norm';
  readonly rows: Extent;
  readonly size: number;
  readonly epsilon: number;
  readonly x: BufferRef;
  readonly residual?: BufferRef;
  readonly scale?: BufferRef;
  readonly bias?: BufferRef;
}

/**
 * Fused attention: for each p over the leading dims `lead` (flattened, row-major) and query
 * row i < sq, out[p, i] = Σ_j softmax_j(scale · q[p, i]·k[p, j] + mask) · v[p, j], with q
 * [sq, d], k [sk, d], v [sk, dv] blocks contiguous per p. The mask element for (p, i, j) is at
 * Σ_a lead coord_a · leadStrides[a] + i · rowStride + j · colStride. Kernels run an online
 * softmax over tiles of keys and never hold the sq × sk matrix.
 */
export interface AttentionKernel extends KernelBase {
  readonly kind: 'attention';
  readonly lead: readonly Extent[];
  readonly sq: Extent;
  readonly sk: number;
  readonly d: number;
  readonly dv: number;
  readonly scale: number;
  readonly q: BufferRef;
  readonly k: BufferRef;
  readonly v: BufferRef;
  readonly mask?: {
    readonly buffer: BufferRef;
    readonly leadStrides: readonly number[];
    readonly rowStride: number;
    readonly colStride: number;
  };
}

export type Kernel =
  | ElementwiseKernel | LinearKernel | MatmulKernel | SoftmaxKernel | ConvKernel | ReduceKernel | GatherKernel | ResizeKernel
  | LayerNormKernel | AttentionKernel;
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
