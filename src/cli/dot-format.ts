// The graph as Graphviz DOT, for `fusegraph ir --format dot | dot -Tsvg`: one box per node
// (fused nodes show their activation or body), inputs and outputs as ovals, constants as
// notes, every edge labelled with the tensor type it carries. Model-supplied names appear
// only inside escaped DOT strings; node ids are generated.

import type { Graph } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { activationAttr, isExpr, OPS } from '../../ir/ops/index.ts';
import { formatExpr } from '../../ir/scalar.ts';
import { formatType, type TensorType } from '../../ir/types.ts';

/** A DOT double-quoted string: backslashes and quotes escaped, line breaks as DOT's \n. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r\n|\r|\n|\u2028|\u2029/g, '\\n')}"`;
}

const MAX_LABEL = 60;
const clip = (text: string): string => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);

function nodeLabel(graph: Graph, index: number): string {
  const node = graph.nodes[index];
  if (node === undefined) return '';
  const lines = [`${formatValueName(node.name)} = ${node.op}`];
  const activation = activationAttr(node.attrs);
  if (activation !== undefined) lines.push(`activation = ${activation.op}`);
  const body = node.attrs['body'];
  if (isExpr(body)) lines.push(clip(formatExpr(body)));
  for (const [name, value] of Object.entries(node.attrs)) {
    if (name === 'activation' || name === 'body' || name === 'value') continue;
    lines.push(clip(`${name} = ${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`));
  }
  if (node.op === 'const') lines.push(formatType(node.type));
  return lines.join('\n');
}

export function graphToDot(graph: Graph): string {
  const ids = new Map<string, string>();
  const types = new Map<string, TensorType>();
  const lines = [`digraph ${dotString(graph.name)} {`, '  rankdir=TB;', '  node [shape=box, fontname="monospace", fontsize=10];', '  edge [fontname="monospace", fontsize=9];'];
  graph.inputs.forEach((input, i) => {
    const id = `in${i}`;
    ids.set(input.name, id);
    types.set(input.name, input.type);
    lines.push(`  ${id} [shape=oval, label=${dotString(`${formatValueName(input.name)}\n${formatType(input.type)}`)}];`);
  });
  graph.nodes.forEach((node, i) => {
    const id = `n${i}`;
    const kind = OPS[node.op].kind;
    const style = kind === 'source' ? ', shape=note, color=gray50' : node.op === 'linear' || node.op === 'fused_elementwise' ? ', style=bold' : '';
    lines.push(`  ${id} [label=${dotString(nodeLabel(graph, i))}${style}];`);
    for (const input of new Set(node.inputs)) {
      const from = ids.get(input);
      const type = types.get(input);
      if (from !== undefined) lines.push(`  ${from} -> ${id} [label=${dotString(type ? formatType(type) : '?')}];`);
    }
    ids.set(node.name, id);
    types.set(node.name, node.type);
  });
  graph.outputs.forEach((name, i) => {
    const from = ids.get(name);
    const type = types.get(name);
    lines.push(`  out${i} [shape=oval, peripheries=2, label=${dotString(`return ${formatValueName(name)}`)}];`);
    if (from !== undefined) lines.push(`  ${from} -> out${i} [label=${dotString(type ? formatType(type) : '?')}];`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
