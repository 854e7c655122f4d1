// The ONNX writer's part for i32 and bool tensors: i32 is written as INT64 (so onnxruntime
// checks the int64 path PyTorch exports take) and bool as BOOL; the ops over them are
// written as their ONNX twins (Equal, Less, Greater, Not, And, Or, Where, Cast, Expand,
// Gather), never through float scalar bodies, whose ONNX types would not match. A
// fused_elementwise over i32 or bool operands (fusion of a mask's where/cast chain) is the
// one exception: its body is f32 arithmetic on 0/1 and exact integers, so it is written
// over FLOAT casts of those operands and its result cast back to its own type.

import { CompileError } from '../../../ir/errors.ts';
import type { Node } from '../../../ir/graph.ts';
import { floatAttr, intsAttr, stringAttr, type TensorData } from '../../../ir/ops/index.ts';
import type { DType, TensorType } from '../../../ir/types.ts';
import { DataType } from './proto.ts';
import { emitElementwise, floatTensor, intAttribute, type OnnxEmitter, type OnnxTensor } from './writer-emitter.ts';

export function onnxElemType(dtype: DType): number {
  switch (dtype) {
    case 'f32': return DataType.FLOAT;
    case 'i32': return DataType.INT64;
    case 'bool': return DataType.BOOL;
  }
}

/** A constant of any dtype as an initializer (i32 as INT64, bool as BOOL), raw little-endian. */
export function typedTensor(name: string, tensor: TensorData): OnnxTensor {
  const dtype = tensor.dtype ?? 'f32';
  if (dtype === 'f32') return floatTensor(name, tensor.shape, tensor.data);
  const width = dtype === 'i32' ? 8 : 1;
  const raw = new Uint8Array(tensor.data.length * width);
  const view = new DataView(raw.buffer);
  tensor.data.forEach((v, i) => (dtype === 'i32' ? view.setBigInt64(i * 8, BigInt(v), true) : view.setUint8(i, v !== 0 ? 1 : 0)));
  return { name, dims: [...tensor.shape], data_type: onnxElemType(dtype), raw_data: raw };
}

const TWINS: Readonly<Record<string, string>> = {
  equal: 'Equal', less: 'Less', greater: 'Greater', not: 'Not', and: 'And', or: 'Or', where: 'Where',
};

/** Writes a node of the dtype ops; false when the op is not one of them. */
export function emitMaskNode(out: OnnxEmitter, node: Node, inputs: readonly { name: string; type: TensorType }[]): boolean {
  const names = inputs.map((v) => v.name);
  const twin = TWINS[node.op];
  if (twin !== undefined) {
    out.node(twin, names, node.name);
    return true;
  }
  switch (node.op) {
    case 'cast':
      // ONNX Cast of a float to an integer truncates like fusegraph; to BOOL it tests != 0.
      out.node('Cast', names, node.name, [intAttribute('to', onnxElemType(stringAttr(node.attrs, 'to') as DType))]);
      return true;
    case 'expand':
      out.node('Expand', [...names, out.shape(intsAttr(node.attrs, 'shape'), `${node.name}/shape`)], node.name);
      return true;
    case 'gather':
      out.node('Gather', names, node.name, [intAttribute('axis', floatAttr(node.attrs, 'axis'))]);
      return true;
    case 'identity':
      // Any element type: ONNX Identity keeps it.
      out.node('Identity', names, node.name);
      return true;
    case 'fused_elementwise':
      if (node.type.dtype === 'f32' && inputs.every((v) => v.type.dtype === 'f32')) return false;
      emitTypedFused(out, node, inputs);
      return true;
    default:
      if (node.type.dtype !== 'f32' || inputs.some((v) => v.type.dtype !== 'f32')) {
        throw new CompileError(`the ONNX writer writes ${node.op} over f32 tensors only (write the graph before fusion)`, { node: node.name, op: node.op });
      }
      return false;
  }
}

/** A fused_elementwise with i32 or bool operands or result: the f32 body between Casts. */
function emitTypedFused(out: OnnxEmitter, node: Node, inputs: readonly { name: string; type: TensorType }[]): void {
  const floats = inputs.map((v) => {
    if (v.type.dtype === 'f32') return v;
    const name = out.node('Cast', [v.name], out.fresh(`${node.name}/f32`), [intAttribute('to', DataType.FLOAT)]);
    return { name, type: { ...v.type, dtype: 'f32' as const } };
  });
  if (node.type.dtype === 'f32') {
    emitElementwise(out, node.op, node.attrs, floats, node.name);
    return;
  }
  // The body gives exact 0/1 or integers in f32, which Cast to BOOL (!= 0) or INT64 keeps.
  const body = out.fresh(`${node.name}/body`);
  emitElementwise(out, node.op, node.attrs, floats, body);
  out.node('Cast', [body], node.name, [intAttribute('to', onnxElemType(node.type.dtype))]);
}
