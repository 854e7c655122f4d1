// The ONNX writer's convolutional ops: conv (its fused residual and activation written back
// as separate Add and activation nodes, the form exporters produce), ConvTranspose, MaxPool,
// AveragePool, ReduceSum/Mean/Max/Min (axes an attribute before opset 18, an input from 18;
// ReduceSum's an input from 13), Concat, Slice, Pad and Resize (its sizes built from the
// input's own N and C when the batch is symbolic).

import { CompileError } from '../../../ir/errors.ts';
import type { Node } from '../../../ir/graph.ts';
import { activationAttr, convLayout, floatAttr, intsAttr, stringAttr, type OpName } from '../../../ir/ops/index.ts';
import { isSymbolic, type TensorType } from '../../../ir/types.ts';
import { emitElementwise, intAttribute, intsAttribute, stringAttribute, type OnnxAttribute, type OnnxEmitter } from './writer-emitter.ts';

type Typed = readonly { readonly name: string; readonly type: TensorType }[];
type CnnWriter = (out: OnnxEmitter, node: Node, typed: Typed) => void;

/** An `ints` attribute written only when the node sets it (an empty list means ONNX's default). */
function optionalInts(node: Node, name: string, onnxName = name): OnnxAttribute[] {
  const values = intsAttr(node.attrs, name);
  return values.length === 0 ? [] : [intsAttribute(onnxName, values)];
}

function windowAttributes(node: Node, withDilations: boolean): OnnxAttribute[] {
  return [...optionalInts(node, 'strides'), ...optionalInts(node, 'pads'), ...(withDilations ? optionalInts(node, 'dilations') : [])];
}

/** conv, then Add of the residual, then the activation: each step ONNX's own node. */
const conv: CnnWriter = (out, node, typed) => {
  const { hasBias, residual, paramStart } = convLayout(node.inputs.length, node.attrs);
  const activation = activationAttr(node.attrs);
  const [x, w] = node.inputs;
  if (x === undefined || w === undefined) throw new CompileError('internal: conv without operands', { node: node.name });
  const attributes = [...windowAttributes(node, true), intAttribute('group', floatAttr(node.attrs, 'group'))];
  const last = residual === undefined && activation === undefined;
  let value = out.node('Conv', hasBias ? [x, w, node.inputs[2] ?? ''] : [x, w], last ? node.name : out.fresh(`${node.name}/conv`), attributes);
  if (residual !== undefined) {
    value = out.node('Add', [value, node.inputs[residual] ?? ''], activation === undefined ? node.name : out.fresh(`${node.name}/residual`));
  }
  if (activation !== undefined) {
    emitElementwise(out, activation.op, activation.attrs, [{ name: value, type: node.type }, ...typed.slice(paramStart)], node.name);
  }
};

const convTranspose: CnnWriter = (out, node) => {
  out.node('ConvTranspose', node.inputs, node.name, [
    ...windowAttributes(node, true), ...optionalInts(node, 'output_padding'), intAttribute('group', floatAttr(node.attrs, 'group')),
  ]);
};

const maxPool: CnnWriter = (out, node) => {
  out.node('MaxPool', node.inputs, node.name, [
    intsAttribute('kernel_shape', intsAttr(node.attrs, 'kernel_shape')), ...windowAttributes(node, true),
    intAttribute('ceil_mode', floatAttr(node.attrs, 'ceil_mode')),
  ]);
};

const avgPool: CnnWriter = (out, node) => {
  out.node('AveragePool', node.inputs, node.name, [
    intsAttribute('kernel_shape', intsAttr(node.attrs, 'kernel_shape')), ...windowAttributes(node, false),
    intAttribute('ceil_mode', floatAttr(node.attrs, 'ceil_mode')), intAttribute('count_include_pad', floatAttr(node.attrs, 'count_include_pad')),
  ]);
};

function reduce(onnxOp: string): CnnWriter {
  return (out, node) => {
    const axes = intsAttr(node.attrs, 'axes');
    const keepdims = intAttribute('keepdims', floatAttr(node.attrs, 'keepdims'));
    // Empty axes: every axis, ONNX's default when axes is absent (noop_with_empty_axes = 0).
    const asInput = out.opset >= 18 || onnxOp === 'ReduceSum';
    if (axes.length === 0) { out.node(onnxOp, node.inputs, node.name, [keepdims]); return; }
    if (asInput) { out.node(onnxOp, [...node.inputs, out.shape(axes, `${node.name}/axes`)], node.name, [keepdims]); return; }
    out.node(onnxOp, node.inputs, node.name, [intsAttribute('axes', axes), keepdims]);
  };
}

const concat: CnnWriter = (out, node) => {
  out.node('Concat', node.inputs, node.name, [intAttribute('axis', floatAttr(node.attrs, 'axis'))]);
};

const slice: CnnWriter = (out, node) => {
  const starts = intsAttr(node.attrs, 'starts');
  const given = intsAttr(node.attrs, 'axes');
  const steps = intsAttr(node.attrs, 'steps');
  const axes = given.length === 0 ? starts.map((_, i) => i) : given;
  out.node('Slice', [
    ...node.inputs,
    out.shape(starts, `${node.name}/starts`),
    out.shape(intsAttr(node.attrs, 'ends'), `${node.name}/ends`),
    out.shape(axes, `${node.name}/axes`),
    out.shape(steps.length === 0 ? starts.map(() => 1) : steps, `${node.name}/steps`),
  ], node.name);
};

const pad: CnnWriter = (out, node) => {
  const mode = stringAttr(node.attrs, 'mode');
  const inputs = [...node.inputs, out.shape(intsAttr(node.attrs, 'pads'), `${node.name}/pads`)];
  if (mode === 'constant') inputs.push(out.scalar(floatAttr(node.attrs, 'value')));
  out.node('Pad', inputs, node.name, [stringAttribute('mode', mode)]);
};

/**
 * Resize by `sizes` (ONNX then takes each scale as out/in, as the IR does). sizes covers
 * every axis; a symbolic batch is read from the input's shape at run time.
 */
const resize: CnnWriter = (out, node, typed) => {
  const x = typed[0];
  if (x === undefined) throw new CompileError('internal: resize without operand', { node: node.name });
  const spatial = intsAttr(node.attrs, 'sizes');
  let sizes: string;
  const [batch, channels] = x.type.shape;
  if (batch !== undefined && channels !== undefined && !isSymbolic(batch) && !isSymbolic(channels)) {
    sizes = out.shape([batch, channels, ...spatial], `${node.name}/sizes`);
  } else {
    const shape = out.node('Shape', [x.name], out.fresh(`${node.name}/shape`));
    const leading = out.node('Slice', [shape, out.shape([0], `${node.name}/zero`), out.shape([2], `${node.name}/two`)], out.fresh(`${node.name}/leading`));
    sizes = out.node('Concat', [leading, out.shape(spatial, `${node.name}/spatial`)], out.fresh(`${node.name}/sizes`), [intAttribute('axis', 0)]);
  }
  const mode = stringAttr(node.attrs, 'mode');
  out.node('Resize', [x.name, '', '', sizes], node.name, [
    stringAttribute('mode', mode),
    stringAttribute('coordinate_transformation_mode', stringAttr(node.attrs, 'coordinate_transformation_mode')),
    ...(mode === 'nearest' ? [stringAttribute('nearest_mode', stringAttr(node.attrs, 'nearest_mode'))] : []),
  ]);
};

const CNN_WRITERS: Partial<Record<OpName, CnnWriter>> = {
  conv, conv_transpose: convTranspose, max_pool: maxPool, avg_pool: avgPool,
  reduce_sum: reduce('ReduceSum'), reduce_mean: reduce('ReduceMean'), reduce_max: reduce('ReduceMax'), reduce_min: reduce('ReduceMin'),
  concat, slice, pad, resize,
};

export function isCnnOp(op: OpName): boolean {
  return CNN_WRITERS[op] !== undefined;
}

export function emitCnnNode(out: OnnxEmitter, node: Node, typed: Typed): void {
  const write = CNN_WRITERS[node.op];
  if (write === undefined) throw new CompileError(`internal: ${node.op} is not a CNN op`, { node: node.name });
  write(out, node, typed);
}
