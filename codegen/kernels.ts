// The backend-neutral kernel list that lowering produces and every renderer (JS, WGSL, WASM)
// consumes: shapes and strides, buffer locations, scalar bodies. Sizes that depend on the
// symbolic dims are polynomials in them (`Ext`, `Num`: ir/sym-size.ts). The types take a
// form parameter: 'sym' (the default, what lowering makes) or 'affine', the projection for
// backends that handle one batch symbol on axis 0 (codegen/affine-kernels.ts): there an
// Ext is perSample·batch + fixed and a Num a plain number.

import type { CellBodies, CellKind } from '../ir/ops/recurrent.ts';
import type { ScalarExpr } from '../ir/scalar.ts';
import { constSize, isConstSize, mulSizes, scaleSize, ZERO_SIZE, type SymSize } from '../ir/sym-size.ts';
import type { DType, Shape, StaticShape } from '../ir/types.ts';

export type SizeForm = 'sym' | 'affine' | 'runtime';

/**
 * The affine form of a count: perSample * batch + fixed (a loop bound, an offset). With
 * `slot`, the multiplied value is not the batch but run-time size number `slot` of the
 * program's table (codegen/runtime-sizes.ts): a polynomial in several symbols evaluated once
 * per call. A kernel's extents then share one slot (softmax excepted), as they shared the batch.
 */
export interface AffineExtent {
  readonly perSample: number;
  readonly fixed: number;
  readonly slot?: number;
}

/** A count that may depend on the symbols (a loop bound, an offset). */
export type Ext<F extends SizeForm = 'sym'> = F extends 'sym' ? SymSize : AffineExtent;
/**
 * A count that is static with one batch on axis 0 but may depend on other symbols (a stride).
 * In the 'runtime' form (general kernels of targets with run-time sizes) every size is an
 * AffineExtent, static or taken from a slot.
 */
export type Num<F extends SizeForm = 'sym'> = F extends 'affine' ? number : F extends 'runtime' ? AffineExtent : SymSize;
export type Extent<F extends SizeForm = 'sym'> = Ext<F>;

/** Where a tensor lives at run time. Arena offsets are in f32 elements, affine in the batch. */
export type BufferRef<F extends SizeForm = 'sym'> =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'const'; readonly index: number }
  | { readonly kind: 'arena'; readonly offset: Ext<F> }
  | { readonly kind: 'output'; readonly index: number };

/**
 * An operand read inside a loop nest: element (i_0, …, i_n) of the nest is at
 * `sum(i_a * strides[a])` from the start of the buffer (stride 0 on broadcast axes).
 */
export interface Access<F extends SizeForm = 'sym'> {
  readonly buffer: BufferRef<F>;
  readonly strides: readonly Num<F>[];
}

interface KernelBase<F extends SizeForm = 'sym'> {
  /** The node value this kernel computes: model-supplied text, for comments only (escape it). */
  readonly label: string;
  /** The IR op it came from (`linear`, `fused_elementwise`, `transpose`, …). */
  readonly op: string;
  /** Written contiguously, row-major over the kernel's output shape. */
  readonly out: BufferRef<F>;
}

/**
 * A loop nest over `extents` (contiguous axes already merged, so a same-shape elementwise op
 * is one flat loop) computing `body` over the operands $0..$n. Layout ops that move data
 * (transpose, a reshape that cannot alias) are this kernel with the body `$0`.
 */
export interface ElementwiseKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'elementwise';
  readonly extents: readonly Ext<F>[];
  readonly operands: readonly Access<F>[];
  readonly body: ScalarExpr;
}

/**
 * out[r, j] = epilogue(sum_k x[r, k] * weight[j, k], operands…) for r < rows, j < outFeatures.
 * `weight` is [outFeatures, inFeatures] row-major (PyTorch layout). In the epilogue, $0 is the
 * dot product and $1.. are `epilogue.operands`, whose strides run over `[...rowShape,
 * outFeatures]` (bias: [0, …, 0, 1]); `rowShape` factors `rows` into the output's leading dims.
 */
export interface LinearKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'linear';
  readonly rows: Ext<F>;
  readonly rowShape: readonly Ext<F>[];
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly x: BufferRef<F>;
  readonly weight: BufferRef<F>;
  readonly epilogue: { readonly body: ScalarExpr; readonly operands: readonly Access<F>[] };
}

/**
 * Batched matrix product: for each p over `batch` (strides per batch axis for a and b, in
 * elements), out[p, i, j] = sum_t a[p, i, t] * b[p, t, j], with a [m, k] and b [k, n] blocks
 * row-major. `m` may be the symbolic batch (a 2-D batched left operand).
 */
export interface MatmulKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'matmul';
  readonly batch: readonly Ext<F>[];
  readonly aBatchStrides: readonly Num<F>[];
  readonly bBatchStrides: readonly Num<F>[];
  readonly m: Ext<F>;
  readonly k: Num<F>;
  readonly n: Num<F>;
  readonly a: BufferRef<F>;
  readonly b: BufferRef<F>;
}

/** Stable softmax over the middle axis of an [outer, size, inner] view of x (and out). */
export interface SoftmaxKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'softmax';
  readonly outer: Ext<F>;
  readonly size: Ext<F>;
  readonly inner: Num<F>;
  readonly x: BufferRef<F>;
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
export interface ConvKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'conv';
  readonly batch: Ext<F>;
  readonly groups: number;
  /** Input channels per group (the weight's axis 1). */
  readonly groupIn: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly spatial: readonly WindowAxis[];
  readonly x: BufferRef<F>;
  readonly weight: BufferRef<F>;
  readonly epilogue: { readonly body: ScalarExpr; readonly operands: readonly Access<F>[] };
}

/** One axis of a reduction: a window axis whose input is read through `inStride`. */
export interface ReduceAxis<F extends SizeForm = 'sym'> {
  /**
   * Output extent. An axis with taps 1, stride 1 and no padding (a plane or batch axis, which
   * may be symbolic) reads o straight and is never bounds-checked.
   */
  readonly out: Ext<F>;
  /** A reduced symbolic axis (mean over S) has taps = size = the symbol, stride 1, no padding. */
  readonly taps: Num<F>;
  readonly stride: number;
  readonly dilation: number;
  readonly padBegin: number;
  readonly padEnd: number;
  readonly size: Num<F>;
  readonly inStride: Num<F>;
}

/**
 * A windowed reduction, dense over its output extents: out[o] = finish(combine over the valid
 * taps t of x[sum_a in_a(o_a, t_a) · inStride_a]). Pooling, global pooling and reduce_* are all
 * this kernel: a reduced axis has out 1 and taps = size, an untouched one taps 1.
 * `finish` divides the sum: by the number of valid taps (mean, avg_pool), or by the window
 * clipped to the padded input (avg_pool's count_include_pad). Sums accumulate in f64 where the
 * target has it; max and min propagate NaN.
 */
export interface ReduceKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'reduce';
  readonly combine: 'sum' | 'max' | 'min';
  readonly finish: 'none' | 'mean' | 'mean-padded';
  readonly axes: readonly ReduceAxis<F>[];
  readonly x: BufferRef<F>;
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
export interface GatherSource<F extends SizeForm = 'sym'> {
  readonly buffer: BufferRef<F>;
  /** Input strides (elements), one per output axis. */
  readonly strides: readonly Num<F>[];
  readonly maps: readonly AxisMap[];
  readonly region?: { readonly begin: number; readonly end: number };
}

/**
 * A layout op that moves elements, dense over `extents`: each output element reads the source
 * whose region along `regionAxis` holds it, at the index its axis maps give, or `fill` when a
 * map says padding. concat (one source per operand), slice, pad (every mode) and nearest
 * resize are this kernel.
 */
export interface GatherKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'gather';
  readonly extents: readonly Ext<F>[];
  readonly regionAxis: number;
  readonly sources: readonly GatherSource<F>[];
  readonly fill: number;
}

/**
 * Linear (bilinear for two axes) interpolation of the spatial axes of [planes, ...in]:
 * out[p, o] = sum over corners of prod_a (λ or 1-λ) · x[p, i0 or i1], per-axis taps fixed at
 * compile time (ir/ops/resize.ts), computed in f64 where the target has it.
 */
export interface ResizeKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'resize';
  readonly planes: Ext<F>;
  readonly inSize: readonly number[];
  readonly taps: readonly { readonly i0: readonly number[]; readonly i1: readonly number[]; readonly lambda: readonly number[] }[];
  readonly x: BufferRef<F>;
}

/**
 * A gather by run-time ids (the `gather` op, an embedding lookup): for o < outer, k < count,
 * out[o, k, :] = data[o, id, :] (inner elements) with id = ids[k], plus `size` when negative.
 * Ids are exact integers in f32 lanes. Every target checks -size <= id < size before it
 * reads and stops the run otherwise with gatherIdMessage(idsName, id, position, size), the
 * position being k unflattened by `idsStrides` (row-major strides of the ids' shape).
 */
export interface LookupKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'lookup';
  readonly outer: Ext<F>;
  readonly count: Ext<F>;
  readonly size: number;
  readonly inner: number;
  readonly data: BufferRef<F>;
  readonly ids: BufferRef<F>;
  /** The ids' value name (model text: string literals only, escaped). */
  readonly idsName: string;
  readonly idsStrides: readonly Num<F>[];
}

/**
 * layer_norm over contiguous rows of `size`: per row the mean and variance (f64 where the
 * target has it), n = (x − mean) / sqrt(var + epsilon), then n · scale + bias (each `size`
 * long, optional). With `residual`, the row normalized is the f32 sum x + residual (same
 * layout): layer_norm(add(x, r)) in one pass.
 */
export interface LayerNormKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'layer_norm';
  readonly rows: Ext<F>;
  readonly size: number;
  readonly epsilon: number;
  readonly x: BufferRef<F>;
  readonly residual?: BufferRef<F>;
  readonly scale?: BufferRef<F>;
  readonly bias?: BufferRef<F>;
}

/**
 * Fused attention: for each p over the leading dims `lead` (flattened, row-major) and query
 * row i < sq, out[p, i] = Σ_j softmax_j(scale · q[p, i]·k[p, j] + mask) · v[p, j], with q
 * [sq, d], k [sk, d], v [sk, dv] blocks contiguous per p. The mask element for (p, i, j) is at
 * Σ_a lead coord_a · leadStrides[a] + i · rowStride + j · colStride. Kernels run an online
 * softmax over tiles of keys and never hold the sq × sk matrix.
 */
export interface AttentionKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'attention';
  readonly lead: readonly Ext<F>[];
  readonly sq: Ext<F>;
  readonly sk: Ext<F>;
  readonly d: number;
  readonly dv: number;
  readonly scale: number;
  readonly q: BufferRef<F>;
  readonly k: BufferRef<F>;
  readonly v: BufferRef<F>;
  readonly mask?: {
    readonly buffer: BufferRef<F>;
    /** Extents, not numbers, in the affine form: a key-padding mask [N, 1, 1, S] steps by S. */
    readonly leadStrides: readonly Ext<F>[];
    readonly rowStride: Ext<F>;
    readonly colStride: Num<F>;
  };
}

export type Kernel<F extends SizeForm = 'sym'> =
  | ElementwiseKernel<F> | LinearKernel<F> | MatmulKernel<F> | SoftmaxKernel<F> | ConvKernel<F> | ReduceKernel<F> | GatherKernel<F> | ResizeKernel<F>
  | LookupKernel<F> | RecurrenceKernel<F> | LayerNormKernel<F> | AttentionKernel<F>;
export type KernelKind = Kernel['kind'];

export interface LoweredConstant {
  /** The const node's value name (model text: comments only). */
  readonly label: string;
  readonly shape: StaticShape;
  readonly data: Float32Array;
}

export interface LoweredTensor<F extends SizeForm = 'sym'> {
  /** The public name (model text: escape it wherever it appears). */
  readonly name: string;
  /** The IR shape, symbolic dims as strings. */
  readonly shape: Shape;
  /** Its element count (affine form: elements per sample if batched, else the whole size). */
  readonly size: Ext<F>;
  /** The element type: feeds of i32 inputs are Int32Array/BigInt64Array, of bool Uint8Array; all run in f32 lanes. */
  readonly dtype: DType;
}

export interface LoweredProgram<F extends SizeForm = 'sym'> {
  readonly name: string;
  /** Every symbolic dim of the inputs, in order of first appearance (the bundle binds each). */
  readonly symbols: readonly string[];
  /** The affine form's one symbolic batch dim (e.g. "N"), if any input has one. */
  readonly batchSymbol?: string;
  readonly inputs: readonly LoweredTensor<F>[];
  readonly outputs: readonly LoweredTensor<F>[];
  readonly constants: readonly LoweredConstant[];
  /** Size of the one scratch arena, in f32 elements. */
  readonly arenaSize: Ext<F>;
  /** In execution order. */
  readonly kernels: readonly Kernel<F>[];
}

export const ZERO_EXTENT: Extent = ZERO_SIZE;

export function staticExtent(value: number): Extent {
  return constSize(value);
}

export function scaleExtent(extent: Extent, factor: number): Extent {
  return scaleSize(extent, factor);
}

/** The product of extents (a polynomial: several symbols multiply). */
export function productExtent(extents: readonly Extent[]): Extent {
  return mulSizes(...extents);
}

export function isStaticExtent(extent: Extent): boolean {
  return isConstSize(extent);
}

/**
 * The time loop of a recurrent layer (`lstm`, `gru`, `rnn`; ir/ops/recurrent.ts, whose packed
 * output layout `out` has). Per direction d and batch row b: the state rows (h at row T, c at
 * T + 1) start from the initial state or 0; each of the row's `sequenceLens[b]` steps (walked
 * backwards when `reverse[d]`) computes the gates' hidden parts h·R_dᵀ + Rb_d, takes their
 * input parts from the projected `x` (a `linear` over every step made them) or computes
 * x·W_dᵀ + Wb_d itself when `inputWeight` is set, evaluates the cell bodies per hidden unit
 * and writes Y[t] and the state rows; Y rows past a short sequence are zero.
 */
export interface RecurrenceKernel<F extends SizeForm = 'sym'> extends KernelBase<F> {
  readonly kind: 'recurrence';
  readonly cell: CellKind;
  readonly layout: 0 | 1;
  readonly steps: number;
  readonly batch: Ext<F>;
  readonly hidden: number;
  readonly gates: number;
  /** State rows after Y: 2 for LSTM (h, c), else 1. */
  readonly states: number;
  readonly directions: number;
  readonly reverse: readonly boolean[];
  readonly sequenceLens?: readonly number[];
  /** Rows (t, b) of `xWidth` floats: at (t·B + b)·xWidth in layout 0, (b·T + t)·xWidth in layout 1. */
  readonly x: BufferRef<F>;
  readonly xWidth: number;
  /** W [D, G·H, I] when x is not projected (Wb then sits at the start of each direction's bias). */
  readonly inputWeight?: BufferRef<F>;
  readonly r: BufferRef<F>;
  /** `biasStride` floats per direction; Rb starts at `hiddenBiasOffset` within them. */
  readonly bias: BufferRef<F>;
  readonly biasStride: number;
  readonly hiddenBiasOffset: number;
  /** [D, B, H] (layout 0) or [B, D, H] (layout 1). */
  readonly initialH?: BufferRef<F>;
  readonly initialC?: BufferRef<F>;
  /** [D, 3H]: p_i, p_o, p_f. */
  readonly peepholes?: BufferRef<F>;
  readonly linearBeforeReset: boolean;
  /** Per direction, over cellOperands (ir/ops/recurrent.ts). */
  readonly bodies: readonly CellBodies[];
}
