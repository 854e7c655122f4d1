// The printer of the IR text format. `printGraph(g)` is the dump users read between passes
// (weights elided to a summary); `printGraph(g, { weights: 'full' })` keeps every weight
// bit-exactly (base64 of little-endian f32) and parses back into an identical graph.
//
//   graph seed_mlp(%x: f32[N,784]) -> f32[N,10] {
//     %0.weight = const {value = elided<min = -0.0357, max = 0.0357, mean = 0.0001>} : f32[128,784]
//     %0 = linear(%x, %0.weight, %0.bias) {activation = relu} : f32[N,128]
//     return %2
//   }

import type { Graph, Node } from './graph.ts';
import { formatName, formatValueName, quoteString } from './names.ts';
import { formatNumber } from './number-format.ts';
import { isActivation, isExpr, isTensorData, OPS, type AttrSpec, type AttrValue, type Attrs, type TensorData } from './ops/index.ts';
import { formatExpr } from './scalar.ts';
import { formatType } from './types.ts';
import { encodeWeights } from './weights-codec.ts';

export { encodeWeights };

export interface PrintOptions {
  /** 'elided' (default): weights shown as a summary; 'full': every weight, exactly. */
  readonly weights?: 'elided' | 'full';
}

function summarize(tensor: TensorData): string {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of tensor.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const short = (v: number): string => formatNumber(Number.isFinite(v) ? Number(v.toPrecision(4)) : v);
  const mean = tensor.data.length > 0 ? sum / tensor.data.length : 0;
  return `elided<min = ${short(min)}, max = ${short(max)}, mean = ${short(mean)}>`;
}

function formatAttrValue(spec: AttrSpec | undefined, value: AttrValue, options: PrintOptions): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return spec?.type === 'enum' ? value : quoteString(value);
  if (Array.isArray(value)) return `[${(value as readonly (number | string)[]).map((v) => (typeof v === 'number' ? formatNumber(v) : v)).join(', ')}]`;
  if (isTensorData(value)) return options.weights === 'full' ? `dense<"${encodeWeights(value.data)}">` : summarize(value);
  if (isActivation(value)) {
    const def = (OPS as Readonly<Record<string, (typeof OPS)[keyof typeof OPS]>>)[value.op];
    const inner = formatAttrs(def?.attrs ?? {}, value.attrs, options);
    return inner === '' ? value.op : `${value.op}(${inner})`;
  }
  if (isExpr(value)) return `expr<${formatExpr(value)}>`;
  return quoteString(String(value));
}

function formatAttrs(schema: Readonly<Record<string, AttrSpec>>, attrs: Attrs, options: PrintOptions): string {
  const names = [...Object.keys(schema).filter((n) => Object.hasOwn(attrs, n)), ...Object.keys(attrs).filter((n) => !Object.hasOwn(schema, n))];
  return names
    .map((name) => {
      const value = attrs[name];
      return value === undefined ? '' : `${name} = ${formatAttrValue(schema[name], value, options)}`;
    })
    .filter((text) => text !== '')
    .join(', ');
}

export function printNode(node: Node, options: PrintOptions = {}): string {
  const schema = OPS[node.op]?.attrs ?? {};
  const operands = node.inputs.length > 0 ? `(${node.inputs.map(formatValueName).join(', ')})` : '';
  const attrs = formatAttrs(schema, node.attrs, options);
  return `${formatValueName(node.name)} = ${node.op}${operands}${attrs === '' ? '' : ` {${attrs}}`} : ${formatType(node.type)}`;
}

export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const params = graph.inputs.map((input) => `${formatValueName(input.name)}: ${formatType(input.type)}`).join(', ');
  const types = new Map<string, string>();
  for (const input of graph.inputs) types.set(input.name, formatType(input.type));
  for (const node of graph.nodes) types.set(node.name, formatType(node.type));
  const results = graph.outputs.map((name) => types.get(name) ?? '?');
  const resultText = results.length === 1 ? (results[0] ?? '') : `(${results.join(', ')})`;
  const lines = [`graph ${formatName(graph.name)}(${params}) -> ${resultText} {`];
  for (const node of graph.nodes) lines.push(`  ${printNode(node, options)}`);
  lines.push(`  return ${graph.outputs.map(formatValueName).join(', ')}`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
