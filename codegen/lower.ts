// Lowering: an optimized graph and its memory plan become the backend-neutral kernel list of
// codegen/kernels.ts. Every value gets a buffer (graph input, constant, arena slot from the
// plan, or result array); each compute node becomes one kernel with static shapes and strides.
//
// 1. Inputs, constants and outputs get their buffers; every other value takes its plan slot.
// 2. Nodes are visited in order: elementwise ops (asked of the op table) become loop nests,
//    `linear` a linear kernel whose epilogue composes bias and activation bodies, `matmul`
//    and `softmax` their own kernels, transposes copies with permuted strides; a reshape or
//    flatten aliases its operand when the plan allows, else copies.
// 3. Outputs that are not written by a kernel (an input, a constant, an aliased relabel) get
//    a final copy.

import { CompileError } from '../ir/errors.ts';
import { valueTypes, type Graph, type Node } from '../ir/graph.ts';
import type { MemoryPlan } from '../ir/memory-plan.ts';
import { shapeSize, ZERO_SIZE, type SymSize } from '../ir/sym-size.ts';
import {
  activationAttr, activationDef, alignedOperandShapes, linearLayout, OPS,
  tensorAttr, transposePerm, type ElementwiseOpName, type OpName, type TensorData,
} from '../ir/ops/index.ts';
import { E, substituteOperands, type ScalarExpr } from '../ir/scalar.ts';
import { dimMonomial, formatType, isSymbolic, type Shape, type StaticShape, type TensorType } from '../ir/types.ts';
import { lowerConcat, lowerPad, lowerResize, lowerSlice } from './lower-gather.ts';
import { lowerLookup } from './lower-lookup.ts';
import { lowerConv, lowerConvTranspose, lowerPool, lowerReduce } from './lower-window.ts';
import { lowerMatmul, lowerSoftmax } from './lower-contract.ts';
import { lowerRecurrent } from './lower-recurrent.ts';
import { lowerAttention, lowerLayerNorm } from './lower-sequence.ts';
import { broadcastAccess, denseStrides, mergeAxes, shapeExtents } from './loop-nest.ts';
import {
  productExtent, type Access, type BufferRef, type Kernel, type LoweredConstant, type LoweredProgram, type LoweredTensor,
} from './kernels.ts';

/** What each node lowering sees: buffers and types of values, and where results go. */
export interface LowerContext {
  readonly types: ReadonlyMap<string, TensorType>;
  buffer(name: string): BufferRef;
  readonly plan: MemoryPlan;
  /** The data of a constant value, if `name` is one (for weights rearranged at compile time). */
  constantData(name: string): TensorData | undefined;
  /** A constant made by lowering (a rearranged weight); `label` is for comments only. */
  addConstant(label: string, shape: StaticShape, data: Float32Array): BufferRef;
}

type Lowering = (node: Node, out: BufferRef, ctx: LowerContext) => Kernel | BufferRef;

function typeIn(ctx: LowerContext, name: string): TensorType {
  const type = ctx.types.get(name);
  if (type === undefined) throw new CompileError('operand is not defined', { node: name });
  return type;
}

function elementwiseKernel(node: Node, out: BufferRef, ctx: LowerContext, body: ScalarExpr, shapes: readonly Shape[]): Kernel {
  const outShape = node.type.shape;
  const nest = mergeAxes(shapeExtents(outShape), shapes.map((shape) => broadcastAccess(shape, outShape)));
  const operands = node.inputs.map((name, index): Access => ({ buffer: ctx.buffer(name), strides: nest.strides[index] ?? [] }));
  return { kind: 'elementwise', label: node.name, op: node.op, out, extents: nest.extents, operands, body };
}

function lowerElementwise(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const spec = OPS[node.op].elementwise;
  if (spec === undefined) throw new CompileError('internal: not an elementwise op', { node: node.name, op: node.op });
  const shapes = node.inputs.map((name) => typeIn(ctx, name).shape);
  const aligned = alignedOperandShapes(spec, shapes, node.type.shape.length);
  return elementwiseKernel(node, out, ctx, spec.body(node.attrs), aligned);
}

/** A copy of operand 0 in the node's output layout, with the operand read through `strides`. */
function copyKernel(node: Node, out: BufferRef, ctx: LowerContext, strides: readonly SymSize[]): Kernel {
  const nest = mergeAxes(shapeExtents(node.type.shape), [strides]);
  const [source] = node.inputs;
  if (source === undefined) throw new CompileError('internal: layout op without operand', { node: node.name, op: node.op });
  return {
    kind: 'elementwise', label: node.name, op: node.op, out, extents: nest.extents,
    operands: [{ buffer: ctx.buffer(source), strides: nest.strides[0] ?? [] }], body: E.operand(0),
  };
}

/** reshape/flatten: same data. Alias the operand when nothing can overwrite it, else copy. */
function lowerRelabel(node: Node, out: BufferRef, ctx: LowerContext): Kernel | BufferRef {
  const [source] = node.inputs;
  if (source === undefined) throw new CompileError('internal: layout op without operand', { node: node.name, op: node.op });
  const operand = ctx.buffer(source);
  const slot = ctx.plan.slots.get(node.name);
  const immutable = operand.kind === 'input' || operand.kind === 'const' || operand.kind === 'output';
  if (out.kind === 'arena' && (immutable || slot?.inPlaceOf === source)) return operand;
  return copyKernel(node, out, ctx, denseStrides(node.type.shape));
}

function lowerTranspose(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const input = typeIn(ctx, node.inputs[0] ?? '');
  const perm = transposePerm(input.shape.length, node.attrs);
  const inStrides = denseStrides(input.shape);
  return copyKernel(node, out, ctx, perm.map((axis) => inStrides[axis] ?? ZERO_SIZE));
}

/** linear: rows × in times [out, in]ᵀ, then bias and activation composed into one epilogue. */
function lowerLinear(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const [x, weight] = node.inputs;
  const weightType = typeIn(ctx, weight ?? '');
  const [outFeatures, inFeatures] = weightType.shape as [number, number];
  const { hasBias, paramStart } = linearLayout(node.inputs.length, node.attrs);
  const outShape = node.type.shape;
  const rowShape = shapeExtents(outShape.slice(0, -1));
  const xRef = ctx.buffer(x ?? '');
  const weightRef = ctx.buffer(weight ?? '');
  const operands: Access[] = [];
  let body: ScalarExpr = E.operand(0);
  if (hasBias) {
    operands.push({ buffer: ctx.buffer(node.inputs[2] ?? ''), strides: broadcastAccess([outFeatures], outShape) });
    body = E.add(body, E.operand(1));
  }
  const activation = activationAttr(node.attrs);
  const spec = activation === undefined ? undefined : activationDef(activation.op)?.elementwise;
  if (activation !== undefined && spec !== undefined) {
    const params = node.inputs.slice(paramStart);
    const shapes = alignedOperandShapes(spec, [outShape, ...params.map((name) => typeIn(ctx, name).shape)], outShape.length);
    const first = operands.length + 1;
    params.forEach((name, index) => {
      operands.push({ buffer: ctx.buffer(name), strides: broadcastAccess(shapes[index + 1] ?? [], outShape) });
    });
    const pre = body;
    body = substituteOperands(spec.body(activation.attrs), (index) => (index === 0 ? pre : E.operand(first + index - 1)));
  }
  return {
    kind: 'linear', label: node.name, op: node.op, out, rows: productExtent(rowShape), rowShape, inFeatures, outFeatures,
    x: xRef, weight: weightRef, epilogue: { body, operands },
  };
}

/** Lowerings of the ops that are not elementwise; TypeScript checks none is missing. */
const LOWERINGS: { readonly [K in Exclude<OpName, ElementwiseOpName>]: Lowering } = {
  const: () => { throw new CompileError('internal: const is not a kernel'); },
  linear: lowerLinear,
  matmul: (node, out, ctx) => lowerMatmul(node, out, ctx),
  softmax: (node, out, ctx) => lowerSoftmax(node, out, ctx),
  reshape: lowerRelabel,
  flatten: lowerRelabel,
  transpose: lowerTranspose,
  conv: lowerConv,
  conv_transpose: lowerConvTranspose,
  max_pool: lowerPool,
  avg_pool: lowerPool,
  reduce_sum: lowerReduce,
  reduce_mean: lowerReduce,
  reduce_max: lowerReduce,
  reduce_min: lowerReduce,
  concat: lowerConcat,
  slice: lowerSlice,
  pad: lowerPad,
  resize: lowerResize,
  gather: lowerLookup,
  lstm: lowerRecurrent,
  gru: lowerRecurrent,
  rnn: lowerRecurrent,
  layer_norm: lowerLayerNorm,
  attention: lowerAttention,
};

function loweringFor(op: OpName): Lowering {
  if (OPS[op].kind === 'elementwise') return lowerElementwise;
  const lowering = (LOWERINGS as Partial<Record<OpName, Lowering>>)[op];
  if (lowering === undefined) throw new CompileError(`the code generator has no kernel for op '${op}'`, { op });
  return lowering;
}

const BUFFER_KINDS: ReadonlySet<string> = new Set<BufferRef['kind']>(['input', 'const', 'arena', 'output']);

function isKernel(value: Kernel | BufferRef): value is Kernel {
  return !BUFFER_KINDS.has(value.kind);
}

/** Every symbolic dim of the inputs, in order of first appearance. */
function symbolsOf(graph: Graph): string[] {
  return [...new Set(graph.inputs.flatMap((input) => input.type.shape.filter(isSymbolic)))];
}

function tensorOf(name: string, type: TensorType): LoweredTensor {
  return { name, shape: type.shape, size: shapeSize(type.shape), dtype: type.dtype };
}

/** Lowers an optimized, verified graph with its memory plan to kernels. */
export function lowerGraph(graph: Graph, plan: MemoryPlan): LoweredProgram {
  const symbols = symbolsOf(graph);
  const unbound = [...valueTypes(graph)].find(([, type]) => type.shape.some((d) => isSymbolic(d) && dimMonomial(d).symbols.some((s) => !symbols.includes(s))));
  if (unbound !== undefined) throw new CompileError(`has ${formatType(unbound[1])}, a symbol no input binds`, { node: unbound[0] });
  const types = valueTypes(graph);
  const buffers = new Map<string, BufferRef>();
  const constants: LoweredConstant[] = [];
  const constNodes = new Map(graph.nodes.filter((node) => node.op === 'const').map((node) => [node.name, node]));
  graph.inputs.forEach((input, index) => buffers.set(input.name, { kind: 'input', index }));

  const buffer = (name: string): BufferRef => {
    const known = buffers.get(name);
    if (known !== undefined) return known;
    const constNode = constNodes.get(name);
    if (constNode === undefined) throw new CompileError('internal: value has no buffer (missing from the memory plan?)', { node: name });
    const value = tensorAttr(constNode.attrs, 'value');
    constants.push({ label: name, shape: value.shape, data: value.data });
    const ref: BufferRef = { kind: 'const', index: constants.length - 1 };
    buffers.set(name, ref);
    return ref;
  };
  const constantData = (name: string): TensorData | undefined => {
    const constNode = constNodes.get(name);
    return constNode === undefined ? undefined : tensorAttr(constNode.attrs, 'value');
  };
  const addConstant = (label: string, shape: StaticShape, data: Float32Array): BufferRef => {
    constants.push({ label, shape, data });
    return { kind: 'const', index: constants.length - 1 };
  };
  const ctx: LowerContext = { types, buffer, plan, constantData, addConstant };
  const kernels: Kernel[] = [];
  const firstOutput = new Map<string, number>();
  graph.outputs.forEach((name, index) => { if (!firstOutput.has(name)) firstOutput.set(name, index); });

  for (const node of graph.nodes) {
    if (node.op === 'const') continue;
    const outputIndex = firstOutput.get(node.name);
    let out: BufferRef;
    if (outputIndex !== undefined) out = { kind: 'output', index: outputIndex };
    else {
      const slot = plan.slots.get(node.name);
      if (slot === undefined) throw new CompileError('internal: the memory plan has no slot for this value', { node: node.name, op: node.op });
      out = { kind: 'arena', offset: slot.offset };
    }
    const lowered = loweringFor(node.op)(node, out, ctx);
    if (isKernel(lowered)) {
      kernels.push(lowered);
      buffers.set(node.name, out);
    } else {
      buffers.set(node.name, lowered);
    }
  }

  graph.outputs.forEach((name, index) => {
    const source = buffer(name);
    if (source.kind === 'output' && source.index === index) return;
    const type = types.get(name);
    if (type === undefined) throw new CompileError('returned value is not defined', { node: name });
    const nest = mergeAxes(shapeExtents(type.shape), [denseStrides(type.shape)]);
    kernels.push({
      kind: 'elementwise', label: name, op: 'copy', out: { kind: 'output', index }, extents: nest.extents,
      operands: [{ buffer: source, strides: nest.strides[0] ?? [] }], body: E.operand(0),
    });
  });

  return {
    name: graph.name,
    symbols,
    ...(symbols.length === 1 && symbols[0] !== undefined ? { batchSymbol: symbols[0] } : {}),
    inputs: graph.inputs.map((input) => tensorOf(input.name, input.type)),
    outputs: graph.outputs.map((name) => tensorOf(name, types.get(name) ?? { dtype: 'f32', shape: [] })),
    constants,
    arenaSize: plan.arenaSize,
    kernels,
  };
}
