// The verifier: checks a graph is well formed and well typed, returning diagnostics that
// name the node and say what was expected and what was found. It runs after every pass
// in tests, and on every graph a front end or the parser produces.

import { CompileError } from './errors.ts';
import type { Graph, Node } from './graph.ts';
import { formatValueName } from './names.ts';
import { inferNodeType } from './node.ts';
import { isOpName } from './ops/index.ts';
import { formatType, isMultipleDim, isSymbolic, sameType, shapeProblem, type TensorType } from './types.ts';

export interface Diagnostic {
  readonly node?: string;
  readonly op?: string;
  readonly message: string;
}

function at(node: Node, message: string): Diagnostic {
  return { node: node.name, op: String(node.op), message };
}

/** A cycle through `start`, as value names, if following operands leads back to it. */
function findCycle(start: Node, byName: ReadonlyMap<string, Node>): string[] | undefined {
  const path: string[] = [];
  const done = new Set<string>();
  const onPath = new Set<string>();
  const visit = (node: Node): string[] | undefined => {
    if (onPath.has(node.name)) return [...path.slice(path.indexOf(node.name)), node.name];
    if (done.has(node.name)) return undefined;
    onPath.add(node.name);
    path.push(node.name);
    for (const input of node.inputs) {
      const next = byName.get(input);
      const cycle = next ? visit(next) : undefined;
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(node.name);
    done.add(node.name);
    return undefined;
  };
  return visit(start);
}

function checkNode(node: Node, defined: ReadonlyMap<string, TensorType>, byName: ReadonlyMap<string, Node>): Diagnostic[] {
  if (!isOpName(node.op)) return [at(node, `unknown op '${String(node.op)}'`)];
  const operandTypes: TensorType[] = [];
  const problems: Diagnostic[] = [];
  for (const input of node.inputs) {
    const type = defined.get(input);
    if (type !== undefined) {
      operandTypes.push(type);
      continue;
    }
    const later = byName.get(input);
    if (later === undefined) {
      problems.push(at(node, `operand ${formatValueName(input)} is not defined`));
    } else {
      const cycle = findCycle(node, byName);
      problems.push(at(node, cycle
        ? `cycle: ${cycle.map(formatValueName).join(' -> ')}`
        : `operand ${formatValueName(input)} is used before its definition (nodes must be in topological order)`));
    }
  }
  if (problems.length > 0) return problems;
  try {
    const { type } = inferNodeType(node.op, operandTypes, node.attrs);
    if (!sameType(type, node.type)) {
      return [at(node, `type ${formatType(node.type)} does not match the op's result ${formatType(type)}`)];
    }
  } catch (error) {
    if (error instanceof CompileError) return [at(node, error.detail)];
    throw error;
  }
  return [];
}

/** Every problem of the graph; empty when it is valid. */
export function verifyGraph(graph: Graph): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const defined = new Map<string, TensorType>();
  const byName = new Map<string, Node>();
  for (const node of graph.nodes) {
    if (!byName.has(node.name)) byName.set(node.name, node);
  }
  for (const input of graph.inputs) {
    if (defined.has(input.name)) diagnostics.push({ node: input.name, message: 'input is defined twice' });
    // Inputs bind the symbols, so their dims are numbers or plain symbols (no `4*N`, `N*S`).
    const multiple = input.type.shape.find((d) => isSymbolic(d) && isMultipleDim(d));
    const problem = shapeProblem(input.type.shape) ?? (multiple === undefined ? undefined : `dim ${JSON.stringify(multiple)} must be a number or a symbol`);
    if (problem !== undefined) diagnostics.push({ node: input.name, message: `input ${problem}` });
    defined.set(input.name, input.type);
  }
  for (const node of graph.nodes) {
    if (defined.has(node.name)) diagnostics.push(at(node, `value ${formatValueName(node.name)} is defined twice`));
    diagnostics.push(...checkNode(node, defined, byName));
    defined.set(node.name, node.type);
  }
  if (graph.outputs.length === 0) diagnostics.push({ message: `graph ${JSON.stringify(graph.name)} returns nothing` });
  const returned = new Set<string>();
  for (const output of graph.outputs) {
    if (!defined.has(output)) diagnostics.push({ node: output, message: 'returned value is not defined' });
    if (returned.has(output)) diagnostics.push({ node: output, message: 'value is returned twice (output names must be unique)' });
    returned.add(output);
  }
  return diagnostics;
}

export function formatDiagnostic(diagnostic: Diagnostic): string {
  return new CompileError(diagnostic.message, {
    ...(diagnostic.node !== undefined ? { node: diagnostic.node } : {}),
    ...(diagnostic.op !== undefined ? { op: diagnostic.op } : {}),
  }).message;
}

/** Throws the first diagnostic as a CompileError (the graph is unusable). */
export function verifyGraphOrThrow(graph: Graph): void {
  const [first] = verifyGraph(graph);
  if (first === undefined) return;
  throw new CompileError(first.message, {
    ...(first.node !== undefined ? { node: first.node } : {}),
    ...(first.op !== undefined ? { op: first.op } : {}),
  });
}
