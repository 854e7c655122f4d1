// The graph: inputs, nodes in topological order, outputs. Every structure is readonly; a
// rewrite builds new nodes (with makeNode, which runs the op's shape rule) and a new graph.

import { CompileError } from './errors.ts';
import type { Attrs, OpName } from './ops/index.ts';
import type { TensorType } from './types.ts';

/** A named tensor value: a graph input or the output of a node. */
export interface Value {
  readonly name: string;
  readonly type: TensorType;
}

/** `%name = op(inputs…) {attrs} : type`. A node defines exactly one value, `name`. */
export interface Node {
  readonly name: string;
  readonly op: OpName;
  readonly inputs: readonly string[];
  readonly attrs: Attrs;
  readonly type: TensorType;
}

export interface Graph {
  readonly name: string;
  readonly inputs: readonly Value[];
  readonly nodes: readonly Node[];
  /** Names of the values the graph returns; each is also the output's public name. */
  readonly outputs: readonly string[];
}

/** Types of every value (inputs and nodes) by name. */
export function valueTypes(graph: Graph): Map<string, TensorType> {
  const types = new Map<string, TensorType>();
  for (const input of graph.inputs) types.set(input.name, input.type);
  for (const node of graph.nodes) types.set(node.name, node.type);
  return types;
}

export function typeOf(graph: Graph, name: string): TensorType {
  const type = valueTypes(graph).get(name);
  if (type === undefined) throw new CompileError(`value is not defined`, { node: name });
  return type;
}

/** The node defining each value (graph inputs have none). */
export function producers(graph: Graph): Map<string, Node> {
  return new Map(graph.nodes.map((node) => [node.name, node]));
}

/** For each value, the nodes that read it (a node reading a value twice appears once). */
export function users(graph: Graph): Map<string, Node[]> {
  const result = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const input of new Set(node.inputs)) {
      const list = result.get(input) ?? [];
      list.push(node);
      result.set(input, list);
    }
  }
  return result;
}

/** How many places read each value: node operands (counted per operand) plus graph outputs. */
export function useCounts(graph: Graph): Map<string, number> {
  const counts = new Map<string, number>();
  const bump = (name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const node of graph.nodes) node.inputs.forEach(bump);
  graph.outputs.forEach(bump);
  return counts;
}

export function outputTypes(graph: Graph): TensorType[] {
  const types = valueTypes(graph);
  return graph.outputs.map((name) => {
    const type = types.get(name);
    if (type === undefined) throw new CompileError('returned value is not defined', { node: name });
    return type;
  });
}

/** A copy of the graph with some fields replaced. */
export function withNodes(graph: Graph, nodes: readonly Node[], outputs: readonly string[] = graph.outputs): Graph {
  return { name: graph.name, inputs: graph.inputs, nodes, outputs };
}

/** The graph with value `from` called `to` everywhere (definition, operands, outputs). */
export function renameValue(graph: Graph, from: string, to: string): Graph {
  if (from === to) return graph;
  if (valueTypes(graph).has(to)) throw new CompileError(`cannot rename ${from}: value is already defined`, { node: to });
  const rename = (name: string): string => (name === from ? to : name);
  return {
    name: graph.name,
    inputs: graph.inputs.map((input) => ({ ...input, name: rename(input.name) })),
    nodes: graph.nodes.map((node) => ({ ...node, name: rename(node.name), inputs: node.inputs.map(rename) })),
    outputs: graph.outputs.map(rename),
  };
}
