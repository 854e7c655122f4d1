// Structural keys for CSE: two nodes with equal keys compute the same value. Constants are
// keyed by a hash of their bits (shape included), and compared bit for bit on a hash hit.

import type { Node } from '../../ir/graph.ts';
import { isExpr, isTensorData, type AttrValue, type TensorData } from '../../ir/ops/index.ts';
import { formatNumber } from '../../ir/number-format.ts';
import { formatExpr } from '../../ir/scalar.ts';

/** FNV-1a over the f32 bit patterns (so -0 and NaN payloads count as different). */
export function hashTensor(tensor: TensorData): string {
  const bits = new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.length);
  let hash = 0x811c9dc5;
  for (const word of bits) {
    hash = Math.imul(hash ^ (word & 0xffff), 0x01000193);
    hash = Math.imul(hash ^ (word >>> 16), 0x01000193);
  }
  return `${tensor.dtype ?? 'f32'}:${tensor.shape.join('x')}#${(hash >>> 0).toString(16)}`;
}

export function sameBits(a: TensorData, b: TensorData): boolean {
  if (a.data.length !== b.data.length || a.shape.length !== b.shape.length || (a.dtype ?? 'f32') !== (b.dtype ?? 'f32')) return false;
  if (a.shape.some((dim, i) => dim !== b.shape[i])) return false;
  const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  return x.every((word, i) => word === y[i]);
}

function attrKey(value: AttrValue): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly number[]).map(formatNumber).join(',')}]`;
  if (isTensorData(value)) return `tensor<${hashTensor(value)}>`;
  if (isExpr(value)) return `expr<${formatExpr(value)}>`;
  const activation = value as { op: string; attrs: Readonly<Record<string, AttrValue>> };
  return `${activation.op}${attrsKey(activation.attrs)}`;
}

function attrsKey(attrs: Readonly<Record<string, AttrValue>>): string {
  return `{${Object.keys(attrs).sort().map((name) => `${name}=${attrKey(attrs[name] as AttrValue)}`).join(',')}}`;
}

/** op, operands (in order) and attributes: equal keys mean equal values for pure ops. */
export function nodeKey(node: Node): string {
  return `${node.op}(${node.inputs.map((input) => JSON.stringify(input)).join(',')})${attrsKey(node.attrs)}:${node.type.shape.join(',')}`;
}
