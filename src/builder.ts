// The low-level graph builder: a DAG of named values with shape inference at each step.
// Front ends and the PyTorch-like API (src/nn.ts) produce graphs only through it.

import { CompileError } from '../ir/errors.ts';
import type { Graph, Node, Value } from '../ir/graph.ts';
import { makeNode } from '../ir/node.ts';
import type { Activation, Attrs, AttrValue, OpName } from '../ir/ops/index.ts';
import { formatValueName } from '../ir/names.ts';
import { checkShape, formatType, isSymbolic, type DType, type Shape } from '../ir/types.ts';
import { verifyGraphOrThrow } from '../ir/verify.ts';

export type { Value };

/** A sliding window (ONNX attribute names): per spatial axis; pads are begins then ends. */
export interface WindowOptions {
  readonly strides?: readonly number[];
  readonly pads?: readonly number[];
  readonly dilations?: readonly number[];
}

export interface ConvOptions extends WindowOptions {
  readonly group?: number;
  readonly bias?: Value;
  /** Added after the bias, before the activation (a ResNet shortcut); the output's shape. */
  readonly residual?: Value;
  readonly activation?: Activation;
  /** The activation's parameter operands (PReLU's slope). */
  readonly params?: readonly Value[];
}

export interface ConvTransposeOptions extends WindowOptions {
  readonly group?: number;
  readonly bias?: Value;
  readonly outputPadding?: readonly number[];
}

export interface PoolOptions extends WindowOptions {
  readonly ceilMode?: boolean;
  /** avg_pool only: divide by the whole (padded) window rather than the valid taps. */
  readonly countIncludePad?: boolean;
}

export interface SliceOptions {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Default: 0, 1, … for each start. */
  readonly axes?: readonly number[];
  readonly steps?: readonly number[];
}

export interface ResizeOptions {
  readonly mode?: 'nearest' | 'linear';
  readonly coordinateTransformationMode?: 'half_pixel' | 'asymmetric' | 'align_corners' | 'pytorch_half_pixel';
  readonly nearestMode?: 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
}

/** Only the attributes given, so the op table's defaults fill the rest. */
function defined(attrs: Readonly<Record<string, AttrValue | undefined>>): Attrs {
  return Object.fromEntries(Object.entries(attrs).filter((entry): entry is [string, AttrValue] => entry[1] !== undefined));
}

function windowAttrs(options: WindowOptions): Attrs {
  return defined({ strides: options.strides, pads: options.pads, dilations: options.dilations });
}

export class GraphBuilder {
  private readonly inputs: Value[] = [];
  private readonly nodes: Node[] = [];
  private readonly outputs: string[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh name: `hint` if free, else `hint_1`, `hint_2`, … */
  freshName(hint = 't'): string {
    if (!this.used.has(hint)) return hint;
    for (;;) {
      const candidate = `${hint}_${++this.counter}`;
      if (!this.used.has(candidate)) return candidate;
    }
  }

  private claim(name: string | undefined, hint: string): string {
    if (name === undefined) return this.claim(this.freshName(hint), hint);
    if (this.used.has(name)) throw new CompileError(`value ${formatValueName(name)} is defined twice`, { node: name });
    this.used.add(name);
    return name;
  }

  /** A graph input; `dtype` i32 takes ids (Int32Array/BigInt64Array feeds), bool masks (Uint8Array). */
  input(name: string, shape: Shape, dtype: DType = 'f32'): Value {
    checkShape(shape, { node: name });
    const value: Value = { name: this.claim(name, name), type: { dtype, shape: [...shape] } };
    this.inputs.push(value);
    return value;
  }

  /** A constant; i32 and bool data are exact integers / 0 and 1 held in f32 lanes. */
  constant(data: Float32Array, shape: readonly number[], name?: string, dtype: DType = 'f32'): Value {
    const value = dtype === 'f32' ? { shape: [...shape], data } : { shape: [...shape], data, dtype };
    return this.op('const', [], { value }, name ?? this.freshName('c'));
  }

  op(op: OpName, inputs: readonly Value[], attrs: Attrs = {}, name?: string): Value {
    const node = makeNode(name ?? this.freshName(op), op, inputs, attrs);
    this.claim(node.name, op);
    this.nodes.push(node);
    return { name: node.name, type: node.type };
  }

  output(...values: readonly Value[]): void {
    for (const value of values) this.outputs.push(value.name);
  }

  /** The finished graph, verified. */
  build(): Graph {
    const graph: Graph = { name: this.name, inputs: [...this.inputs], nodes: [...this.nodes], outputs: [...this.outputs] };
    verifyGraphOrThrow(graph);
    return graph;
  }

  // Convenience wrappers, one per op, so models read like PyTorch.

  linear(x: Value, weight: Value, bias?: Value, activation?: Activation, params: readonly Value[] = [], name?: string): Value {
    const operands = bias ? [x, weight, bias, ...params] : [x, weight, ...params];
    return this.op('linear', operands, activation ? { activation } : {}, name);
  }
  matmul(a: Value, b: Value, name?: string): Value { return this.op('matmul', [a, b], {}, name); }
  add(a: Value, b: Value, name?: string): Value { return this.op('add', [a, b], {}, name); }
  sub(a: Value, b: Value, name?: string): Value { return this.op('sub', [a, b], {}, name); }
  mul(a: Value, b: Value, name?: string): Value { return this.op('mul', [a, b], {}, name); }
  div(a: Value, b: Value, name?: string): Value { return this.op('div', [a, b], {}, name); }
  relu(x: Value, name?: string): Value { return this.op('relu', [x], {}, name); }
  leakyRelu(x: Value, alpha = 0.01, name?: string): Value { return this.op('leaky_relu', [x], { alpha }, name); }
  prelu(x: Value, slope: Value, name?: string): Value { return this.op('prelu', [x, slope], {}, name); }
  elu(x: Value, alpha = 1, name?: string): Value { return this.op('elu', [x], { alpha }, name); }
  sigmoid(x: Value, name?: string): Value { return this.op('sigmoid', [x], {}, name); }
  tanh(x: Value, name?: string): Value { return this.op('tanh', [x], {}, name); }
  gelu(x: Value, approximate: 'none' | 'tanh' = 'none', name?: string): Value {
    return this.op('gelu', [x], { approximate }, name);
  }
  silu(x: Value, name?: string): Value { return this.op('silu', [x], {}, name); }
  softmax(x: Value, axis = -1, name?: string): Value { return this.op('softmax', [x], { axis }, name); }
  identity(x: Value, name?: string): Value { return this.op('identity', [x], {}, name); }
  dropout(x: Value, p = 0.5, name?: string): Value { return this.op('dropout', [x], { p }, name); }
  reshape(x: Value, shape: readonly (number | string)[], name?: string): Value { return this.op('reshape', [x], { shape: [...shape] }, name); }
  flatten(x: Value, axis = 1, name?: string): Value { return this.op('flatten', [x], { axis }, name); }
  transpose(x: Value, perm: readonly number[], name?: string): Value { return this.op('transpose', [x], { perm: [...perm] }, name); }
  clip(x: Value, min = -Infinity, max = Infinity, name?: string): Value { return this.op('clip', [x], { min, max }, name); }
  /** max(0, min(1, alpha·x + beta)); PyTorch's Hardsigmoid is alpha = 1/6. */
  hardSigmoid(x: Value, alpha = 0.2, beta = 0.5, name?: string): Value { return this.op('hard_sigmoid', [x], { alpha, beta }, name); }
  hardSwish(x: Value, name?: string): Value { return this.op('hard_swish', [x], {}, name); }
  sqrt(x: Value, name?: string): Value { return this.op('sqrt', [x], {}, name); }
  reciprocal(x: Value, name?: string): Value { return this.op('reciprocal', [x], {}, name); }
  /** x ^ exponent for a constant exponent (2 and 0.5 become x·x and sqrt). */
  pow(x: Value, exponent: number, name?: string): Value { return this.op('pow', [x], { exponent }, name); }
  /** (x − mean) / sqrt(var + epsilon) over the axes from `axis` on, then · scale + bias (of x + residual, if given). */
  layerNorm(x: Value, scale?: Value, bias?: Value, options: { axis?: number; epsilon?: number; residual?: Value } = {}, name?: string): Value {
    if (scale === undefined && bias !== undefined) throw new CompileError('layer_norm: a bias needs a scale', name === undefined ? {} : { node: name });
    const operands = [x, ...(options.residual ? [options.residual] : []), ...(scale ? [scale] : []), ...(bias ? [bias] : [])];
    const attrs = { axis: options.axis ?? -1, epsilon: options.epsilon ?? 1e-5, residual: options.residual ? 1 : 0 };
    return this.op('layer_norm', operands, attrs, name);
  }
  /** softmax(q·kᵀ·scale + mask)·v over the last axis, in one fused kernel (scale: 1/√D by default). */
  attention(q: Value, k: Value, v: Value, options: { mask?: Value; scale?: number } = {}, name?: string): Value {
    const d = q.type.shape[q.type.shape.length - 1];
    const scale = options.scale ?? (typeof d === 'number' ? 1 / Math.sqrt(d) : 1);
    return this.op('attention', options.mask ? [q, k, v, options.mask] : [q, k, v], { scale }, name);
  }

  /** x[N,C,*S] ⋆ W[M,C/group,*K] (+ bias) (+ residual), then the fused activation. */
  conv(x: Value, weight: Value, options: ConvOptions = {}, name?: string): Value {
    const operands = [x, weight, ...(options.bias ? [options.bias] : []), ...(options.residual ? [options.residual] : []), ...(options.params ?? [])];
    const attrs = defined({
      ...windowAttrs(options), group: options.group, activation: options.activation, residual: options.residual ? 1 : undefined,
    });
    return this.op('conv', operands, attrs, name);
  }
  /** x[N,C,*S] with W[C,M/group,*K] (+ bias). */
  convTranspose(x: Value, weight: Value, options: ConvTransposeOptions = {}, name?: string): Value {
    const attrs = defined({ ...windowAttrs(options), group: options.group, output_padding: options.outputPadding });
    return this.op('conv_transpose', options.bias ? [x, weight, options.bias] : [x, weight], attrs, name);
  }
  maxPool(x: Value, kernelShape: readonly number[], options: PoolOptions = {}, name?: string): Value {
    return this.op('max_pool', [x], defined({ kernel_shape: kernelShape, ...windowAttrs(options), ceil_mode: flag(options.ceilMode) }), name);
  }
  avgPool(x: Value, kernelShape: readonly number[], options: PoolOptions = {}, name?: string): Value {
    if (options.dilations !== undefined) throw new CompileError('avg_pool takes no dilations', name === undefined ? {} : { node: name });
    const attrs = defined({
      kernel_shape: kernelShape, ...windowAttrs(options), ceil_mode: flag(options.ceilMode), count_include_pad: flag(options.countIncludePad),
    });
    return this.op('avg_pool', [x], attrs, name);
  }
  /** Reductions over `axes` (empty: every axis), keeping them as size 1 unless keepdims is false. */
  reduceSum(x: Value, axes: readonly number[], keepdims = true, name?: string): Value { return this.reduce('reduce_sum', x, axes, keepdims, name); }
  reduceMean(x: Value, axes: readonly number[], keepdims = true, name?: string): Value { return this.reduce('reduce_mean', x, axes, keepdims, name); }
  reduceMax(x: Value, axes: readonly number[], keepdims = true, name?: string): Value { return this.reduce('reduce_max', x, axes, keepdims, name); }
  reduceMin(x: Value, axes: readonly number[], keepdims = true, name?: string): Value { return this.reduce('reduce_min', x, axes, keepdims, name); }
  private reduce(op: OpName, x: Value, axes: readonly number[], keepdims: boolean, name?: string): Value {
    return this.op(op, [x], { axes: [...axes], keepdims: keepdims ? 1 : 0 }, name);
  }
  concat(values: readonly Value[], axis: number, name?: string): Value { return this.op('concat', values, { axis }, name); }
  /** ONNX Slice: negative indices count from the end, bounds clamp, negative steps walk back. */
  slice(x: Value, options: SliceOptions, name?: string): Value {
    return this.op('slice', [x], defined({ starts: options.starts, ends: options.ends, axes: options.axes, steps: options.steps }), name);
  }
  /** Pads every axis (pads = begins then ends, one per axis) with a constant, the mirror image or the edge. */
  pad(x: Value, pads: readonly number[], mode: 'constant' | 'reflect' | 'edge' = 'constant', value = 0, name?: string): Value {
    return this.op('pad', [x], { pads: [...pads], mode, value }, name);
  }
  /** Resizes the spatial axes of [N,C,*S] to `sizes`. */
  resize(x: Value, sizes: readonly number[], options: ResizeOptions = {}, name?: string): Value {
    const attrs = defined({
      sizes, mode: options.mode, coordinate_transformation_mode: options.coordinateTransformationMode, nearest_mode: options.nearestMode,
    });
    return this.op('resize', [x], attrs, name);
  }
  /** Rows of `data` along `axis` picked by i32 `ids` of any shape (an embedding lookup). */
  gather(data: Value, ids: Value, axis = 0, name?: string): Value { return this.op('gather', [data, ids], { axis }, name); }
  cast(x: Value, to: DType, name?: string): Value { return this.op('cast', [x], { to }, name); }
  equal(a: Value, b: Value, name?: string): Value { return this.op('equal', [a, b], {}, name); }
  less(a: Value, b: Value, name?: string): Value { return this.op('less', [a, b], {}, name); }
  greater(a: Value, b: Value, name?: string): Value { return this.op('greater', [a, b], {}, name); }
  not(x: Value, name?: string): Value { return this.op('not', [x], {}, name); }
  and(a: Value, b: Value, name?: string): Value { return this.op('and', [a, b], {}, name); }
  or(a: Value, b: Value, name?: string): Value { return this.op('or', [a, b], {}, name); }
  /** cond ? a : b elementwise, broadcast (a bool mask choosing between two tensors). */
  where(cond: Value, a: Value, b: Value, name?: string): Value { return this.op('where', [cond, a, b], {}, name); }
  /** Broadcasts `x` to a static target shape (NumPy rules, as ONNX Expand). */
  expand(x: Value, shape: readonly number[], name?: string): Value { return this.op('expand', [x], { shape: [...shape] }, name); }
  /**
   * Splits `x` along `axis` into consecutive parts of the given sizes (torch.split, ONNX
   * Split): one `slice` per part, named `name`, `name_1`, …
   */
  split(x: Value, axis: number, sizes: readonly number[], name?: string): Value[] {
    const rank = x.type.shape.length;
    const resolved = axis < 0 ? axis + rank : axis;
    const dim = x.type.shape[resolved];
    const total = sizes.reduce((n, k) => n + k, 0);
    if (dim === undefined || isSymbolic(dim) || total !== dim || sizes.some((k) => !Number.isInteger(k) || k < 1)) {
      throw new CompileError(`split sizes [${sizes.join(', ')}] must be positive and add up to axis ${axis} of ${formatType(x.type)}`, name === undefined ? {} : { node: name });
    }
    let start = 0;
    const base = name ?? this.freshName('split');
    return sizes.map((size, k) => {
      const part = this.slice(x, { starts: [start], ends: [start + size], axes: [resolved] }, this.freshName(k === 0 ? base : `${base}_${k}`));
      start += size;
      return part;
    });
  }
}

function flag(value: boolean | undefined): number | undefined {
  return value === undefined ? undefined : value ? 1 : 0;
}
