// Dead-op elimination: removes every pure node whose value cannot reach a graph output,
// unused constants included. Graph inputs stay (the signature belongs to the user), but an
// input nothing reads is reported. One backward sweep marks what the outputs need.

import type { Graph, Node } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { OPS } from '../../ir/ops/index.ts';
import type { Pass, PassContext } from './pass.ts';

function eliminateDeadOps(graph: Graph, context: PassContext): Graph {
  const live = new Set(graph.outputs);
  const kept: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node === undefined) continue;
    if (!live.has(node.name) && OPS[node.op].pure) continue;
    kept.push(node);
    for (const input of node.inputs) live.add(input);
  }
  for (const input of graph.inputs) {
    if (!live.has(input.name)) context.note(`input ${formatValueName(input.name)} is unused`);
  }
  if (kept.length === graph.nodes.length) return graph;
  return { name: graph.name, inputs: graph.inputs, nodes: kept.reverse(), outputs: graph.outputs };
}

export const dcePass: Pass = {
  name: 'dce',
  summary: 'remove pure nodes whose value reaches no output; report unused inputs',
  run: eliminateDeadOps,
};
