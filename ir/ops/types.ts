// The shape of an op-table entry: what every op declares exactly once.

import type { ScalarExpr } from '../scalar.ts';
import type { DType, StaticShape, TensorType, Shape } from '../types.ts';

export type OpKind = 'source' | 'elementwise' | 'linear' | 'reduce' | 'layout' | 'recurrent';

/**
 * A constant's payload: a static shape and its data (row-major) in f32 lanes; `dtype` is
 * absent for f32 (i32 and bool constants hold exact integers / 0 and 1, see ir/types.ts).
 */
export interface TensorData {
  readonly shape: StaticShape;
  readonly data: Float32Array;
  readonly dtype?: DType;
}

/** A fused activation: an activation op of the table and its attributes. */
export interface Activation {
  readonly op: string;
  readonly attrs: Attrs;
}

export type AttrValue = number | string | readonly number[] | readonly (number | string)[] | TensorData | Activation | ScalarExpr;
export type Attrs = Readonly<Record<string, AttrValue>>;

export type AttrSpec =
  | { readonly type: 'float'; readonly default?: number; readonly check?: (value: number) => string | undefined }
  | { readonly type: 'int'; readonly default?: number }
  | { readonly type: 'ints'; readonly default?: readonly number[] }
  /** Integers and symbolic dims (`[S, N, 32]`, `[4*N*S, 8]`): a reshape target that names symbols. */
  | { readonly type: 'dims' }
  /** `optional`: may be absent (no default), like an activation. */
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string; readonly optional?: boolean }
  /** A fused activation; absent means none. */
  | { readonly type: 'activation' }
  | { readonly type: 'expr' }
  | { readonly type: 'tensor' };

/** A runtime tensor of the interpreter: a concrete shape and f32 data. */
export interface Tensor {
  readonly shape: StaticShape;
  readonly data: Float32Array;
}

export interface Arity {
  readonly min: number;
  /** Infinity for variadic ops. */
  readonly max: number;
}

/**
 * The element types an op takes and gives. Ops without a rule are compute ops: f32 operands,
 * an f32 result.
 */
export interface DTypeRule {
  /** Accepted element types per operand; the last entry applies to any further operands. */
  readonly operands: readonly (readonly DType[])[];
  /** Operand indices whose element types must agree (a comparison's two sides), or all of them. */
  readonly same?: readonly number[] | 'all';
  /** The result's element type, from the operands' types and the attributes. */
  result(operands: readonly DType[], attrs: Attrs): DType;
}

export interface OpDef {
  readonly name: string;
  readonly kind: OpKind;
  /** Pure ops have no effect but their value: dead-op elimination and CSE may act on them. */
  readonly pure: boolean;
  readonly arity: Arity;
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  readonly doc: string;
  /** Element types (absent: f32 in, f32 out). The shape rule's dtype is replaced by this one. */
  readonly dtypes?: DTypeRule;
  /** Shape rule: the output type, or a thrown CompileError saying what was expected. */
  inferType(inputs: readonly TensorType[], attrs: Attrs): TensorType;
  /**
   * Reference semantics on concrete tensors (the meaning of the op); `names` are the operands'
   * value names, for run-time errors that name them (gather's ids).
   */
  evaluate(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape, names?: readonly string[]): Float32Array;
  /** Elementwise ops: the body over operands $0, $1, … */
  readonly elementwise?: ElementwiseSpec;
  /**
   * True when the result is operand 0's data unchanged, in the same row-major order, under a
   * new shape (reshape, flatten): the memory planner lets it share its operand's storage.
   */
  readonly view?: boolean;
  /**
   * Ops with a fused epilogue (an `activation` attribute): the output axis holding one value
   * per output feature, which the bias and per-channel activation parameters run along
   * (linear: the last axis; conv: axis 1 of [N, M, *S]).
   */
  readonly featureAxis?: 'last' | number;
}

export interface ElementwiseSpec {
  /** The scalar body, with the node's attributes bound as constants. */
  body(attrs: Attrs): ScalarExpr;
  /**
   * An activation: $0 is the data, further operands are its parameters (PReLU's slope).
   * Activations can be fused into `linear`'s epilogue.
   */
  readonly activation: boolean;
  /**
   * The shape operand `index` takes when broadcast NumPy-style against the output. Ops whose
   * operands align differently (PReLU's per-channel slope on axis 1) say so here.
   */
  alignOperand?(index: number, operand: Shape, outRank: number): Shape;
  /** True when the output shape is not the operands' broadcast (expand): fusion keeps it a node of its own. */
  readonly ownShape?: boolean;
}
