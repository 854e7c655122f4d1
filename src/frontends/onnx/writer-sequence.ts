// The ONNX writer's transformer ops. layer_norm is LayerNormalization from opset 17 (a scale
// of ones when the node has none) and PyTorch's decomposition before it; attention is
// written unfused: MatMul(q, Transpose(k)) · scale (+ mask) → Softmax → MatMul with v.

import { CompileError } from '../../../ir/errors.ts';
import type { Node } from '../../../ir/graph.ts';
import { floatAttr, layerNormLayout, normalizedShape } from '../../../ir/ops/index.ts';
import type { TensorType } from '../../../ir/types.ts';
import { floatAttribute, floatTensor, intAttribute, intsAttribute, type OnnxEmitter } from './writer-emitter.ts';

interface Typed { readonly name: string; readonly type: TensorType }

function scalar(out: OnnxEmitter, value: number, hint: string): string {
  const name = out.fresh(hint);
  out.initializers.push(floatTensor(name, [], Float32Array.of(value)));
  return name;
}

function emitLayerNorm(out: OnnxEmitter, node: Node, operands: readonly Typed[]): void {
  const { residual, paramStart } = layerNormLayout(node.attrs);
  const [source, r] = operands;
  const [scale, bias] = operands.slice(paramStart);
  // A fused residual is written as the Add it came from.
  const x = residual && source !== undefined && r !== undefined
    ? { name: out.node('Add', [source.name, r.name], out.fresh(`${node.name}/sum`)), type: node.type } : source;
  if (x === undefined) throw new CompileError('internal: layer_norm without operand', { node: node.name, op: node.op });
  const rank = node.type.shape.length;
  const tail = normalizedShape(node.type.shape, node.attrs);
  const axis = rank - tail.length;
  const epsilon = floatAttr(node.attrs, 'epsilon');
  if (out.opset >= 17) {
    let scaleName = scale?.name;
    if (scaleName === undefined) {
      scaleName = out.fresh(`${node.name}/scale`);
      out.initializers.push(floatTensor(scaleName, tail, new Float32Array(tail.reduce((n, d) => n * d, 1)).fill(1)));
    }
    const inputs = bias === undefined ? [x.name, scaleName] : [x.name, scaleName, bias.name];
    out.node('LayerNormalization', inputs, node.name, [intAttribute('axis', axis), floatAttribute('epsilon', epsilon)]);
    return;
  }
  const axes = [intsAttribute('axes', tail.map((_, i) => axis + i))];
  const mean = out.node('ReduceMean', [x.name], out.fresh(`${node.name}/mean`), axes);
  const d = out.node('Sub', [x.name, mean], out.fresh(`${node.name}/centered`));
  const square = out.node('Mul', [d, d], out.fresh(`${node.name}/square`));
  const variance = out.node('ReduceMean', [square], out.fresh(`${node.name}/variance`), axes);
  const shifted = out.node('Add', [variance, scalar(out, epsilon, `${node.name}/epsilon`)], out.fresh(`${node.name}/shifted`));
  const std = out.node('Sqrt', [shifted], out.fresh(`${node.name}/std`));
  const steps: string[] = [];
  if (scale !== undefined) steps.push(scale.name);
  if (bias !== undefined) steps.push(bias.name);
  let current = out.node('Div', [d, std], steps.length === 0 ? node.name : out.fresh(`${node.name}/normalized`));
  if (scale !== undefined) current = out.node('Mul', [current, scale.name], bias === undefined ? node.name : out.fresh(`${node.name}/scaled`));
  if (bias !== undefined) out.node('Add', [current, bias.name], node.name);
}

function emitAttention(out: OnnxEmitter, node: Node, typed: readonly Typed[]): void {
  const [q, k, v, mask] = typed;
  if (q === undefined || k === undefined || v === undefined) throw new CompileError('internal: attention without operands', { node: node.name, op: node.op });
  const rank = k.type.shape.length;
  const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  const kt = out.node('Transpose', [k.name], out.fresh(`${node.name}/keys_t`), [intsAttribute('perm', perm)]);
  const scores = out.node('MatMul', [q.name, kt], out.fresh(`${node.name}/scores`));
  let logits = out.node('Mul', [scores, scalar(out, floatAttr(node.attrs, 'scale'), `${node.name}/scale`)], out.fresh(`${node.name}/scaled`));
  if (mask !== undefined) logits = out.node('Add', [logits, mask.name], out.fresh(`${node.name}/masked`));
  const weights = out.node('Softmax', [logits], out.fresh(`${node.name}/weights`), [intAttribute('axis', -1)]);
  out.node('MatMul', [weights, v.name], node.name);
}

export function isSequenceOp(op: string): op is 'layer_norm' | 'attention' {
  return op === 'layer_norm' || op === 'attention';
}

export function emitSequenceNode(out: OnnxEmitter, node: Node, typed: readonly Typed[]): void {
  if (node.op === 'layer_norm') emitLayerNorm(out, node, typed);
  else emitAttention(out, node, typed);
}
