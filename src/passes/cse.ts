// Common subexpression elimination: identical pure nodes on identical operands become one.
// One sweep in topological order suffices: operands are renamed to their representatives
// before a node is keyed, so duplicates of duplicates are found too (hash-consing).
// Constants match by content (a hash, then a bitwise comparison), not by name.
// A duplicate that is a graph output keeps its node: the output's public name is fixed.

import type { Graph, Node } from '../../ir/graph.ts';
import { OPS, type TensorData } from '../../ir/ops/index.ts';
import { hashTensor, nodeKey, sameBits } from './node-key.ts';
import type { Pass } from './pass.ts';
import { constData } from './rewrite-rule.ts';

function eliminateCommonSubexpressions(graph: Graph): Graph {
  const outputs = new Set(graph.outputs);
  const representative = new Map<string, string>();
  const byKey = new Map<string, string>();
  const constsByHash = new Map<string, { name: string; data: TensorData }[]>();
  const kept: Node[] = [];
  let changed = false;
  for (const original of graph.nodes) {
    const inputs = original.inputs.map((input) => representative.get(input) ?? input);
    const node = inputs.some((input, i) => input !== original.inputs[i]) ? { ...original, inputs } : original;
    if (node !== original) changed = true;
    const found = OPS[node.op].pure ? findDuplicate(node) : undefined;
    if (found !== undefined && !outputs.has(node.name)) {
      representative.set(node.name, found);
      changed = true;
      continue;
    }
    kept.push(node);
  }
  if (!changed) return graph;
  return { name: graph.name, inputs: graph.inputs, nodes: kept, outputs: graph.outputs };

  function findDuplicate(node: Node): string | undefined {
    const data = constData(node);
    if (data !== undefined) {
      const hash = hashTensor(data);
      const bucket = constsByHash.get(hash) ?? [];
      const match = bucket.find((entry) => sameBits(entry.data, data));
      if (match !== undefined) return match.name;
      bucket.push({ name: node.name, data });
      constsByHash.set(hash, bucket);
      return undefined;
    }
    const key = nodeKey(node);
    const match = byKey.get(key);
    if (match === undefined) byKey.set(key, node.name);
    return match;
  }
}

export const csePass: Pass = {
  name: 'cse',
  summary: 'merge identical pure nodes (constants by content hash)',
  run: (graph) => eliminateCommonSubexpressions(graph),
};
